package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/** {@code a / b} with broadcasting: {@code da = g / b}, {@code db = -g * a / b^2}. */
public final class Div extends Function {

    private Tensor a;
    private Tensor b;

    private Div() {}

    public static Variable apply(Variable a, Variable b) {
        Div fn = new Div();
        fn.a = a.data();
        fn.b = b.data();
        return fn.output(a.data().div(b.data()), a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor gradA = grad.div(b);
        return new Tensor[] {
            needsGrad(0) ? Grads.sumToShape(gradA, a.shape()) : null,
            needsGrad(1) ? Grads.sumToShape(gradA.mul(a).div(b).neg(), b.shape()) : null
        };
    }

    @Override
    protected void releaseSaved() {
        a = null;
        b = null;
    }
}
