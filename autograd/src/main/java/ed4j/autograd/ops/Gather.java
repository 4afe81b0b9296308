package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** {@code out[i][j] = x[i][index[i][j]]} along a dim; the gradient is scattered back and summed. */
public final class Gather extends Function {

    private Shape inputShape;
    private int dim;
    private Tensor index;

    private Gather() {}

    public static Variable apply(Variable x, int dim, Tensor index) {
        Gather fn = new Gather();
        fn.inputShape = x.shape();
        fn.dim = Shape.normalizeDim(dim, x.rank(), "gather");
        fn.index = index;
        return fn.output(x.data().gather(dim, index), x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {grad.backend().scatterAdd(inputShape, dim, index, grad)};
    }

    @Override
    protected void releaseSaved() {
        index = null;
    }
}
