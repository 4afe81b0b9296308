package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Average or max pooling of {@code (N, C, H, W)}. The average's gradient spreads evenly over each
 * window (with the forward's divisor); NOTE: the maximum's goes to the first maximal element of
 * each window, the one the forward's index names, as in PyTorch.
 */
public final class Pool2d extends Function {

    private Shape inputShape;
    private Pool2dParams params;
    private Tensor indices;

    private Pool2d() {}

    public static Variable average(Variable x, Pool2dParams p) {
        Pool2d fn = new Pool2d();
        fn.inputShape = x.shape();
        fn.params = p;
        return fn.output(x.data().avgPool2d(p), x);
    }

    public static Variable max(Variable x, Pool2dParams p) {
        if (!GradMode.isEnabled() || !x.requiresGrad()) {
            // No graph: the indices would never be read.
            return Variable.constant(x.data().maxPool2dValues(p));
        }
        Pool2d fn = new Pool2d();
        fn.inputShape = x.shape();
        fn.params = p;
        Tensor.ValuesIndices r = x.data().maxPool2d(p);
        fn.indices = r.indices();
        return fn.output(r.values(), x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        if (indices != null) {
            return new Tensor[] {grad.backend().maxPool2dBackward(grad, indices, inputShape)};
        }
        return new Tensor[] {grad.backend().avgPool2dBackward(grad, inputShape, params)};
    }

    @Override
    protected void releaseSaved() {
        indices = null;
    }

    @Override
    public String name() {
        return indices != null ? "MaxPool2d" : "AvgPool2d";
    }
}
