package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Float32 depthwise convolution on channels-last operands: tensors of shape {@code (N, C, H, W)}
 * whose channels are adjacent in memory ({@code (N, H, W, C)} storage), as a token sequence
 * {@code (N, L, C)} becomes when it is transposed and viewed as a grid. {@link DepthwiseConv}
 * would gather each plane with a stride of C floats, one cache line per value; here every loop
 * runs over the contiguous channels of one position, and the results are channels-last too.
 *
 * <p>Each output sums its taps in {@code (ky, kx)} order after the bias, in float32; the weight
 * gradient sums positions in order per channel. Rows (or channel blocks) are split over threads
 * and no sum depends on the split.
 */
final class DepthwiseChannelsLast {

    private DepthwiseChannelsLast() {}

    /** Channels per task of the weight gradient: 64 floats, one cache line pair per position. */
    private static final int CHANNEL_BLOCK = 64;

    /** Whether {@code t}, of shape (N, C, H, W), is float32 with (N, H, W, C) storage. */
    static boolean applies(Tensor t) {
        int c = t.size(1);
        int h = t.size(2);
        int w = t.size(3);
        return t.dtype() == DType.FLOAT32 && t.stride(1) == 1 && (w == 1 || t.stride(3) == c)
                && (h == 1 || t.stride(2) == w * c) && (t.size(0) == 1 || t.stride(0) == h * w * c);
    }

    /** A new tensor of shape (N, C, H, W) with (N, H, W, C) storage. */
    static Tensor allocate(CpuBackend be, int n, int c, int h, int w) {
        return be.empty(Shape.of(n, h, w, c), DType.FLOAT32).permute(0, 3, 1, 2);
    }

    /** The weight (C, 1, kH, kW) as taps-major {@code (kH kW, C)} floats. */
    private static float[] tapsMajor(Tensor w, int c, int kk) {
        float[] src = w.contiguous().to(DType.FLOAT32).toFloatArray();
        float[] t = new float[kk * c];
        for (int ch = 0; ch < c; ch++) {
            for (int k = 0; k < kk; k++) {
                t[k * c + ch] = src[ch * kk + k];
            }
        }
        return t;
    }

    /** {@code conv2d(x, w) + bias} (bias may be null) for a channels-last x; channels-last out. */
    static Tensor forward(CpuBackend be, ConvGeometry g, Tensor x, Tensor w, Tensor bias) {
        int c = g.cin();
        Tensor out = allocate(be, g.n(), c, g.oh(), g.ow());
        float[] init = bias == null ? new float[c] : bias.to(DType.FLOAT32).toFloatArray();
        // Output (oy, ox) reads input (oy sh - ph + ky dh, ox sw - pw + kx dw).
        gather(be, g, g.oh(), g.ow(), init, tapsMajor(w, c, g.kh() * g.kw()), x,
                g.h() * g.w() * c, ((CpuStorage) out.storage()).floats(), (oy, ox, ky, kx) -> {
                    int iy = oy * g.sh() - g.ph() + ky * g.dh();
                    int ix = ox * g.sw() - g.pw() + kx * g.dw();
                    return iy < 0 || iy >= g.h() || ix < 0 || ix >= g.w() ? -1 : iy * g.w() + ix;
                });
        return out;
    }

    /** The input gradient, channels-last, from a channels-last gradOut. */
    static Tensor backwardInput(CpuBackend be, ConvGeometry g, Tensor gradOut, Tensor w) {
        int c = g.cin();
        Tensor gx = allocate(be, g.n(), c, g.h(), g.w());
        // Input (iy, ix) receives from the outputs that read it: oy = (iy + ph - ky dh) / sh.
        gather(be, g, g.h(), g.w(), new float[c], tapsMajor(w, c, g.kh() * g.kw()), gradOut,
                g.oh() * g.ow() * c, ((CpuStorage) gx.storage()).floats(), (iy, ix, ky, kx) -> {
                    int ty = iy + g.ph() - ky * g.dh();
                    int tx = ix + g.pw() - kx * g.dw();
                    if (ty < 0 || tx < 0 || ty % g.sh() != 0 || tx % g.sw() != 0) {
                        return -1;
                    }
                    int oy = ty / g.sh();
                    int ox = tx / g.sw();
                    return oy >= g.oh() || ox >= g.ow() ? -1 : oy * g.ow() + ox;
                });
        return gx;
    }

