package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Launches the bilinear-resampling kernels of {@code ResampleKernels.cu}: the forward pass
 * computes its source positions on the GPU; the gradient gets them from {@link Axis} tables
 * computed here. CPU reference: {@code ed4j.tensor.cpu.ResampleKernels}.
 */
final class ResampleKernels {

    static final String FAMILY = "ResampleKernels";
    static final int THREADS = 256;

    private ResampleKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        return List.of("bilinear2d_forward_v1_f32", "bilinear2d_forward_v1_f64",
                "bilinear2d_backward_v1_f32", "bilinear2d_backward_v1_f64");
    }

    /**
     * The terms of one axis of length {@code in} resampled to {@code out}, as the CPU backend
     * computes them: output {@code d} reads {@code i0[d]} with weight {@code l0[d]} and
     * {@code i1[d]} with {@code l1[d]}; input {@code p} is read only by outputs
     * {@code [lo[p], hi[p])}.
     */
    record Axis(long[] i0, long[] i1, double[] l0, double[] l1, long[] lo, long[] hi) {

        static Axis of(int in, int out, boolean alignCorners, DType dtype) {
            long[] i0 = new long[out];
            long[] i1 = new long[out];
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
                    i0[d] = d;
                    i1[d] = d;
                    l0[d] = 1.0;
                    continue;
                }
                double src = alignCorners ? scale * d : Math.max(scale * (d + 0.5) - 0.5, 0.0);
                int a = (int) src;
                i0[d] = a;
                i1[d] = a < in - 1 ? a + 1 : a;
                double frac = src - a;
                l1[d] = f32 ? (float) frac : frac;
                l0[d] = f32 ? (float) (1.0 - l1[d]) : 1.0 - l1[d];
            }
            long[] lo = new long[in];
            long[] hi = new long[in];
            java.util.Arrays.fill(lo, out);
            for (int d = 0; d < out; d++) {
                for (long p : new long[] {i0[d], i1[d]}) {
                    lo[(int) p] = Math.min(lo[(int) p], d);
                    hi[(int) p] = Math.max(hi[(int) p], d + 1);
                }
            }
            for (int p = 0; p < in; p++) {
                if (hi[p] == 0) {
                    lo[p] = 0;
                }
            }
            return new Axis(i0, i1, l0, l1, lo, hi);
        }

        private static double ratio(int a, int b, boolean f32) {
            return f32 ? (float) a / (float) b : (double) a / b;
        }
    }

    private static void requireNonEmptyPlane(String op, int h, int w) {
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException(
                    op + ": input planes must not be empty, got H=" + h + ", W=" + w);
        }
    }

    static Tensor bilinear(CudaBackend be, Tensor x, int outH, int outW, boolean alignCorners) {
        Tensor out = be.empty(Shape.of(x.size(0), x.size(1), outH, outW), x.dtype());
        int planes = x.size(0) * x.size(1);
        if (planes == 0) {
            return out;
        }
        requireNonEmptyPlane("upsampleBilinear2d", x.size(2), x.size(3));
        be.launch("upsampleBilinear2d", FAMILY,
                "bilinear2d_forward_v1_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.linear(out.numel(), THREADS),
                new KernelArgs().i32(planes).i32(x.size(1)).i32(x.size(2)).i32(x.size(3))
                        .i32(outH).i32(outW).i32(alignCorners ? 1 : 0)
                        .ptr(CudaBackend.storage(x)).struct("Nchw", ConvKernels.nchw(x))
                        .ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor bilinearBackward(CudaBackend be, Tensor gradOut, Shape inputShape,
            boolean alignCorners) {
        int h = inputShape.size(2);
        int w = inputShape.size(3);
        int oh = gradOut.size(2);
        int ow = gradOut.size(3);
        Tensor gx = be.empty(inputShape, gradOut.dtype());
        int planes = inputShape.size(0) * inputShape.size(1);
        if (planes == 0) {
            return gx;
        }
        requireNonEmptyPlane("upsampleBilinear2d backward", h, w);
        Axis ay = Axis.of(h, oh, alignCorners, gradOut.dtype());
        Axis ax = Axis.of(w, ow, alignCorners, gradOut.dtype());
        long[] idx = concat(ay.i0(), ay.i1(), ay.lo(), ay.hi(), ax.i0(), ax.i1(), ax.lo(),
                ax.hi());
        double[] wts = concat(ay.l0(), ay.l1(), ax.l0(), ax.l1());
        try (CudaStorage idxDev = be.upload(idx); CudaStorage wtsDev = be.upload(wts)) {
            be.launch("upsampleBilinear2dBackward", FAMILY,
                    "bilinear2d_backward_v1_" + CudaBackend.suffix(gradOut.dtype()),
                    LaunchConfig.linear(gx.numel(), THREADS),
                    new KernelArgs().i32(planes).i32(inputShape.size(1)).i32(h).i32(w).i32(oh)
                            .i32(ow).ptr(CudaBackend.storage(gradOut))
                            .struct("Nchw", ConvKernels.nchw(gradOut)).ptr(idxDev).ptr(wtsDev)
                            .ptr(CudaBackend.storage(gx)));
        }
        return gx;
    }

    static long[] concat(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] out = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static double[] concat(double[]... parts) {
        int n = 0;
        for (double[] p : parts) {
            n += p.length;
        }
        double[] out = new double[n];
        int at = 0;
        for (double[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
