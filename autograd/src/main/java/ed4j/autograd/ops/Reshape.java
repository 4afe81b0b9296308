package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Any change of shape that keeps the elements in row-major order: view, reshape, flatten,
 * squeeze, unsqueeze and contiguous. The gradient is reshaped back.
 */
public final class Reshape extends Function {

    private Shape inputShape;

    private Reshape() {}

    /** {@code result} is the input's data already reshaped (the caller validated the shape). */
    public static Variable apply(Variable x, Tensor result) {
        Reshape fn = new Reshape();
        fn.inputShape = x.shape();
        return fn.output(result, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        return new Tensor[] {grad.reshape(inputShape.toArray())};
    }
}
