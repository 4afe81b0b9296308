package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Max, min or lower median along one dim. The whole gradient of each output goes to the one
 * element its index names (for the median: the selected middle element, as in PyTorch).
 */
public final class IndexedReduce extends Function {

    private Shape inputShape;
    private Tensor indices;
    private int dim;
    private boolean keepdim;

    private IndexedReduce() {}

    public static Variable.ValuesIndices apply(Variable x, IndexReduceOp op, int dim,
            boolean keepdim) {
        IndexedReduce fn = new IndexedReduce();
        Tensor.ValuesIndices r = switch (op) {
            case MAX -> x.data().max(dim, keepdim);
            case MIN -> x.data().min(dim, keepdim);
            case MEDIAN -> x.data().median(dim, keepdim);
        };
        fn.inputShape = x.shape();
        fn.dim = Shape.normalizeDim(dim, Math.max(x.rank(), 1), op.name().toLowerCase());
        fn.keepdim = keepdim;
        fn.indices = r.indices();
        return new Variable.ValuesIndices(fn.output(r.values(), x), r.indices());
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        if (inputShape.rank() == 0) {
            return new Tensor[] {grad};
        }
        Tensor g = keepdim ? grad : grad.unsqueeze(dim);
        Tensor idx = keepdim ? indices : indices.unsqueeze(dim);
        return new Tensor[] {g.backend().scatterAdd(inputShape, dim, idx, g)};
    }

    @Override
    protected void releaseSaved() {
        indices = null;
    }
}
