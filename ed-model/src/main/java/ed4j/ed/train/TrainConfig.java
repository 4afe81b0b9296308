package ed4j.ed.train;

import ed4j.ed.EdConfig;
import ed4j.ed.TrainStep;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hyper-parameters of an ED training run. Defaults are the paper's (ED-SPEC section 4): 100
 * epochs, batch size 1, Adam lr 1e-4, lambda1 = lambda2 = 0.5, seed 3407, widths 256 and 512,
 * 8 heads, 3 layers, the published two-step loop.
 *
 * @param widths model width d of each level
 */
public record TrainConfig(
        int epochs, int batchSize, double lr, double lambda1, double lambda2, long seed,
        TrainStep.Mode stepMode, int[] widths, int heads, int layers, int ffnRatio,
        boolean withIntra, boolean withInter, boolean outProjection) {

    public TrainConfig {
        if (epochs < 0 || batchSize < 1 || !(lr > 0) || widths.length == 0 || heads < 1
                || layers < 1 || ffnRatio < 1) {
            throw new IllegalArgumentException(
                    "invalid training configuration: epochs=" + epochs + " batch=" + batchSize
                            + " lr=" + lr + " widths=" + Arrays.toString(widths) + " heads="
                            + heads + " layers=" + layers + " ffn=" + ffnRatio);
        }
        if (!Double.isFinite(lambda1) || !Double.isFinite(lambda2)) {
            throw new IllegalArgumentException("lambda1 and lambda2 must be finite numbers");
        }
        widths = widths.clone();
    }

    /** The paper's configuration. */
    public static TrainConfig published() {
        return new TrainConfig(100, 1, 1e-4, 0.5, 0.5, 3407, TrainStep.Mode.PUBLISHED,
                new int[] {256, 512}, 8, 3, 4, true, true, false);
    }

    @Override
    public int[] widths() {
        return widths.clone();
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(e, batchSize, lr, lambda1, lambda2, seed, stepMode, widths, heads,
                layers, ffnRatio, withIntra, withInter, outProjection);
    }

    public TrainConfig withWidths(int... w) {
        return new TrainConfig(epochs, batchSize, lr, lambda1, lambda2, seed, stepMode, w, heads,
                layers, ffnRatio, withIntra, withInter, outProjection);
    }

    /** The model of level {@code i} for features of {@code channels} on an {@code h x w} grid. */
    public EdConfig level(int i, int channels, int grid) {
        return new EdConfig(channels, widths[i], grid, grid, heads, layers, ffnRatio, withIntra,
                withInter, outProjection, false);
    }

    /** The settings as checkpoint metadata. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("epochs", Integer.toString(epochs));
        m.put("batch_size", Integer.toString(batchSize));
        m.put("lr", Double.toString(lr));
        m.put("lambda1", Double.toString(lambda1));
        m.put("lambda2", Double.toString(lambda2));
        m.put("seed", Long.toString(seed));
        m.put("step_mode", stepMode.name().toLowerCase(java.util.Locale.ROOT));
        m.put("widths", Arrays.toString(widths));
        m.put("heads", Integer.toString(heads));
        m.put("layers", Integer.toString(layers));
        m.put("ffn_ratio", Integer.toString(ffnRatio));
        m.put("with_intra", Boolean.toString(withIntra));
        m.put("with_inter", Boolean.toString(withInter));
        m.put("out_projection", Boolean.toString(outProjection));
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig t && toMetadata().equals(t.toMetadata());
    }

    @Override
    public int hashCode() {
        return toMetadata().hashCode();
    }

    @Override
    public String toString() {
        return "TrainConfig" + toMetadata();
    }
}
