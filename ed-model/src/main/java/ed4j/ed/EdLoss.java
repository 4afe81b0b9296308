package ed4j.ed;

import ed4j.autograd.Variable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training objective of one level (ED-SPEC section 4). Shapes: B batch, H heads, L tokens.
 *
 * <pre>
 * KL(p, q)  = mean_heads( sum_j p (log(p + eps) - log(q + eps)) )       (B, L), eps = 1e-4
 * Ent(p)    = mean_heads( sum_j -p log(p + eps) )
 * P         = T / sum_j T                                               (prior, normalised)
 * c1        = mean KL(sg P, A) + mean KL(A, sg P)        (moves A toward the prior)
 * c2        = mean KL(P, sg A) + mean KL(sg A, P)        (moves the prior toward A)
 * ent       = mean Ent(A)                                each averaged over layers
 * rec       = MSE(out, in) + mean(1 - cos(out, in))
 * loss1     = rec + l1 intra2 - l1 inter2
 * loss2     = rec - l1 intra1 - l2 intraEnt + l1 inter1 + l2 interEnt
 * </pre>
 * {@code sg} is stop-gradient. A branch that is off contributes no terms.
 */
public final class EdLoss {

    static final double EPS = 1e-4;

    private EdLoss() {}

    /** Both losses and every term by name ({@code rec}, {@code intra1}, ...). */
    public record Terms(Variable loss1, Variable loss2, Map<String, Variable> parts) {

        /** The value of each term, for logging. */
        public Map<String, Double> values() {
            Map<String, Double> out = new LinkedHashMap<>();
            parts.forEach((k, v) -> out.put(k, v.item()));
            return out;
        }
    }

    public static Terms compute(EdModel.Output out, Variable tokens, EdConfig cfg,
            double lambda1, double lambda2) {
        Variable rec = reconstruction(out.reconstruction(), tokens);
        Map<String, Variable> parts = new LinkedHashMap<>();
        parts.put("rec", rec);
        Variable loss1 = rec;
        Variable loss2 = rec;
        if (cfg.withIntra()) {
            Variable[] t = correlationTerms(out.layers(), true);
            parts.put("intra1", t[0]);
            parts.put("intra2", t[1]);
            parts.put("intraEnt", t[2]);
            loss1 = loss1.add(t[1].mul(lambda1));
            loss2 = loss2.sub(t[0].mul(lambda1)).sub(t[2].mul(lambda2));
        }
        if (cfg.withInter()) {
            Variable[] t = correlationTerms(out.layers(), false);
            parts.put("inter1", t[0]);
            parts.put("inter2", t[1]);
            parts.put("interEnt", t[2]);
            loss1 = loss1.sub(t[1].mul(lambda1));
            loss2 = loss2.add(t[0].mul(lambda1)).add(t[2].mul(lambda2));
        }
        return new Terms(loss1, loss2, parts);
    }

    /** {@code MSE(out, in) + mean(1 - cos(out, in))}, cosine along channels. */
    public static Variable reconstruction(Variable out, Variable tokens) {
        Variable mse = out.sub(tokens).square().mean();
        return mse.add(cosine(out, tokens).rsub(1.0).mean());
    }

    /**
     * Cosine similarity along the last dim: {@code <a, b> / sqrt(max(|a|^2 |b|^2, eps^2))} with
     * eps 1e-8, as PyTorch's {@code cosine_similarity}.
     */
    public static Variable cosine(Variable a, Variable b) {
        Variable dot = a.mul(b).sum(-1, false);
        Variable norms = a.square().sum(-1, false).mul(b.square().sum(-1, false));
        return dot.div(norms.clampMin(1e-16).sqrt());
    }

    /**
     * {c1, c2, ent} averaged over layers, from the intra or the inter branch, through the fused
     * {@link PriorDivergence} op.
     */
    static Variable[] correlationTerms(List<EncoderLayer.Output> layers, boolean intra) {
        Variable c1 = null;
        Variable c2 = null;
        Variable ent = null;
        for (EncoderLayer.Output o : layers) {
            Variable a = intra ? o.intraCorr() : o.interCorr();
            DifferenceAwareAttention.Prior p = intra ? o.intraPrior() : o.interPrior();
            // (B, H, L, 5) -> mean over heads, batch and tokens -> (5)
            Variable terms = divergences(a, p).mean(new int[] {0, 1, 2}, false);
            Variable t1 = terms.narrow(0, 0, 2).sum();
            Variable te = terms.select(0, 2);
            Variable t2 = terms.narrow(0, 3, 2).sum();
            c1 = c1 == null ? t1 : c1.add(t1);
            c2 = c2 == null ? t2 : c2.add(t2);
            ent = ent == null ? te : ent.add(te);
        }
        double n = layers.size();
        return new Variable[] {c1.div(n), c2.div(n), ent.div(n)};
    }

    /** The fused divergence terms {@code (B, H, L, 5)} of one attention block. */
    public static Variable divergences(Variable attn, DifferenceAwareAttention.Prior p) {
        return PriorDivergence.apply(attn, p.rowCoefficient(), p.colCoefficient(), p.gridW(),
                EPS);
    }

    /**
     * {c1, c2, ent} of one branch written with the elementary ops, as the published code does:
     * the reference the fused op is tested against.
     */
    public static Variable[] correlationTermsComposite(List<EncoderLayer.Output> layers,
            boolean intra) {
        Variable c1 = null;
        Variable c2 = null;
        Variable ent = null;
        for (EncoderLayer.Output o : layers) {
            Variable a = intra ? o.intraCorr() : o.interCorr();
            Variable p = normalize((intra ? o.intraPrior() : o.interPrior()).full());
            Variable pd = p.detach();
            Variable ad = a.detach();
            Variable t1 = kl(pd, a).mean().add(kl(a, pd).mean());
            Variable t2 = kl(p, ad).mean().add(kl(ad, p).mean());
            Variable te = entropy(a).mean();
            c1 = c1 == null ? t1 : c1.add(t1);
            c2 = c2 == null ? t2 : c2.add(t2);
            ent = ent == null ? te : ent.add(te);
        }
        double n = layers.size();
        return new Variable[] {c1.div(n), c2.div(n), ent.div(n)};
    }

    /** The prior normalised over its last dim. */
    public static Variable normalize(Variable t) {
        return t.div(t.sum(-1, true));
    }

    /** {@code (B, H, L, S) x2 -> (B, L)}. */
    public static Variable kl(Variable p, Variable q) {
        Variable logRatio = p.add(EPS).log().sub(q.add(EPS).log());
        return p.mul(logRatio).sum(-1, false).mean(1, false);
    }

    /** {@code (B, H, L, S) -> (B, L)}. */
    public static Variable entropy(Variable p) {
        return p.mul(p.add(EPS).log()).sum(-1, false).mean(1, false).neg();
    }
}
