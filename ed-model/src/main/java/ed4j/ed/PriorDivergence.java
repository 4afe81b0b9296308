package ed4j.ed;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * The fused divergence terms between attention rows and their Gaussian priors (ED-SPEC section
 * 4), as one differentiable op over the backend's fused kernel.
 *
 * <p>Inputs: attention {@code A (B, H, L, S)} and the prior's per-row coefficients
 * {@code a = 1 / (2 s1^2)}, {@code b = 1 / (2 s2^2)} of shape {@code (B, H, L)}; the normalised
 * prior is {@code P = softmax_S(-(dy a + dx b))} (the published prior's normalising factor
 * {@code 1 / (2 pi s1 s2)} cancels in P). Output {@code (B, H, L, 5)}:
 * {@code [KL(P,A), KL(A,P), Ent(A)]} differentiable through A only and
 * {@code [KL(P,A), KL(A,P)]} through the prior only, which is exactly the stop-gradient pattern
 * of the losses {@code c1}, {@code ent} and {@code c2}.
 */
public final class PriorDivergence extends Function {

    private Tensor attn;
    private Tensor a;
    private Tensor b;
    private int gridW;
    private double eps;

    private PriorDivergence() {}

    /** The tokens lie on a grid {@code gridW} wide, in row-major order. */
    public static Variable apply(Variable attn, Variable a, Variable b, int gridW, double eps) {
        if (attn.rank() != 4 || a.rank() != 3 || !a.shape().equals(b.shape())
                || a.size(0) != attn.size(0) || a.size(1) != attn.size(1)
                || a.size(2) != attn.size(2) || attn.size(3) != attn.size(2) || gridW <= 0
                || attn.size(2) % gridW != 0) {
            throw new IllegalArgumentException(
                    "priorDivergence: expected attention (B, H, L, L) and coefficients (B, H, L)"
                            + " on a grid " + gridW + " wide, got " + attn.shape() + ", "
                            + a.shape() + ", " + b.shape());
        }
        PriorDivergence fn = new PriorDivergence();
        fn.attn = attn.data();
        fn.a = a.data();
        fn.b = b.data();
        fn.gridW = gridW;
        fn.eps = eps;
        Tensor out = fn.attn.backend().priorDivergence(fn.attn, fn.a, fn.b, gridW, eps);
        return fn.output(out, attn, a, b);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor[] g = grad.backend().priorDivergenceBackward(grad, attn, a, b, gridW, eps);
        return new Tensor[] {g[0], g[1], g[2]};
    }

    @Override
    protected void releaseSaved() {
        attn = null;
        a = null;
        b = null;
    }
}
