package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * A strided slice along one dim (narrow, slice with a step, or select of one index). The
 * gradient is written into the same slice of a zero tensor of the input's shape.
 */
public final class Slice extends Function {

    private Shape inputShape;
    private int dim;
    private int start;
    private int end;
    private int step;
    private boolean select;

    private Slice() {}

    public static Variable narrow(Variable x, int dim, int start, int length) {
        Tensor out = x.data().narrow(dim, start, length);
        return record(x, out, dim, start, start + length, 1, false);
    }

    public static Variable slice(Variable x, int dim, int start, int end, int step) {
        Tensor out = x.data().slice(dim, start, end, step);
        int d = Shape.normalizeDim(dim, x.rank(), "slice");
        int n = x.size(d);
        int s = start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
        int e = end < 0 ? Math.max(end + n, 0) : Math.min(end, n);
        return record(x, out, d, s, Math.max(e, s), step, false);
    }

    public static Variable select(Variable x, int dim, int index) {
        Tensor out = x.data().select(dim, index);
        int d = Shape.normalizeDim(dim, x.rank(), "select");
        int i = index < 0 ? index + x.size(d) : index;
        return record(x, out, d, i, i + 1, 1, true);
    }

    private static Variable record(Variable x, Tensor out, int dim, int start, int end, int step,
            boolean select) {
        Slice fn = new Slice();
        fn.inputShape = x.shape();
        fn.dim = Shape.normalizeDim(dim, x.rank(), "slice");
        fn.start = start;
        fn.end = end;
        fn.step = step;
        fn.select = select;
        return fn.output(out, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor full = Tensor.zeros(inputShape, grad.dtype(), grad.device());
        Tensor window = full.slice(dim, start, end, step);
        window.copyFromInPlace(select ? grad.unsqueeze(dim) : grad);
        return new Tensor[] {full};
    }
}
