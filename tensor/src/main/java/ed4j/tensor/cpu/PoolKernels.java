package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * 2-d average and max pooling and their gradients.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C, OH, OW)} with {@code OH = (H + 2*pH
 * - kH) / sH + 1} (floor) and likewise {@code OW}; window {@code kH x kW}, stride {@code sH, sW},
 * padding {@code pH, pW}. Each of the {@code N*C} planes is independent: the planes are split over
 * the worker threads, and everything inside a plane runs sequentially in a fixed order, so the
 * results do not depend on the thread count. Values are handled in {@code double} and rounded
 * once to the output dtype.
 *
 * <p>Average pooling is separable: it sums rows of a zero-padded copy of the plane over the
 * window width, then those row sums over the window height, both as unit-stride loops when the
 * stride is 1. Its gradient runs the two passes transposed.
 */
final class PoolKernels {

    private PoolKernels() {}

    // ---- average pooling ---------------------------------------------------------------------

    /** {@code x (N, C, H, W) -> (N, C, OH, OW)}. */
    static Tensor avgPool2d(CpuBackend be, Tensor x, Pool2dParams p) {
        int h = x.size(2);
        int w = x.size(3);
        requireNonEmptyPlane("avgPool2d", h, w);
        int oh = p.outH(h);
        int ow = p.outW(w);
        Tensor out = be.empty(Shape.of(x.size(0), x.size(1), oh, ow), x.dtype());
        int planes = x.size(0) * x.size(1);
        int ph = h + 2 * p.padH();
        int pw = w + 2 * p.padW();
        double[] divisor = divisors(p, h, w, oh, ow);
        CpuStorage dst = ElementwiseKernels.storage(out);
        CpuStorage src = ElementwiseKernels.storage(x);
        int grain = Math.max(1, ElementwiseKernels.GRAIN / (ph * pw));
        be.parallel().forRange(planes, grain, (p0, p1) -> {
            // The border of the padded plane stays zero; only its interior is rewritten.
            double[] padded = new double[ph * pw];
            double[] rowSums = new double[ph * ow];
            double[] res = new double[oh * ow];
            for (int q = p0; q < p1; q++) {
                Planes.load(src, Planes.offset(x, q), x.stride(2), x.stride(3), h, w,
                        padded, p.padH() * pw + p.padW(), pw);
                java.util.Arrays.fill(rowSums, 0.0);
                for (int r = 0; r < ph; r++) {
                    int in = r * pw;
                    int o = r * ow;
                    for (int kw = 0; kw < p.kernelW(); kw++) {
                        int base = in + kw;
                        int sw = p.strideW();
                        for (int j = 0; j < ow; j++) {
                            rowSums[o + j] += padded[base + j * sw];
                        }
                    }
                }
                java.util.Arrays.fill(res, 0.0);
                for (int i = 0; i < oh; i++) {
                    int o = i * ow;
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        int in = (i * p.strideH() + kh) * ow;
                        for (int j = 0; j < ow; j++) {
                            res[o + j] += rowSums[in + j];
                        }
                    }
                    for (int j = 0; j < ow; j++) {
                        res[o + j] /= divisor[o + j];
                    }
                }
                Planes.store(res, 0, ow, oh, ow, dst, q * oh * ow);
            }
        });
        return out;
    }

    /** {@code gradOut (N, C, OH, OW) -> gradInput (N, C, H, W)}. */
    static Tensor avgPool2dBackward(CpuBackend be, Tensor gradOut, Shape inputShape,
            Pool2dParams p) {
        int h = inputShape.size(2);
        int w = inputShape.size(3);
        requireNonEmptyPlane("avgPool2d backward", h, w);
        int oh = gradOut.size(2);
        int ow = gradOut.size(3);
        Tensor gradIn = be.empty(inputShape, gradOut.dtype());
        int planes = inputShape.size(0) * inputShape.size(1);
        int ph = h + 2 * p.padH();
        int pw = w + 2 * p.padW();
        double[] divisor = divisors(p, h, w, oh, ow);
        CpuStorage dst = ElementwiseKernels.storage(gradIn);
        int grain = Math.max(1, ElementwiseKernels.GRAIN / (ph * pw));
        be.parallel().forRange(planes, grain, (p0, p1) -> {
            double[] g = new double[oh * ow];
            double[] rowGrads = new double[ph * ow];
            double[] padded = new double[ph * pw];
            for (int q = p0; q < p1; q++) {
                Planes.load(gradOut, q, g);
                for (int k = 0; k < g.length; k++) {
                    g[k] /= divisor[k];
                }
                // Transposed height pass: each output row feeds kH padded rows.
                java.util.Arrays.fill(rowGrads, 0.0);
                for (int i = 0; i < oh; i++) {
                    int o = i * ow;
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        int r = (i * p.strideH() + kh) * ow;
                        for (int j = 0; j < ow; j++) {
                            rowGrads[r + j] += g[o + j];
                        }
                    }
                }
                // Transposed width pass, only for the rows inside the input.
                java.util.Arrays.fill(padded, 0.0);
                for (int r = p.padH(); r < p.padH() + h; r++) {
                    int o = r * ow;
                    for (int kw = 0; kw < p.kernelW(); kw++) {
                        int base = r * pw + kw;
                        int sw = p.strideW();
                        for (int j = 0; j < ow; j++) {
                            padded[base + j * sw] += rowGrads[o + j];
                        }
                    }
                }
                Planes.store(padded, p.padH() * pw + p.padW(), pw, h, w, dst, q * h * w);
            }
        });
        return gradIn;
    }

    /**
     * The divisor of each output: the whole window when padding counts, else the number of its
     * elements inside the input. With floor rounding a window never reaches past the padding, so
     * the whole window is {@code kH * kW} everywhere.
     */
    private static double[] divisors(Pool2dParams p, int h, int w, int oh, int ow) {
        double[] d = new double[oh * ow];
        for (int i = 0; i < oh; i++) {
            int rows = inside(i * p.strideH() - p.padH(), p.kernelH(), h);
            for (int j = 0; j < ow; j++) {
                int cols = inside(j * p.strideW() - p.padW(), p.kernelW(), w);
                d[i * ow + j] = p.countIncludePad()
                        ? (double) p.kernelH() * p.kernelW()
                        : (double) rows * cols;
            }
        }
        return d;
    }

    /** How many of {@code start .. start+k-1} lie in {@code [0, n)}. */
    private static int inside(int start, int k, int n) {
        return Math.min(start + k, n) - Math.max(start, 0);
    }

    // ---- max pooling --------------------------------------------------------------------------

    /**
     * {@code x (N, C, H, W) -> {values (N, C, OH, OW), indices (N, C, OH, OW) int64}}; an index
     * is {@code h * W + w} within the input plane.
     *
     * <p>The window maxima are separable like the sums of average pooling: {@link Math#max} over
     * each window's columns of a -infinity-padded plane, then over its rows, branch-free and NaN
     * propagating. A second scan of each window then finds the index: the first element equal to
     * the maximum in row-major order, or the last NaN when the maximum is NaN. That is the element
     * PyTorch's scan keeps, which replaces its candidate only on a strictly greater value or a
     * NaN; the value is read back from that element (so {@code -0.0} stays {@code -0.0}).
     */
    static Tensor[] maxPool2d(CpuBackend be, Tensor x, Pool2dParams p) {
        int h = x.size(2);
        int w = x.size(3);
        requireNonEmptyPlane("maxPool2d", h, w);
        int oh = p.outH(h);
        int ow = p.outW(w);
        Shape outShape = Shape.of(x.size(0), x.size(1), oh, ow);
        Tensor values = be.empty(outShape, x.dtype());
        Tensor indices = be.empty(outShape, DType.INT64);
        long[] idx = ElementwiseKernels.storage(indices).longs();
        CpuStorage src = ElementwiseKernels.storage(x);
        CpuStorage dst = ElementwiseKernels.storage(values);
        int planes = x.size(0) * x.size(1);
        int ph = h + 2 * p.padH();
        int pw = w + 2 * p.padW();
        int grain = Math.max(1, ElementwiseKernels.GRAIN / (ph * pw));
        be.parallel().forRange(planes, grain, (p0, p1) -> {
            // NOTE: padding is -infinity; only the interior of this buffer is ever rewritten.
            double[] padded = new double[ph * pw];
            java.util.Arrays.fill(padded, Double.NEGATIVE_INFINITY);
            double[] rowMax = new double[ph * ow];
            double[] res = new double[oh * ow];
            for (int q = p0; q < p1; q++) {
                Planes.load(src, Planes.offset(x, q), x.stride(2), x.stride(3), h, w,
                        padded, p.padH() * pw + p.padW(), pw);
                java.util.Arrays.fill(rowMax, Double.NEGATIVE_INFINITY);
                for (int r = 0; r < ph; r++) {
                    int o = r * ow;
                    for (int kw = 0; kw < p.kernelW(); kw++) {
                        int base = r * pw + kw;
                        int sw = p.strideW();
                        for (int j = 0; j < ow; j++) {
                            rowMax[o + j] = Math.max(rowMax[o + j], padded[base + j * sw]);
                        }
                    }
                }
                java.util.Arrays.fill(res, Double.NEGATIVE_INFINITY);
                for (int i = 0; i < oh; i++) {
                    int o = i * ow;
                    for (int kh = 0; kh < p.kernelH(); kh++) {
                        int in = (i * p.strideH() + kh) * ow;
                        for (int j = 0; j < ow; j++) {
                            res[o + j] = Math.max(res[o + j], rowMax[in + j]);
                        }
                    }
                }
                int base = q * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int h0 = i * p.strideH() - p.padH();
                    int hs = Math.max(h0, 0);
                    int he = Math.min(h0 + p.kernelH(), h);
                    for (int j = 0; j < ow; j++) {
                        int w0 = j * p.strideW() - p.padW();
                        int ws = Math.max(w0, 0);
                        int we = Math.min(w0 + p.kernelW(), w);
                        int at = argOfMax(padded, pw, p.padH(), p.padW(), hs, he, ws, we,
                                res[i * ow + j]);
                        idx[base + i * ow + j] = at;
                        res[i * ow + j] = padded[(at / w + p.padH()) * pw + at % w + p.padW()];
                    }
                }
                Planes.store(res, 0, ow, oh, ow, dst, base);
            }
        });
        return new Tensor[] {values, indices};
    }

    /**
     * The values of {@link #maxPool2d} without the indices (inference, where no gradient will
     * be taken). Float32 runs its own loops, straight on the input with no padded copy: the
     * branch-free {@link Math#max} over each window's rows, column by column (contiguous
     * loops), then over the window's columns. The values agree with {@link #maxPool2d} bit for
     * bit, NaN payloads aside: where the maximum is a zero, its sign is taken from the first zero
     * of the window in row-major order, the element PyTorch's scan keeps ({@link Math#max} would
     * prefer +0). Float64 takes {@link #maxPool2d} itself.
     */
    static Tensor maxPool2dValues(CpuBackend be, Tensor x, Pool2dParams p) {
        if (x.dtype() != DType.FLOAT32) {
            return maxPool2d(be, x, p)[0];
        }
        int h = x.size(2);
        int w = x.size(3);
        requireNonEmptyPlane("maxPool2d", h, w);
        int oh = p.outH(h);
        int ow = p.outW(w);
        Tensor values = be.empty(Shape.of(x.size(0), x.size(1), oh, ow), DType.FLOAT32);
        float[] src = ElementwiseKernels.storage(x).floats();
        float[] dst = ElementwiseKernels.storage(values).floats();
        int sh = x.stride(2);
        int sw = x.stride(3);
        int planes = x.size(0) * x.size(1);
        int grain = Math.max(1, ElementwiseKernels.GRAIN / (h * w));
        int kw = p.kernelW();
        int sx = p.strideW();
        // Output columns whose window lies inside the row: [jLo, jHi).
        int jLo = Math.min(ow, (p.padW() + sx - 1) / sx);
        int jHi = Math.max(jLo, Math.min(ow, (w + p.padW() - kw) / sx + 1));
        be.parallel().forRange(planes, grain, (p0, p1) -> {
            float[] colMax = new float[w];
            for (int q = p0; q < p1; q++) {
                int off = Planes.offset(x, q);
                int base = q * oh * ow;
                for (int i = 0; i < oh; i++) {
                    int h0 = i * p.strideH() - p.padH();
                    int hs = Math.max(h0, 0);
                    int he = Math.min(h0 + p.kernelH(), h);
                    // The maximum over the window's rows, column by column: contiguous rows.
                    int r0 = off + hs * sh;
                    if (sw == 1) {
                        System.arraycopy(src, r0, colMax, 0, w);
                    } else {
                        for (int c = 0; c < w; c++) {
                            colMax[c] = src[r0 + c * sw];
                        }
                    }
                    for (int r = hs + 1; r < he; r++) {
                        int row = off + r * sh;
                        if (sw == 1) {
                            for (int c = 0; c < w; c++) {
                                colMax[c] = Math.max(colMax[c], src[row + c]);
                            }
                        } else {
                            for (int c = 0; c < w; c++) {
                                colMax[c] = Math.max(colMax[c], src[row + c * sw]);
                            }
                        }
                    }
                    // Then over the window's columns.
                    int o = base + i * ow;
                    for (int j = 0; j < jLo; j++) {
                        dst[o + j] = edgeMax(colMax, j * sx - p.padW(), kw);
                    }
                    for (int j = jLo, s0 = jLo * sx - p.padW(); j < jHi; j++, s0 += sx) {
                        float m = colMax[s0];
                        for (int c = 1; c < kw; c++) {
                            m = Math.max(m, colMax[s0 + c]);
                        }
                        dst[o + j] = m;
                    }
                    for (int j = jHi; j < ow; j++) {
                        dst[o + j] = edgeMax(colMax, j * sx - p.padW(), kw);
                    }
                    for (int j = 0; j < ow; j++) {
                        if (dst[o + j] == 0f) {
                            int w0 = j * sx - p.padW();
                            dst[o + j] = firstZero(src, off, sh, sw, hs, he, Math.max(w0, 0),
                                    Math.min(w0 + kw, w));
                        }
                    }
                }
            }
        });
        return values;
    }

    /** {@link Math#max} of the entries {@code [x0, x0 + kw)} of a row that lie inside it. */
    private static float edgeMax(float[] row, int x0, int kw) {
        int ws = Math.max(x0, 0);
        int we = Math.min(x0 + kw, row.length);
        float m = row[ws];
        for (int c = ws + 1; c < we; c++) {
            m = Math.max(m, row[c]);
        }
        return m;
    }

    /** The first zero, with its sign, of a window whose maximum is zero, in row-major order. */
    private static float firstZero(float[] src, int off, int sh, int sw, int hs, int he, int ws,
            int we) {
        for (int r = hs; r < he; r++) {
            for (int c = ws; c < we; c++) {
                float v = src[off + r * sh + c * sw];
                if (v == 0f) {
                    return v;
                }
            }
        }
        throw new IllegalStateException("maxPool2d: window maximum 0 not found");
    }

    /**
     * The flat unpadded index {@code r * W + c} of {@code max} in rows {@code [hs, he)} and
     * columns {@code [ws, we)} of a padded plane: the first equal element in row-major order, or
     * the last NaN when {@code max} is NaN.
     */
    private static int argOfMax(double[] padded, int pw, int padH, int padW, int hs, int he,
            int ws, int we, double max) {
        int w = pw - 2 * padW;
        if (max != max) {
            // NOTE: a NaN in the window is its maximum; PyTorch's scan lets every NaN take over,
            // so the last NaN holds the index.
            for (int r = he - 1; r >= hs; r--) {
                for (int c = we - 1; c >= ws; c--) {
                    double v = padded[(r + padH) * pw + c + padW];
                    if (v != v) {
                        return r * w + c;
                    }
                }
            }
        }
        // NOTE: the first element equal to the maximum wins ties, as PyTorch's strict > does; a
        // window of -infinity therefore reports its first element inside the input.
        for (int r = hs; r < he; r++) {
            int rowBase = (r + padH) * pw + padW;
            for (int c = ws; c < we; c++) {
                if (padded[rowBase + c] == max) {
                    return r * w + c;
                }
            }
        }
        throw new IllegalStateException("maxPool2d: window maximum " + max + " not found");
    }

    /**
     * {@code gradOut (N, C, OH, OW)} and the {@code indices} of {@link #maxPool2d} {@code ->
     * gradInput (N, C, H, W)}.
     */
    static Tensor maxPool2dBackward(CpuBackend be, Tensor gradOut, Tensor indices,
            Shape inputShape) {
        int h = inputShape.size(2);
        int w = inputShape.size(3);
        requireNonEmptyPlane("maxPool2d backward", h, w);
        int oh = gradOut.size(2);
        int ow = gradOut.size(3);
        Tensor gradIn = be.empty(inputShape, gradOut.dtype());
        CpuStorage dst = ElementwiseKernels.storage(gradIn);
        long[] idx = ElementwiseKernels.storage(indices).longs();
        int planes = inputShape.size(0) * inputShape.size(1);
        int grain = Math.max(1, ElementwiseKernels.GRAIN / (h * w + oh * ow));
        be.parallel().forRange(planes, grain, (p0, p1) -> {
            double[] g = new double[oh * ow];
            double[] acc = new double[h * w];
            for (int q = p0; q < p1; q++) {
                Planes.load(gradOut, q, g);
                java.util.Arrays.fill(acc, 0.0);
                int ib = Planes.offset(indices, q);
                int sh = indices.stride(2);
                int sw = indices.stride(3);
                // NOTE: outputs whose windows overlap may share an index; their gradients add up.
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        acc[(int) idx[ib + i * sh + j * sw]] += g[i * ow + j];
                    }
                }
                Planes.store(acc, 0, w, h, w, dst, q * h * w);
            }
        });
        return gradIn;
    }

    private static void requireNonEmptyPlane(String op, int h, int w) {
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException(
                    op + ": input planes must not be empty, got H=" + h + ", W=" + w);
        }
    }
}
