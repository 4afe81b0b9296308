package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * {@code a ^ b} with broadcasting: {@code da = g * b * a^(b-1)}, {@code db = g * a^b * ln a}.
 * NOTE: where {@code a == 0} the gradient of the exponent is taken as 0 (PyTorch's choice),
 * not the NaN that {@code 0 * ln 0} would give.
 */
public final class Pow extends Function {

    private Tensor a;
    private Tensor b;
    private Tensor result;

    private Pow() {}

    public static Variable apply(Variable a, Variable b) {
        Pow fn = new Pow();
        fn.a = a.data();
        fn.b = b.data();
        fn.result = a.data().pow(b.data());
        return fn.output(fn.result, a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor gradA = null;
        Tensor gradB = null;
        if (needsGrad(0)) {
            gradA = Grads.sumToShape(grad.mul(b).mul(a.pow(b.sub(1.0))), a.shape());
        }
        if (needsGrad(1)) {
            Tensor logA = Tensor.where(a.eq(0.0), a.zerosLike(), a.log());
            gradB = Grads.sumToShape(grad.mul(result).mul(logA), b.shape());
        }
        return new Tensor[] {gradA, gradB};
    }

    @Override
    protected void releaseSaved() {
        a = null;
        b = null;
        result = null;
    }
}
