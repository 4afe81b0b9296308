package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Size-1 dims repeated by a zero-stride view; the gradient sums over the repeats. */
public final class Expand extends Function {

    private Shape inputShape;

    private Expand() {}

    public static Variable apply(Variable x, int[] shape) {
        Expand fn = new Expand();
        fn.inputShape = x.shape();
        return fn.output(x.data().expand(shape), x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {Grads.sumToShape(grad, inputShape)};
    }
}
