package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Sum or mean over dims: the gradient is broadcast back over the reduced dims (/ n for mean). */
public final class Sum extends Function {

    private Shape inputShape;
    private int[] dims;
    private boolean keepdim;
    private double scale;

    private Sum() {}

    public static Variable apply(Variable x, int[] dims, boolean keepdim, boolean mean) {
        Sum fn = new Sum();
        fn.inputShape = x.shape();
        fn.dims = x.data().normalizeDims(dims, mean ? "mean" : "sum");
        fn.keepdim = keepdim;
        long n = 1;
        for (int d : fn.dims) {
            n *= x.size(d);
        }
        fn.scale = mean ? 1.0 / n : 1.0;
        Tensor out = mean ? x.data().mean(dims, keepdim) : x.data().sum(dims, keepdim);
        return fn.output(out, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor g = keepdim ? grad : unsqueezeAll(grad, dims);
        if (scale != 1.0) {
            g = g.mul(scale);
        }
        return new Tensor[] {g.expand(inputShape.toArray())};
    }

    /** Re-inserts the reduced dims (sorted ascending) as size 1. */
    static Tensor unsqueezeAll(Tensor t, int[] sortedDims) {
        Tensor r = t;
        for (int d : sortedDims) {
            r = r.unsqueeze(d);
        }
        return r;
    }
}
