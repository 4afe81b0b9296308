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
            gradA = Grads.sumToShape(product(g, b2.mT(), isTransposed(a2)), a2.shape())
                    .reshape(a.shape().toArray());
        }
        if (needsGrad(1)) {
            if (b2.rank() == 2 && a2.rank() > 2) {
                // b is shared by the whole batch (x @ W^T in a linear layer): sum over the batch
                // inside one product, (K, B*M) @ (B*M, N), instead of a batch of products and a
                // reduction.
                int k = a2.size(-1);
                int n = g.size(-1);
                gradB = product(a2.reshape(-1, k).mT(), g.reshape(-1, n), isTransposed(b2));
            } else {
                gradB = Grads.sumToShape(product(a2.mT(), g, isTransposed(b2)), b2.shape());
            }
            gradB = gradB.reshape(b.shape().toArray());
        }
        return new Tensor[] {gradA, gradB};
    }

    /** True when the last two dims are a transposed (column-major) view. */
    private static boolean isTransposed(Tensor t) {
        return t.rank() >= 2 && t.stride(-1) != 1 && t.stride(-2) == 1;
    }

    /**
     * {@code x @ y}, laid out as the transpose of a contiguous product when {@code transposed}:
     * then a gradient matches its operand's layout (the weight of a linear layer enters as a
     * transposed view), and accumulating it later reads memory in order.
     */
    private static Tensor product(Tensor x, Tensor y, boolean transposed) {
        return transposed ? y.mT().matmul(x.mT()).mT() : x.matmul(y);
    }

    @Override
    protected void releaseSaved() {
        a = null;
        b = null;
    }
}
