package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.Module;
import ed4j.nn.layers.LayerNorm;
import ed4j.tensor.Generator;

/**
 * One encoder layer (ED-SPEC section 3):
 * <pre>
 * a = x + SelfAttention(x, x)     -> A_s, T_s
 * r = x + CrossAttention(x, ref)  -> A_c, T_c
 * z = norm1(Fusion(a, r))
 * out = norm2(z + FeedForward(z))
 * </pre>
 * With one branch off, {@code z = norm1(x + branch)}; with both off, the self-attention runs
 * without priors.
 */
public final class EncoderLayer extends Module {

    /** A layer's output and its correlations and priors (absent for a branch that is off). */
    public record Output(Variable out, Variable intraCorr,
            DifferenceAwareAttention.Prior intraPrior, Variable interCorr,
            DifferenceAwareAttention.Prior interPrior) {}

    private final DifferenceAwareAttention selfAttention;
    private final DifferenceAwareAttention crossAttention;
    private final FeedForward ffn;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final D2Fusion fusion;
    private final EdConfig cfg;

    public EncoderLayer(EdConfig cfg, Generator g) {
        this.cfg = cfg;
        selfAttention = registerModule("self_attention", new DifferenceAwareAttention(cfg, g));
        crossAttention = registerModule("cross_attention", new DifferenceAwareAttention(cfg, g));
        ffn = registerModule("ffn", new FeedForward(cfg, g));
        norm1 = registerModule("norm1", new LayerNorm(cfg.width()));
        norm2 = registerModule("norm2", new LayerNorm(cfg.width()));
        fusion = registerModule("fusion", new D2Fusion(cfg, g));
    }

    /** {@code x (B, L, d)}; {@code ref (1, S, d)} or null when the inter branch is off. */
    public Output forward(Variable x, Variable ref) {
        Variable z;
        DifferenceAwareAttention.Output s = null;
        DifferenceAwareAttention.Output c = null;
        if (cfg.withIntra() && cfg.withInter()) {
            s = selfAttention.forward(x, x, true);
            c = crossAttention.forward(x, ref, true);
            z = fusion.forward(x.add(s.out()), x.add(c.out()));
        } else if (cfg.withInter()) {
            c = crossAttention.forward(x, ref, true);
            z = x.add(c.out());
        } else {
            s = selfAttention.forward(x, x, cfg.withIntra());
            z = x.add(s.out());
        }
        z = norm1.forward(z);
        Variable out = norm2.forward(z.add(ffn.forward(z)));
        return new Output(out,
                s == null ? null : s.correlation(), s == null ? null : s.prior(),
                c == null ? null : c.correlation(), c == null ? null : c.prior());
    }
}
