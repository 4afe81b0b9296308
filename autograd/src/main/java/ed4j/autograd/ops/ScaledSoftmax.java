package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * {@code y = softmax(s * x)} along a dim for a learnable scalar {@code s} (attention with a
 * learned temperature), in one kernel instead of a product and a softmax. With
 * {@code dz = y * (g - sum(g * y))}: {@code dx = s * dz}, {@code ds = sum(x * dz)}.
 *
 * <p>Only {@code y} is kept for the backward pass, not {@code x}: along the softmax dim
 * {@code s x = log y + c} with one constant {@code c} per row, and {@code dz} sums to zero over
 * that dim, so {@code ds = sum(dz log y) / s}. Where {@code y} underflowed to zero, {@code dz} is
 * zero too and the term is taken as zero. This halves what an attention block holds between the
 * passes; {@code x} is kept only when {@code s} is zero.
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
        fn.y = x.data().backend().scaledSoftmax(x.data(), fn.s, fn.dim);
        if (fn.s == 0 && scale.requiresGrad()) {
            fn.x = x.data();
        }
        return fn.output(fn.y, x, scale);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        if (x != null) {
            Tensor dz = grad.backend().softmaxBackward(grad, y, dim, 1.0);
            Tensor dx = needsGrad(0) ? dz.mul(s) : null;
            return new Tensor[] {dx, x.mul(dz).sum().reshape(Shape.scalar().toArray())};
        }
        // dx = s dz in one kernel; then ds = sum(dz log y) / s = sum(dx log y) / s^2, also in
        // one pass (Backend.sumTimesLog), the logarithm floored where y underflowed.
        Tensor dx = grad.backend().softmaxBackward(grad, y, dim, s);
        // (s is not zero here: at zero, x is kept whenever the scale needs a gradient.)
        Tensor ds = needsGrad(1)
                ? grad.backend().sumTimesLog(dx, y, Float.MIN_VALUE).div(s * s)
                        .reshape(Shape.scalar().toArray())
                : null;
        return new Tensor[] {needsGrad(0) ? dx : null, ds};
    }

    @Override
    protected void releaseSaved() {
        x = null;
        y = null;
    }
}
