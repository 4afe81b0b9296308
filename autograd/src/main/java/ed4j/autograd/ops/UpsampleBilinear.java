package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Bilinear resampling of {@code (N, C, H, W)}; the backward pass is the adjoint kernel. */
public final class UpsampleBilinear extends Function {

    private Shape inputShape;
    private boolean alignCorners;

    private UpsampleBilinear() {}

    public static Variable apply(Variable x, int outH, int outW, boolean alignCorners) {
        UpsampleBilinear fn = new UpsampleBilinear();
        fn.inputShape = x.shape();
        fn.alignCorners = alignCorners;
        return fn.output(x.data().upsampleBilinear2d(outH, outW, alignCorners), x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {
            grad.backend().upsampleBilinear2dBackward(grad, inputShape, alignCorners)
        };
    }
}
