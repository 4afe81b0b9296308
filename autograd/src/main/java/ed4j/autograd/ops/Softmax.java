package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Softmax or log-softmax along a dim, differentiated through the saved output {@code y}:
 * softmax {@code dx = y * (g - sum(g * y))}; log-softmax {@code dx = g - exp(y) * sum(g)}.
 */
public final class Softmax extends Function {

    private Tensor y;
    private int dim;
    private boolean log;

    private Softmax() {}

    public static Variable apply(Variable x, int dim, boolean log) {
        Softmax fn = new Softmax();
        fn.dim = Shape.normalizeDim(dim, Math.max(x.rank(), 1), log ? "logSoftmax" : "softmax");
        fn.log = log;
        fn.y = log ? x.data().logSoftmax(dim) : x.data().softmax(dim);
        return fn.output(fn.y, x);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        if (y.rank() == 0) {
            return new Tensor[] {grad.zerosLike()};
        }
        if (log) {
            return new Tensor[] {grad.sub(y.exp().mul(grad.sum(dim, true)))};
        }
        return new Tensor[] {grad.backend().softmaxBackward(grad, y, dim, 1.0)};
    }

    @Override
    protected void releaseSaved() {
        y = null;
    }
}
