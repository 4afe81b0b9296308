package ed4j.ed;

/**
 * The shape of one level's ED transformer. Defaults follow the paper's published configuration
 * (ED-SPEC section 1 and 3): 8 heads, 3 encoder layers, feed-forward width 4d, dropout 0, both
 * branches on, no output projection in the attention blocks.
 *
 * @param channels backbone channels C of the level's features
 * @param width model width d ({@code d % 4 == 0} and divisible by the heads)
 * @param gridH token grid height h
 * @param gridW token grid width w
 * @param heads attention heads H
 * @param layers encoder layers
 * @param ffnRatio feed-forward width as a multiple of d
 * @param withIntra self-attention branch (intra-image differences)
 * @param withInter cross-attention branch against the normal prototypes
 * @param outProjection apply the attention blocks' output projection (the published model
 *     computes and discards it; section 3)
 * @param relativePositionBias learned per-head bias per distinct (|dy|, |dx|) offset
 */
public record EdConfig(
        int channels, int width, int gridH, int gridW, int heads, int layers, int ffnRatio,
        boolean withIntra, boolean withInter, boolean outProjection,
        boolean relativePositionBias) {

    public EdConfig {
        if (channels <= 0 || gridH <= 0 || gridW <= 0 || layers <= 0 || ffnRatio <= 0) {
            throw new IllegalArgumentException(
                    "EdConfig: sizes must be positive: channels=" + channels + " grid=" + gridH
                            + "x" + gridW + " layers=" + layers + " ffnRatio=" + ffnRatio);
        }
        if (width <= 0 || width % 4 != 0 || heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException(
                    "EdConfig: width " + width + " must be a positive multiple of 4 and of the "
                            + heads + " heads");
        }
    }

    /** The published configuration of a level: 8 heads, 3 layers, FFN 4d, both branches. */
    public static EdConfig published(int channels, int width, int gridH, int gridW) {
        return new EdConfig(channels, width, gridH, gridW, 8, 3, 4, true, true, false, false);
    }

    /** Tokens per image: {@code h * w}. */
    public int tokens() {
        return gridH * gridW;
    }

    /** Head width e = d / H. */
    public int headWidth() {
        return width / heads;
    }

    /** Feed-forward width f. */
    public int ffnWidth() {
        return ffnRatio * width;
    }

    public EdConfig withBranches(boolean intra, boolean inter) {
        return new EdConfig(channels, width, gridH, gridW, heads, layers, ffnRatio, intra, inter,
                outProjection, relativePositionBias);
    }

    public EdConfig withOutProjection(boolean on) {
        return new EdConfig(channels, width, gridH, gridW, heads, layers, ffnRatio, withIntra,
                withInter, on, relativePositionBias);
    }

    public EdConfig withRelativePositionBias(boolean on) {
        return new EdConfig(channels, width, gridH, gridW, heads, layers, ffnRatio, withIntra,
                withInter, outProjection, on);
    }

    public EdConfig withShape(int heads, int layers, int ffnRatio) {
        return new EdConfig(channels, width, gridH, gridW, heads, layers, ffnRatio, withIntra,
                withInter, outProjection, relativePositionBias);
    }
}
