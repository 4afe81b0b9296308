package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Bilinear resampling and its gradient.
 *
 * <p>Shapes: input {@code (N, C, H, W)}, output {@code (N, C, OH, OW)}. Along each axis an output
 * position {@code d} reads two source positions {@code i0 <= i1} with weights {@code l0 + l1 = 1}
 * (PyTorch 1.13's formulas, see {@link Axis}); the 2-d interpolation is the width interpolation
 * of every input row followed by the height interpolation of those rows, which is the order of
 * PyTorch's {@code h0 * (w0 * x00 + w1 * x01) + h1 * (w0 * x10 + w1 * x11)}. The gradient is the
 * exact adjoint: the same two passes transposed. Planes are split over the worker threads and
 * each plane is computed sequentially, so results do not depend on the thread count.
 *
 * <p>LIMITATION: the scale always comes from the sizes ({@code in/out}), as in PyTorch's
 * {@code interpolate(size=...)}. PyTorch's {@code scale_factor=s} with
 * {@code recompute_scale_factor=False} uses {@code 1/s} instead, which differs when
 * {@code in * s} is not a whole number; such calls are not reproduced exactly.
 */
final class ResampleKernels {

    private ResampleKernels() {}

    /**
     * Source positions and weights along one axis of length {@code in} resampled to {@code out}.
     * The scale is {@code (in-1)/(out-1)} with aligned corners ({@code 0} when {@code out == 1}),
     * else {@code in/out}, rounded to the tensor's dtype as PyTorch computes it in that type. The
     * source coordinate of {@code d} is {@code scale * d} with aligned corners, else
     * {@code scale * (d + 0.5) - 0.5} clamped below at 0, evaluated in double; {@code i0} is its
     * integer part, {@code i1 = i0 + 1} except at the last pixel, {@code l1} the fraction.
     */
    record Axis(int[] i0, int[] i1, double[] l0, double[] l1) {

        static Axis of(int in, int out, boolean alignCorners, DType dtype) {
            int[] i0 = new int[out];
            int[] i1 = new int[out];
            double[] l0 = new double[out];
            double[] l1 = new double[out];
            boolean f32 = dtype == DType.FLOAT32;
            double scale;
            if (alignCorners) {
                scale = out > 1 ? ratio(in - 1, out - 1, f32) : 0.0;
            } else {
                scale = ratio(in, out, f32);
            }
            for (int d = 0; d < out; d++) {
                if (in == out) {
                    // PyTorch copies when the sizes agree; both formulas give d anyway.
                    i0[d] = d;
                    i1[d] = d;
                    l0[d] = 1.0;
                    l1[d] = 0.0;
                    continue;
                }
                double src = alignCorners ? scale * d : Math.max(scale * (d + 0.5) - 0.5, 0.0);
                int a = (int) src;
                i0[d] = a;
                i1[d] = a < in - 1 ? a + 1 : a;
                double frac = src - a;
                // PyTorch stores the weights in the tensor's dtype.
                l1[d] = f32 ? (float) frac : frac;
                l0[d] = f32 ? (float) (1.0 - l1[d]) : 1.0 - l1[d];
            }
            return new Axis(i0, i1, l0, l1);
        }

        private static double ratio(int a, int b, boolean f32) {
            return f32 ? (float) a / (float) b : (double) a / b;
        }
    }

    /** {@code x (N, C, H, W) -> (N, C, OH, OW)}. */
    static Tensor bilinear(CpuBackend be, Tensor x, int outH, int outW, boolean alignCorners) {
        int h = x.size(2);
        int w = x.size(3);
        Tensor out = be.empty(Shape.of(x.size(0), x.size(1), outH, outW), x.dtype());
        int planes = x.size(0) * x.size(1);
        if (planes == 0) {
            return out;
        }
        requireNonEmptyPlane("upsampleBilinear2d", h, w);
        Axis ay = Axis.of(h, outH, alignCorners, x.dtype());
        Axis ax = Axis.of(w, outW, alignCorners, x.dtype());
        CpuStorage dst = ElementwiseKernels.storage(out);
        int work = h * w + h * outW + outH * outW;
        be.parallel().forRange(planes, Math.max(1, ElementwiseKernels.GRAIN / work), (p0, p1) -> {
            double[] plane = new double[h * w];
            double[] rows = new double[h * outW];
            double[] res = new double[outH * outW];
            for (int q = p0; q < p1; q++) {
                Planes.load(x, q, plane);
                // Width pass: every input row resampled to outW columns.
                for (int r = 0; r < h; r++) {
                    int in = r * w;
                    int o = r * outW;
                    for (int j = 0; j < outW; j++) {
                        rows[o + j] = ax.l0[j] * plane[in + ax.i0[j]]
                                + ax.l1[j] * plane[in + ax.i1[j]];
                    }
                }
                // Height pass: unit-stride blends of two resampled rows.
                for (int i = 0; i < outH; i++) {
                    int r0 = ay.i0[i] * outW;
                    int r1 = ay.i1[i] * outW;
                    double a = ay.l0[i];
                    double b = ay.l1[i];
                    int o = i * outW;
                    for (int j = 0; j < outW; j++) {
                        res[o + j] = a * rows[r0 + j] + b * rows[r1 + j];
                    }
                }
                Planes.store(res, 0, outW, outH, outW, dst, q * outH * outW);
            }
        });
        return out;
    }

    /** {@code gradOut (N, C, OH, OW) -> gradInput (N, C, H, W)}. */
    static Tensor bilinearBackward(CpuBackend be, Tensor gradOut, Shape inputShape,
            boolean alignCorners) {
        int h = inputShape.size(2);
        int w = inputShape.size(3);
        int outH = gradOut.size(2);
        int outW = gradOut.size(3);
        Tensor gradIn = be.empty(inputShape, gradOut.dtype());
        int planes = inputShape.size(0) * inputShape.size(1);
        if (planes == 0) {
            return gradIn;
        }
        requireNonEmptyPlane("upsampleBilinear2d backward", h, w);
        Axis ay = Axis.of(h, outH, alignCorners, gradOut.dtype());
        Axis ax = Axis.of(w, outW, alignCorners, gradOut.dtype());
        CpuStorage dst = ElementwiseKernels.storage(gradIn);
        int work = h * w + h * outW + outH * outW;
        be.parallel().forRange(planes, Math.max(1, ElementwiseKernels.GRAIN / work), (p0, p1) -> {
            double[] g = new double[outH * outW];
            double[] rows = new double[h * outW];
            double[] acc = new double[h * w];
            for (int q = p0; q < p1; q++) {
                Planes.load(gradOut, q, g);
                // Transposed height pass: each output row goes to its two source rows.
                java.util.Arrays.fill(rows, 0.0);
                for (int i = 0; i < outH; i++) {
                    int r0 = ay.i0[i] * outW;
                    int r1 = ay.i1[i] * outW;
                    double a = ay.l0[i];
                    double b = ay.l1[i];
                    int o = i * outW;
                    for (int j = 0; j < outW; j++) {
                        rows[r0 + j] += a * g[o + j];
                    }
                    for (int j = 0; j < outW; j++) {
                        rows[r1 + j] += b * g[o + j];
                    }
                }
                // Transposed width pass: each column goes to its two source pixels (the same one
                // twice at the last pixel, where the two weights then add up).
                java.util.Arrays.fill(acc, 0.0);
                for (int r = 0; r < h; r++) {
                    int in = r * w;
                    int o = r * outW;
                    for (int j = 0; j < outW; j++) {
                        double v = rows[o + j];
                        acc[in + ax.i0[j]] += ax.l0[j] * v;
                        acc[in + ax.i1[j]] += ax.l1[j] * v;
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
