package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Dims reordered; the gradient is permuted by the inverse order. */
public final class Permute extends Function {

    private int[] inverse;

    private Permute() {}

    public static Variable apply(Variable x, int[] order) {
        Permute fn = new Permute();
        Tensor out = x.data().permute(order);
        fn.inverse = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            fn.inverse[Shape.normalizeDim(order[i], x.rank(), "permute")] = i;
        }
        return fn.output(out, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {grad.permute(inverse)};
    }
}
