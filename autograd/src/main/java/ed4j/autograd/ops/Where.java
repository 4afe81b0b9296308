package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** {@code cond != 0 ? a : b} with broadcasting; the condition is not differentiable. */
public final class Where extends Function {

    private Tensor cond;
    private Shape shapeA;
    private Shape shapeB;

    private Where() {}

    public static Variable apply(Tensor cond, Variable a, Variable b) {
        Where fn = new Where();
        fn.cond = cond;
        fn.shapeA = a.shape();
        fn.shapeB = b.shape();
        return fn.output(Tensor.where(cond, a.data(), b.data()), a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor zero = grad.scalarLike(0.0);
        return new Tensor[] {
            needsGrad(0) ? Grads.sumToShape(Tensor.where(cond, grad, zero), shapeA) : null,
            needsGrad(1) ? Grads.sumToShape(Tensor.where(cond, zero, grad), shapeB) : null
        };
    }

    @Override
    protected void releaseSaved() {
        cond = null;
    }
}
