package ed4j.datasets;

import java.util.Arrays;

/**
 * Resizing of 8-bit images that reproduces Pillow 9.x's {@code Image.resize} with the {@code
 * LANCZOS} (formerly {@code ANTIALIAS}) and {@code NEAREST} filters.
 *
 * <p>Note [PIL Lanczos]. For each axis Pillow precomputes, per output position {@code i}, a
 * window of source positions and their weights:
 *
 * <ol>
 *   <li>{@code scale = in / out}; {@code filterscale = max(scale, 1)}: when downscaling the
 *       filter is stretched by the scale factor, which is what makes it antialiased;
 *   <li>{@code support = 3 * filterscale}, {@code center = (i + 0.5) * scale}; the window is
 *       {@code [(int)(center - support + 0.5), (int)(center + support + 0.5))} clipped to the
 *       image, each bound truncated toward zero;
 *   <li>weight of source {@code j} = {@code lanczos3((j - center + 0.5) / filterscale)} with
 *       {@code lanczos3(x) = sinc(x) sinc(x / 3)} on {@code [-3, 3)}, divided by the window's
 *       sum, then converted to fixed point with 22 fractional bits ({@code PRECISION_BITS = 32
 *       - 8 - 2}), rounding half away from zero;
 *   <li>each output sample is {@code clip8((2^21 + sum(sample * weight)) >> 22)} in 32-bit
 *       integers: round half up, clipped to [0, 255].
 * </ol>
 *
 * The horizontal pass runs first, over only the rows the vertical pass will read, and its
 * result is rounded to 8 bits before the vertical pass. A pass is skipped when its dimension
 * keeps its size; when neither changes the image is returned as a copy.
 *
 * <p>NOTE: weights use {@link Math#sin}, which may differ from the C library's {@code sin} in the
 * last bit; a weight then differs by one unit of 2^-22 and a sample by one level in rare cases.
 */
public final class PilResample {

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double LANCZOS_SUPPORT = 3.0;

    private PilResample() {}

    /**
     * {@code in} resized to {@code outWidth x outHeight} with Pillow's Lanczos filter, for any
     * number of channels.
     *
     * @throws IllegalArgumentException when a target size is not positive
     */
    public static ByteImage lanczos(ByteImage in, int outWidth, int outHeight) {
        checkSize("lanczos", outWidth, outHeight);
        int inW = in.width();
        int inH = in.height();
        if (outWidth == inW && outHeight == inH) {
            return ByteImage.wrap(inW, inH, in.channels(), in.toArray());
        }
        Weights vertical = Weights.lanczos(inH, outHeight);
        ByteImage current = in;
        if (outWidth != inW) {
            // Only rows [first, last) feed the vertical pass.
            int first = vertical.start[0];
            int last = vertical.start[outHeight - 1] + vertical.count[outHeight - 1];
            current = horizontal(in, Weights.lanczos(inW, outWidth), first, last - first);
            for (int i = 0; i < outHeight; i++) {
                vertical.start[i] -= first;
            }
        }
        if (outHeight != inH) {
            current = vertical(current, vertical);
        }
        return current;
    }

    /**
     * {@code in} resized to {@code outWidth x outHeight} by nearest neighbour as Pillow does it:
     * output column {@code x} reads source column {@code (int) xo}, where {@code xo} starts at
     * {@code 0.5 * in / out} and grows by {@code in / out} per column <em>by repeated addition
     * in double precision</em>; rows likewise. The accumulation is reproduced because it decides
     * ties at exact half-way positions.
     *
     * @throws IllegalArgumentException when a target size is not positive
     */
    public static ByteImage nearest(ByteImage in, int outWidth, int outHeight) {
        checkSize("nearest", outWidth, outHeight);
        int inW = in.width();
        int inH = in.height();
        int c = in.channels();
        if (outWidth == inW && outHeight == inH) {
            return ByteImage.wrap(inW, inH, c, in.toArray());
        }
        int[] columns = nearestIndices(inW, outWidth);
        int[] rows = nearestIndices(inH, outHeight);
        byte[] src = in.raw();
        byte[] out = new byte[outWidth * outHeight * c];
        for (int y = 0; y < outHeight; y++) {
            if (rows[y] < 0) {
                continue;
            }
            int srcRow = rows[y] * inW;
            for (int x = 0; x < outWidth; x++) {
                if (columns[x] < 0) {
                    continue;
                }
                System.arraycopy(src, (srcRow + columns[x]) * c, out, (y * outWidth + x) * c, c);
            }
        }
        return ByteImage.wrap(outWidth, outHeight, c, out);
    }

