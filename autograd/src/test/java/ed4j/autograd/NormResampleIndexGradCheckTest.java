package ed4j.autograd;

import ed4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradient checks of layer norm, bilinear resampling and the index ops. */
class NormResampleIndexGradCheckTest {

    private final Inputs in = new Inputs(53);

    @Test
    void layerNormWithAffine() {
        GradCheck.check("layerNorm(affine)",
                v -> v.get(0).layerNorm(new int[] {5}, v.get(1), v.get(2), 1e-5),
                in.randn(3, 5), in.randn(5), in.randn(5));
    }

    @Test
    void layerNormOverTwoDimsOfAStridedView() {
        GradCheck.check("layerNorm(2 dims)",
                v -> v.get(0).transpose(0, 2).layerNorm(new int[] {3, 2}, 1e-5),
                in.randn(2, 3, 4));
    }

    @Test
    void bilinearBothCornerModes() {
        GradCheck.check("bilinear(up, align)",
                v -> v.get(0).upsampleBilinear2d(7, 5, true), in.randn(1, 2, 3, 4));
        GradCheck.check("bilinear(up)",
                v -> v.get(0).upsampleBilinear2d(7, 9, false), in.randn(2, 1, 3, 4));
        GradCheck.check("bilinear(down)",
                v -> v.get(0).upsampleBilinear2d(2, 3, false), in.randn(1, 2, 5, 7));
    }

    @Test
    void indexSelectWithRepeats() {
        Tensor idx = Tensor.ofLongs(new long[] {2, 0, 2, 1}, 4);
        GradCheck.check("indexSelect", v -> v.get(0).indexSelect(1, idx), in.randn(2, 3, 2));
    }

    @Test
    void gatherWithRepeats() {
        Tensor idx = Tensor.ofLongs(new long[] {0, 2, 2, 1, 1, 0}, 2, 3);
        GradCheck.check("gather", v -> v.get(0).gather(1, idx), in.randn(2, 4));
        Tensor idx0 = Tensor.ofLongs(new long[] {1, 0, 1}, 1, 3);
        GradCheck.check("gather(dim 0)", v -> v.get(0).gather(0, idx0), in.randn(2, 3));
    }
}
