package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** {@code a + b} with broadcasting. */
public final class Add extends Function {

    private Shape shapeA;
    private Shape shapeB;

    private Add() {}

    public static Variable apply(Variable a, Variable b) {
        Add fn = new Add();
        fn.shapeA = a.shape();
        fn.shapeB = b.shape();
        return fn.output(a.data().add(b.data()), a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {
            needsGrad(0) ? Grads.sumToShape(grad, shapeA) : null,
            needsGrad(1) ? Grads.sumToShape(grad, shapeB) : null
        };
    }
}