    /** Source index per output index, -1 where Pillow would fill with zero. */
    static int[] nearestIndices(int inSize, int outSize) {
        double step = (double) inSize / outSize;
        double pos = step * 0.5;
        int[] index = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            int j = pos < 0.0 ? -1 : (int) pos;
            index[i] = j < inSize ? j : -1;
            pos += step;
        }
        return index;
    }

    private static void checkSize(String op, int w, int h) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException(
                    op + ": target size must be positive, got " + w + "x" + h);
        }
    }

    private static ByteImage horizontal(ByteImage in, Weights wts, int firstRow, int rows) {
        int c = in.channels();
        if (c == 3) {
            return horizontalRgb(in, wts, firstRow, rows);
        }
        int inW = in.width();
        int outW = wts.count.length;
        byte[] src = in.raw();
        byte[] out = new byte[outW * rows * c];
        int[] acc = new int[c];
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + firstRow) * inW;
            for (int x = 0; x < outW; x++) {
                Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                int k0 = x * wts.ksize;
                int s0 = (rowBase + wts.start[x]) * c;
                for (int t = 0; t < wts.count[x]; t++) {
                    int k = wts.fixed[k0 + t];
                    int s = s0 + t * c;
                    for (int ch = 0; ch < c; ch++) {
                        acc[ch] += (src[s + ch] & 0xFF) * k;
                    }
                }
                int o = (y * outW + x) * c;
                for (int ch = 0; ch < c; ch++) {
                    out[o + ch] = clip8(acc[ch]);
                }
            }
        }
        return ByteImage.wrap(outW, rows, c, out);
    }

    /** The horizontal pass for 3 channels, with the sums in locals (the hot loop). */
    private static ByteImage horizontalRgb(ByteImage in, Weights wts, int firstRow, int rows) {
        int inW = in.width();
        int outW = wts.count.length;
        byte[] src = in.raw();
        byte[] out = new byte[outW * rows * 3];
        int half = 1 << (PRECISION_BITS - 1);
        int[] fixed = wts.fixed;
        for (int y = 0; y < rows; y++) {
            int rowBase = (y + firstRow) * inW;
            int o = y * outW * 3;
            for (int x = 0; x < outW; x++, o += 3) {
                int r = half;
                int g = half;
                int b = half;
                int k0 = x * wts.ksize;
                int s = (rowBase + wts.start[x]) * 3;
                int n = wts.count[x];
                for (int t = 0; t < n; t++, s += 3) {
                    int k = fixed[k0 + t];
                    r += (src[s] & 0xFF) * k;
                    g += (src[s + 1] & 0xFF) * k;
                    b += (src[s + 2] & 0xFF) * k;
                }
                out[o] = clip8(r);
                out[o + 1] = clip8(g);
                out[o + 2] = clip8(b);
            }
        }
        return ByteImage.wrap(outW, rows, 3, out);
    }

    private static ByteImage vertical(ByteImage in, Weights wts) {
        int w = in.width();
        int c = in.channels();
        int rowLen = w * c;
        int outH = wts.count.length;
        byte[] src = in.raw();
        byte[] out = new byte[rowLen * outH];
        int[] acc = new int[rowLen];
        for (int y = 0; y < outH; y++) {
            Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
            int k0 = y * wts.ksize;
            // Row-wise accumulation: the same integer sums as Pillow's per-pixel loop.
            for (int t = 0; t < wts.count[y]; t++) {
                int k = wts.fixed[k0 + t];
                int s = (wts.start[y] + t) * rowLen;
                for (int i = 0; i < rowLen; i++) {
                    acc[i] += (src[s + i] & 0xFF) * k;
                }
            }
            int o = y * rowLen;
            for (int i = 0; i < rowLen; i++) {
                out[o + i] = clip8(acc[i]);
            }
        }
        return ByteImage.wrap(w, outH, c, out);
    }

    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    static double lanczos3(double x) {
        if (-LANCZOS_SUPPORT <= x && x < LANCZOS_SUPPORT) {
            return sinc(x) * sinc(x / 3);
        }
        return 0.0;
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double t = x * Math.PI;
        return Math.sin(t) / t;
    }

    /** Fixed-point weights of one axis: output {@code i} reads {@code count[i]} sources. */
    static final class Weights {
        final int ksize;
        final int[] start;
        final int[] count;
        final int[] fixed;

        private Weights(int ksize, int[] start, int[] count, int[] fixed) {
            this.ksize = ksize;
            this.start = start;
            this.count = count;
            this.fixed = fixed;
        }

        static Weights lanczos(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterscale = Math.max(scale, 1.0);
            double support = LANCZOS_SUPPORT * filterscale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            int[] fixed = new int[outSize * ksize];
            double[] w = new double[ksize];
            double ss = 1.0 / filterscale;
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                int n = hi - lo;
                double sum = 0.0;
                for (int t = 0; t < n; t++) {
                    w[t] = lanczos3((t + lo - center + 0.5) * ss);
                    sum += w[t];
                }
                for (int t = 0; t < n; t++) {
                    double v = sum != 0.0 ? w[t] / sum : w[t];
                    double f = v * (1 << PRECISION_BITS);
                    fixed[i * ksize + t] = (int) (v < 0 ? f - 0.5 : f + 0.5);
                }
                start[i] = lo;
                count[i] = n;
            }
            return new Weights(ksize, start, count, fixed);
        }
    }
}
