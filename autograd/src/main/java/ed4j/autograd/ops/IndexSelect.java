package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Entries along a dim at given positions; the gradient is added back at those positions. */
public final class IndexSelect extends Function {

    private Shape inputShape;
    private int dim;
    private Tensor index;

    private IndexSelect() {}

    public static Variable apply(Variable x, int dim, Tensor index) {
        IndexSelect fn = new IndexSelect();
        fn.inputShape = x.shape();
        fn.dim = Shape.normalizeDim(dim, x.rank(), "indexSelect");
        fn.index = index;
        return fn.output(x.data().indexSelect(dim, index), x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {grad.backend().indexAdd(inputShape, dim, index, grad)};
    }

    @Override
    protected void releaseSaved() {
        index = null;
    }
}
