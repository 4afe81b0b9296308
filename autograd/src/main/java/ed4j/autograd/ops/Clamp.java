package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * {@code min(max(x, lo), hi)}. NOTE: the gradient passes where {@code lo <= x <= hi}, bounds
 * included, as in PyTorch.
 */
public final class Clamp extends Function {

    private Tensor x;
    private double min;
    private double max;

    private Clamp() {}

    public static Variable apply(Variable x, double min, double max) {
        Clamp fn = new Clamp();
        fn.x = x.data();
        fn.min = min;
        fn.max = max;
        return fn.output(x.data().clamp(min, max), x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor mask = x.ge(min).mul(x.le(max));
        return new Tensor[] {grad.mul(mask)};
    }

    @Override
    protected void releaseSaved() {
        x = null;
    }
}
