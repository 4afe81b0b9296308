package ed4j.ed;

import ed4j.autograd.GradCheck;
import ed4j.autograd.Variable;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fused prior-divergence op: its backward against float64 finite differences, and its
 * values and gradients against the composite of elementary ops that the published code uses.
 */
class PriorDivergenceGradCheckTest {

    private static final int B = 2;
    private static final int H = 3;
    private static final int GH = 2;
    private static final int GW = 3;
    private static final int L = GH * GW;

    private final Generator gen = new Generator(17);

    private Tensor randn(int... shape) {
        return Tensor.randn(gen, Shape.of(shape), DType.FLOAT64);
    }

    /** Widths in the range the model produces: 3^(sigmoid + 1e-5) - 1, in (0, 2). */
    private static Variable widths(Variable raw) {
        return raw.sigmoid().add(1e-5).rpow(3.0).sub(1.0);
    }

    private DifferenceAwareAttention.Prior prior(Variable raw1, Variable raw2) {
        return new DifferenceAwareAttention.Prior(widths(raw1), widths(raw2), GH, GW);
    }

    /** Keeps the channels {@code from .. to-1} of the last dim of the (B, H, L, 5) output. */
    private static Variable channels(Variable out, int from, int to) {
        double[] m = new double[5];
        for (int i = from; i < to; i++) {
            m[i] = 1;
        }
        return out.mul(Variable.constant(Tensor.of(m, 5)));
    }

    /**
     * The op stops gradients on purpose (channels 0-2 reach the attention only, 3-4 the prior
     * only), so each side is checked against finite differences with the other side held fixed.
     */
    @Test
    void fusedBackwardMatchesFiniteDifferences() {
        Tensor r1 = randn(B, H, L);
        Tensor r2 = randn(B, H, L);
        GradCheck.check("priorDivergence (attention side)", v -> channels(EdLoss.divergences(
                v.get(0).softmax(-1), prior(Variable.constant(r1), Variable.constant(r2))), 0, 3),
                randn(B, H, L, L));
        Tensor attn = randn(B, H, L, L).softmax(-1);
        GradCheck.check("priorDivergence (prior side)", v -> channels(EdLoss.divergences(
                Variable.constant(attn), prior(v.get(0), v.get(1))), 3, 5), r1, r2);
    }

    @Test
    void fusedTermsEqualTheComposite() {
        Tensor logits = randn(B, H, L, L);
        Tensor r1 = randn(B, H, L);
        Tensor r2 = randn(B, H, L);
        Variable[] fused = terms(logits, r1, r2, true);
        Variable[] composite = terms(logits, r1, r2, false);
        for (int i = 0; i < 3; i++) {
            TensorCompare.assertClose("term " + i, fused[i].data(), composite[i].data(), 1e-12,
                    1e-10);
        }
        // Gradients of a weighted sum, as the losses combine the terms.
        Tensor[] gf = gradients(logits, r1, r2, true);
        Tensor[] gc = gradients(logits, r1, r2, false);
        for (int i = 0; i < 3; i++) {
            TensorCompare.assertClose("gradient of input " + i, gf[i], gc[i], 1e-10, 1e-8);
        }
    }

    private Variable[] terms(Tensor logits, Tensor r1, Tensor r2, boolean fused) {
        return terms(Variable.parameter(logits), Variable.parameter(r1), Variable.parameter(r2),
                fused);
    }

    private Variable[] terms(Variable logits, Variable r1, Variable r2, boolean fused) {
        EncoderLayer.Output o = new EncoderLayer.Output(null, logits.softmax(-1),
                prior(r1, r2), null, null);
        return fused ? EdLoss.correlationTerms(List.of(o, o), true)
                : EdLoss.correlationTermsComposite(List.of(o, o), true);
    }

    private Tensor[] gradients(Tensor logits, Tensor r1, Tensor r2, boolean fused) {
        Variable l = Variable.parameter(logits);
        Variable a = Variable.parameter(r1);
        Variable b = Variable.parameter(r2);
        Variable[] t = terms(l, a, b, fused);
        t[0].mul(0.7).add(t[1].mul(-1.3)).add(t[2].mul(0.4)).backward();
        return new Tensor[] {l.grad(), a.grad(), b.grad()};
    }
}
