package ed4j.ed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.autograd.GradCheck;
import ed4j.autograd.Variable;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Difference-Aware Attention through all its parameters in float64, with and without the
 * optional relative position bias and output projection; and the bias's offset table.
 */
class AttentionGradCheckTest {

    private final Generator gen = new Generator(8);

    private void check(EdConfig cfg) {
        DifferenceAwareAttention att = new DifferenceAwareAttention(cfg, gen);
        att.to(DType.FLOAT64);
        List<Variable> leaves = new ArrayList<>();
        Variable q = Variable.parameter(Tensor.randn(gen, Shape.of(2, cfg.tokens(), cfg.width()),
                DType.FLOAT64));
        Variable kv = Variable.parameter(Tensor.randn(gen, Shape.of(1, cfg.tokens(),
                cfg.width()), DType.FLOAT64));
        leaves.add(q);
        leaves.add(kv);
        for (Variable p : att.namedParameters().values()) {
            p.setData(p.data().add(Tensor.randn(gen, p.shape(), DType.FLOAT64).mul(0.1))
                    .contiguous());
            leaves.add(p);
        }
        GradCheck.checkLeaves("attention " + cfg, () -> {
            DifferenceAwareAttention.Output o = att.forward(q, kv, true);
            // Output, correlation and prior widths in one vector.
            return Variable.cat(List.of(o.out().flatten(0, 2), o.correlation().flatten(0, 3),
                    o.prior().s1().flatten(0, 2), o.prior().s2().flatten(0, 2)), 0);
        }, GradCheck.Options.defaults(), leaves);
    }

    @Test
    void publishedAttention() {
        check(new EdConfig(4, 8, 2, 3, 2, 1, 2, true, true, false, false));
    }

    @Test
    void withRelativePositionBiasAndOutputProjection() {
        check(new EdConfig(4, 8, 2, 3, 2, 1, 2, true, true, true, true));
    }

    @Test
    void relativeBiasHasOneEntryPerHeadAndDistinctOffset() {
        EdConfig cfg = new EdConfig(4, 8, 2, 3, 2, 1, 2, true, true, false, true);
        DifferenceAwareAttention att = new DifferenceAwareAttention(cfg, gen);
        Tensor biases = att.stateDict().get("attention_biases");
        Tensor idx = att.stateDict().get("attention_bias_idxs");
        // |dy| in {0, 1}, |dx| in {0, 1, 2}: 6 offsets.
        assertEquals(Shape.of(2, 6), biases.shape());
        assertEquals(Shape.of(6, 6), idx.shape());
        long[] v = idx.toLongArray();
        assertEquals(0, v[0]);
        // Tokens 0 (row 0, col 0) and 5 (row 1, col 2) are offset (1, 2), the same as 2 and 3.
        assertEquals(v[5], v[2 * 6 + 3]);
        assertTrue(java.util.Arrays.stream(v).max().getAsLong() == 5);
        // Without the option the published keys only.
        assertTrue(new DifferenceAwareAttention(cfg.withRelativePositionBias(false), gen)
                .stateDict().keySet().stream().noneMatch(k -> k.startsWith("attention_bias")));
    }
}