    /** Where tap {@code (ky, kx)} of destination {@code (y, x)} reads its source grid. */
    private interface Taps {
        /** The source position {@code row * width + col}, or -1 where the tap reads padding. */
        int source(int y, int x, int ky, int kx);
    }

    /**
     * Fills the channels-last {@code (N, rows, cols, C)} array {@code dst}: each position starts
     * from {@code init} and adds, tap by tap in {@code (ky, kx)} order, the tap's weights times
     * the channels of the source position that {@code taps} names. Rows of positions run in
     * parallel; {@code src} is channels-last with {@code srcImage} floats per image.
     */
    private static void gather(CpuBackend be, ConvGeometry g, int rows, int cols, float[] init,
            float[] wt, Tensor src, int srcImage, float[] dst, Taps taps) {
        int c = init.length;
        float[] in = ((CpuStorage) src.storage()).floats();
        int so = src.offset();
        be.parallel().forRange(g.n() * rows, Math.max(1, 8192 / (cols * c)), (s, e) -> {
            for (int row = s; row < e; row++) {
                int img = row / rows;
                int y = row % rows;
                for (int x = 0; x < cols; x++) {
                    int d = (row * cols + x) * c;
                    System.arraycopy(init, 0, dst, d, c);
                    for (int ky = 0; ky < g.kh(); ky++) {
                        for (int kx = 0; kx < g.kw(); kx++) {
                            int at = taps.source(y, x, ky, kx);
                            if (at >= 0) {
                                FloatMath.INSTANCE.multiplyAdd(wt, (ky * g.kw() + kx) * c, in,
                                        so + img * srcImage + at * c, dst, d, c);
                            }
                        }
                    }
                }
            }
        });
    }

    /** The weight gradient (C, 1, kH, kW), contiguous, from channels-last gradOut and x. */
    static void backwardWeight(CpuBackend be, ConvGeometry g, Tensor gradOut, Tensor x,
            Tensor gradWeight) {
        int c = g.cin();
        int kk = g.kh() * g.kw();
        float[] gy = ((CpuStorage) gradOut.storage()).floats();
        float[] in = ((CpuStorage) x.storage()).floats();
        int go = gradOut.offset();
        int xo = x.offset();
        int gs0 = g.oh() * g.ow() * c;
        int xs0 = g.h() * g.w() * c;
        float[] gw = ((CpuStorage) gradWeight.storage()).floats();
        int gwo = gradWeight.offset();
        int blocks = (c + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK;
        be.parallel().forRange(blocks, 1, (s, e) -> {
            float[] acc = new float[kk * CHANNEL_BLOCK];
            for (int blk = s; blk < e; blk++) {
                int c0 = blk * CHANNEL_BLOCK;
                int cb = Math.min(CHANNEL_BLOCK, c - c0);
                java.util.Arrays.fill(acc, 0f);
                for (int img = 0; img < g.n(); img++) {
                    for (int oy = 0; oy < g.oh(); oy++) {
                        for (int ox = 0; ox < g.ow(); ox++) {
                            int src = go + img * gs0 + (oy * g.ow() + ox) * c + c0;
                            for (int ky = 0; ky < g.kh(); ky++) {
                                int iy = oy * g.sh() - g.ph() + ky * g.dh();
                                if (iy < 0 || iy >= g.h()) {
                                    continue;
                                }
                                for (int kx = 0; kx < g.kw(); kx++) {
                                    int ix = ox * g.sw() - g.pw() + kx * g.dw();
                                    if (ix < 0 || ix >= g.w()) {
                                        continue;
                                    }
                                    int xi = xo + img * xs0 + (iy * g.w() + ix) * c + c0;
                                    FloatMath.INSTANCE.multiplyAdd(gy, src, in, xi, acc,
                                            (ky * g.kw() + kx) * CHANNEL_BLOCK, cb);
                                }
                            }
                        }
                    }
                }
                for (int j = 0; j < cb; j++) {
                    for (int k = 0; k < kk; k++) {
                        gw[gwo + (c0 + j) * kk + k] = acc[k * CHANNEL_BLOCK + j];
                    }
                }
            }
        });
    }
}
