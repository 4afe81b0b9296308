package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * Maximum or minimum over dims. NOTE: tied extremes share the gradient evenly, as PyTorch's
 * {@code amax}/{@code amin} do.
 */
public final class ExtremeReduce extends Function {

    private Tensor x;
    private Tensor result;
    private int[] dims;
    private boolean keepdim;

    private ExtremeReduce() {}

    public static Variable apply(Variable x, int[] dims, boolean keepdim, boolean max) {
        ExtremeReduce fn = new ExtremeReduce();
        fn.x = x.data();
        fn.dims = x.data().normalizeDims(dims, max ? "amax" : "amin");
        fn.keepdim = keepdim;
        fn.result = max ? x.data().amax(dims, keepdim) : x.data().amin(dims, keepdim);
        return fn.output(fn.result, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor r = keepdim ? result : Sum.unsqueezeAll(result, dims);
        Tensor g = keepdim ? grad : Sum.unsqueezeAll(grad, dims);
        Tensor mask = x.eq(r);
        Tensor count = mask.sum(dims, true);
        return new Tensor[] {mask.mul(g.div(count))};
    }

    @Override
    protected void releaseSaved() {
        x = null;
        result = null;
    }
}
