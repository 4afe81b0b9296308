package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.Module;
import ed4j.nn.layers.Linear;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Difference-Aware Attention (ED-SPEC section 3). Shapes: B batch, L query tokens, S key tokens,
 * d width, H heads, e = d/H.
 *
 * <p>Given {@code q (B, L, d)} and {@code kv (B or 1, S, d)} (reference tokens are shared by a
 * batch as a batch of one), returns the attention output {@code (B, L, d)}, the learned
 * correlation {@code A = softmax_S(scale * Q K^T)} of shape {@code (B, H, L, S)} and the Gaussian
 * distance prior {@code T} of the same shape.
 *
 * <p>NOTE: by default the output has no output projection: the published model computes
 * {@code out_projection} and discards the result. The parameter exists, loads from checkpoints
 * and receives no gradient; {@link EdConfig#outProjection()} applies it.
 */
public final class DifferenceAwareAttention extends Module {

    /** The block's three results; the correlation and prior are absent without priors. */
    public record Output(Variable out, Variable correlation, Prior prior) {}

    /**
     * The Gaussian distance prior of every head and query token, kept as its per-row widths:
     * {@code s1} pairs with squared row distances, {@code s2} with squared column distances
     * (shapes {@code (B, H, L)}; the tokens lie on a {@code gridH x gridW} grid). The full
     * {@code (B, H, L, L)} tensor is formed only on request.
     */
    public record Prior(Variable s1, Variable s2, int gridH, int gridW) {

        /** {@code a = 1 / (2 s1^2)}, the coefficient of the row distances. */
        public Variable rowCoefficient() {
            return s1.square().mul(2.0).pow(-1.0);
        }

        /** {@code b = 1 / (2 s2^2)}, the coefficient of the column distances. */
        public Variable colCoefficient() {
            return s2.square().mul(2.0).pow(-1.0);
        }

        /**
         * The prior {@code T = exp(-dy / (2 s1^2) - dx / (2 s2^2)) / (2 pi s1 s2)} as the
         * published model forms it, {@code (B, H, L, S)}.
         */
        public Variable full() {
            Tensor[] d = distances(gridH, gridW);
            Tensor dy = d[0];
            Tensor dx = d[1];
            Variable a1 = s1.unsqueeze(3);
            Variable a2 = s2.unsqueeze(3);
            Variable rowTerm = Variable.constant(dy.to(s1.dtype()).to(s1.device()))
                    .div(a1.square().mul(2.0));
            Variable colTerm = Variable.constant(dx.to(s1.dtype()).to(s1.device()))
                    .div(a2.square().mul(2.0));
            Variable norm = a1.mul(a2).mul(2 * Math.PI);
            return rowTerm.add(colTerm).neg().exp().div(norm);
        }
    }

    private final Linear query;
    private final Linear key;
    private final Linear value;
    private final Linear sigma;
    private final Linear outProj;
    private final Variable scale;
    private final Variable biases;
    private final EdConfig cfg;

    public DifferenceAwareAttention(EdConfig cfg, Generator g) {
        this.cfg = cfg;
        int d = cfg.width();
        query = registerModule("query_projection", new Linear(d, d, g));
        key = registerModule("key_projection", new Linear(d, d, g));
        value = registerModule("value_projection", new Linear(d, d, g));
        sigma = registerModule("sigma_projection", new Linear(d, 2 * cfg.heads(), g));
        outProj = registerModule("out_projection", new Linear(d, d, g));
        scale = registerParameter("scale_factor",
                Tensor.scalar(1.0 / Math.sqrt(cfg.headWidth()), DType.FLOAT32));
        if (cfg.relativePositionBias()) {
            Map<Long, Integer> offsets = new LinkedHashMap<>();
            int l = cfg.tokens();
            long[] idx = new long[l * l];
            for (int i = 0; i < l; i++) {
                for (int j = 0; j < l; j++) {
                    long ady = Math.abs(i / cfg.gridW() - j / cfg.gridW());
                    long adx = Math.abs(i % cfg.gridW() - j % cfg.gridW());
                    idx[i * l + j] = offsets.computeIfAbsent(ady << 32 | adx, k -> offsets.size());
                }
            }
            biases = registerParameter("attention_biases",
                    Tensor.zeros(Shape.of(cfg.heads(), offsets.size()), DType.FLOAT32));
            registerBuffer("attention_bias_idxs", Tensor.ofLongs(idx, l, l));
        } else {
            biases = null;
        }
    }

    /** Squared row and column distances between the tokens of the grid, {@code (L, L)} each. */
    static Tensor[] distances(int h, int w) {
        int l = h * w;
        float[] y = new float[l * l];
        float[] x = new float[l * l];
        for (int i = 0; i < l; i++) {
            for (int j = 0; j < l; j++) {
                int r = i / w - j / w;
                int c = i % w - j % w;
                y[i * l + j] = r * r;
                x[i * l + j] = c * c;
            }
        }
        return new Tensor[] {Tensor.of(y, l, l), Tensor.of(x, l, l)};
    }

    /**
     * Attends from {@code q (B, L, d)} to {@code kv (B or 1, S, d)}; with {@code withPrior} also
     * returns the correlation and the Gaussian prior.
     */
    public Output forward(Variable q, Variable kv, boolean withPrior) {
        int b = q.size(0);
        int l = q.size(1);
        int d = cfg.width();
        int h = cfg.heads();
        if (q.rank() != 3 || q.size(2) != d || kv.rank() != 3 || kv.size(2) != d) {
            throw new IllegalArgumentException(
                    "attention: expected query (B, L, " + d + ") and keys (B, S, " + d
                            + "), got " + q.shape() + " and " + kv.shape());
        }
        Variable qh = heads(query.forward(q));
        Variable kh = heads(key.forward(kv));
        Variable vh = heads(value.forward(kv));
        // scores (B, H, L, S); a batch-1 kv broadcasts over B in the matmul.
        Variable scores = qh.matmul(kh.mT());
        Variable attn;
        if (biases != null) {
            Tensor idx = buffer("attention_bias_idxs").flatten();
            Variable bias = biases.indexSelect(1, idx).reshape(h, l, kv.size(1));
            attn = scores.mul(scale).add(bias).softmax(-1);
        } else {
            attn = scores.scaledSoftmax(scale, -1);
        }
        Variable out = attn.matmul(vh).permute(0, 2, 1, 3).reshape(b, l, d);
        if (cfg.outProjection()) {
            out = outProj.forward(out);
        }
        if (!withPrior) {
            return new Output(out, null, null);
        }
        return new Output(out, attn, prior(q));
    }

    /** {@code (B, L, d) -> (B, H, L, e)}. */
    private Variable heads(Variable x) {
        return x.reshape(x.size(0), x.size(1), cfg.heads(), cfg.headWidth()).permute(0, 2, 1, 3);
    }

    /**
     * The widths of the Gaussian distance prior, {@code (B, H, L)} each:
     * {@code s = 3^(sigmoid(5 sigma(q)) + 1e-5) - 1} per head and query token.
     */
    private Prior prior(Variable q) {
        int b = q.size(0);
        int l = q.size(1);
        // sigma_projection output channel 2h + j is head h, component j.
        Variable s = sigma.forward(q).reshape(b, l, cfg.heads(), 2).permute(0, 2, 1, 3);
        s = s.mul(5.0).sigmoid().add(1e-5).rpow(3.0).sub(1.0);
        return new Prior(s.select(3, 0), s.select(3, 1), cfg.gridH(), cfg.gridW());
    }
}
