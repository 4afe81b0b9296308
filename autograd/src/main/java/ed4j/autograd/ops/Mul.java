package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/** {@code a * b} with broadcasting: {@code da = g * b}, {@code db = g * a}. */
public final class Mul extends Function {

    private Tensor a;
    private Tensor b;

    private Mul() {}

    public static Variable apply(Variable a, Variable b) {
        Mul fn = new Mul();
        fn.a = a.data();
        fn.b = b.data();
        return fn.output(a.data().mul(b.data()), a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {
            needsGrad(0) ? Grads.sumToShape(grad.mul(b), a.shape()) : null,
            needsGrad(1) ? Grads.sumToShape(grad.mul(a), b.shape()) : null
        };
    }

    @Override
    protected void releaseSaved() {
        a = null;
        b = null;
    }
}
