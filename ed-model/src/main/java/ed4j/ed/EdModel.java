package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.Module;
import ed4j.nn.layers.LayerNorm;
import ed4j.nn.layers.Linear;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The ED transformer of one feature level (ED-SPEC section 3), with the published state-dict
 * keys: {@code embedding}, {@code ref_embedding} (with the inter branch), {@code encoder.
 * encode_layers.N}, {@code encoder.norm}, {@code projection}.
 *
 * <p>Input: pooled backbone tokens {@code (B, L, C)} and the level's normal prototypes
 * {@code (C, L)}, shared by every item of a batch of any size. Output: the reconstruction
 * {@code (B, L, C)} and, per layer, the correlations and priors {@code (B, H, L, L)}.
 */
public final class EdModel extends Module {

    /** The reconstruction and each layer's correlations and priors. */
    public record Output(Variable reconstruction, List<EncoderLayer.Output> layers) {}

    private final EdConfig cfg;
    private final Embedding2D embedding;
    private final Embedding2D refEmbedding;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final LayerNorm norm;
    private final Linear projection;

    public EdModel(EdConfig cfg, Generator g) {
        this.cfg = cfg;
        embedding = registerModule("embedding",
                new Embedding2D(cfg.channels(), cfg.width(), cfg.gridH(), cfg.gridW(), g));
        refEmbedding = cfg.withInter()
                ? registerModule("ref_embedding",
                        new Embedding2D(cfg.channels(), cfg.width(), cfg.gridH(), cfg.gridW(), g))
                : null;
        Encoder encoder = registerModule("encoder", new Encoder());
        for (int i = 0; i < cfg.layers(); i++) {
            layers.add(encoder.addLayer(new EncoderLayer(cfg, g)));
        }
        norm = encoder.setNorm(new LayerNorm(cfg.width()));
        projection = registerModule("projection", new Linear(cfg.width(), cfg.channels(), g));
    }

    /** Holds {@code encode_layers.N} and {@code norm} under {@code encoder}. */
    private static final class Encoder extends Module {
        private final Layers list = registerModule("encode_layers", new Layers());

        EncoderLayer addLayer(EncoderLayer l) {
            return list.add(l);
        }

        LayerNorm setNorm(LayerNorm n) {
            return registerModule("norm", n);
        }
    }

    /** A list of modules named 0, 1, 2, ... (PyTorch's ModuleList). */
    private static final class Layers extends Module {
        private int count;

        EncoderLayer add(EncoderLayer l) {
            return registerModule(Integer.toString(count++), l);
        }
    }

    public EdConfig config() {
        return cfg;
    }

    /**
     * Reconstructs {@code tokens (B, L, C)} against {@code reference (C, L)} (ignored when the
     * inter branch is off; may then be null).
     */
    public Output forward(Variable tokens, Tensor reference) {
        if (tokens.rank() != 3 || tokens.size(1) != cfg.tokens()
                || tokens.size(2) != cfg.channels()) {
            throw new IllegalArgumentException(
                    "ED level: expected tokens (B, " + cfg.tokens() + ", " + cfg.channels()
                            + "), got " + tokens.shape());
        }
        Variable x = embedding.forward(tokens);
        Variable ref = null;
        if (refEmbedding != null) {
            if (reference == null || reference.rank() != 2 || reference.size(0) != cfg.channels()
                    || reference.size(1) != cfg.tokens()) {
                throw new IllegalArgumentException(
                        "ED level: expected reference features (" + cfg.channels() + ", "
                                + cfg.tokens() + "), got "
                                + (reference == null ? "none" : reference.shape().toString()));
            }
            Tensor r = reference.to(tokens.dtype()).to(tokens.device()).mT().unsqueeze(0);
            ref = refEmbedding.forward(Variable.constant(r));
        }
        List<EncoderLayer.Output> outs = new ArrayList<>();
        for (EncoderLayer layer : layers) {
            EncoderLayer.Output o = layer.forward(x, ref);
            outs.add(o);
            x = o.out();
        }
        return new Output(projection.forward(norm.forward(x)), outs);
    }
}
