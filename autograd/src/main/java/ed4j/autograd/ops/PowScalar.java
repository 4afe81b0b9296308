package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/** {@code x ^ p} for a constant exponent: {@code dx = g * p * x^(p-1)}. */
public final class PowScalar extends Function {

    private Tensor x;
    private double exponent;

    private PowScalar() {}

    public static Variable apply(Variable x, double exponent) {
        PowScalar fn = new PowScalar();
        fn.x = x.data();
        fn.exponent = exponent;
        Tensor out = exponent == 2.0 ? x.data().square() : x.data().pow(exponent);
        return fn.output(out, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        if (exponent == 0.0) {
            return new Tensor[] {grad.zerosLike()};
        }
        Tensor d = exponent == 2.0 ? x.mul(2.0) : x.pow(exponent - 1.0).mul(exponent);
        return new Tensor[] {grad.mul(d)};
    }

    @Override
    protected void releaseSaved() {
        x = null;
    }
}
