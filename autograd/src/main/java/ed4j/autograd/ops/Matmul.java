package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Grads;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * Matrix product {@code a (..., M, K) @ b (..., K, N)} with PyTorch's promotion of 1-d operands
 * and broadcast batch dims: {@code da = g @ b^T}, {@code db = a^T @ g}, each summed over the
 * batch dims its operand was broadcast along. The transposes are views; the GEMM reads them in
 * place.
 */
public final class Matmul extends Function {

    private Tensor a;
    private Tensor b;

    private Matmul() {}

    public static Variable apply(Variable a, Variable b) {
        Matmul fn = new Matmul();
        fn.a = a.data();
        fn.b = b.data();
        return fn.output(a.data().matmul(b.data()), a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor a2 = a.rank() == 1 ? a.unsqueeze(0) : a;
        Tensor b2 = b.rank() == 1 ? b.unsqueeze(1) : b;
        Tensor g = grad;
        if (a.rank() == 1) {
            g = g.unsqueeze(b.rank() == 1 ? 0 : -2);
        }
        if (b.rank() == 1) {
            g = g.unsqueeze(-1);
        }
        Tensor gradA = null;
        Tensor gradB = null;
        if (needsGrad(0)) {
            gradA = Grads.sumToShape(g.matmul(b2.mT()), a2.shape()).reshape(a.shape().toArray());
        }
        if (needsGrad(1)) {
            gradB = Grads.sumToShape(a2.mT().matmul(g), b2.shape()).reshape(b.shape().toArray());
        }
        return new Tensor[] {gradA, gradB};
    }

    @Override
    protected void releaseSaved() {
        a = null;
        b = null;
    }
}
