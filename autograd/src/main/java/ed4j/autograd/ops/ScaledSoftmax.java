package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * {@code y = softmax(s * x)} along a dim for a learnable scalar {@code s} (attention with a
 * learned temperature), in one kernel instead of a product and a softmax. With
 * {@code dz = y * (g - sum(g * y))}: {@code dx = s * dz}, {@code ds = sum(x * dz)}.
 */
public final class ScaledSoftmax extends Function {

    private Tensor x;
    private Tensor y;
    private double s;
    private int dim;

    private ScaledSoftmax() {}

    /** {@code scale} holds one element. */
    public static Variable apply(Variable x, Variable scale, int dim) {
        if (scale.numel() != 1) {
            throw new IllegalArgumentException(
                    "scaledSoftmax: the scale must hold one element, got shape " + scale.shape());
        }
        ScaledSoftmax fn = new ScaledSoftmax();
        fn.dim = Shape.normalizeDim(dim, Math.max(x.rank(), 1), "scaledSoftmax");
        fn.s = scale.item();
        fn.x = x.data();
        fn.y = x.data().backend().scaledSoftmax(x.data(), fn.s, fn.dim);
        return fn.output(fn.y, x, scale);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor dz = grad.backend().softmaxBackward(grad, y, dim, 1.0);
        Tensor dx = needsGrad(0) ? dz.mul(s) : null;
        Tensor ds = null;
        if (needsGrad(1)) {
            ds = x.mul(dz).sum().reshape(Shape.scalar().toArray());
        }
        return new Tensor[] {dx, ds};
    }

    @Override
    protected void releaseSaved() {
        x = null;
        y = null;
    }
}
