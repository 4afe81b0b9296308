package ed4j.tensor.cpu;

import ed4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Direct depthwise convolution ({@code groups == Cin == Cout}, weight {@code (C, 1, kH, kW)}),
 * forward and both gradients, one {@code (H, W)} plane at a time.
 *
 * <p>Each plane is loaded, whatever its strides and dtype, into a zero-bordered {@code double}
 * buffer of {@code (H + 2 pH, W + 2 pW)}, so the loops need no bounds checks; for each kernel tap
 * the inner loop over output columns is an axpy the JIT vectorizes. Planes (or channels, for the
 * weight gradient) are split over threads, and each sums in a fixed order.
 */
final class DepthwiseConv {

    private DepthwiseConv() {}

    /** {@code out (N, C, OH, OW)}, contiguous, gets the convolution plus bias (may be null). */
    static void forward(CpuBackend be, ConvGeometry g, Tensor x, Tensor w, Tensor bias,
            Tensor out) {
        double[] wv = w.contiguous().toDoubleArray();
        double[] bv = bias == null ? null : bias.toDoubleArray();
        int c = g.cin();
        int kk = g.kh() * g.kw();
        int hp = g.h() + 2 * g.ph();
        int wp = g.w() + 2 * g.pw();
        CpuStorage os = ElementwiseKernels.storage(out);
        be.parallel().forRange(g.n() * c, 1, (s, e) -> {
            double[] in = new double[hp * wp];
            double[] row = new double[Math.max(g.w(), g.ow())];
            double[] acc = new double[g.positions()];
            for (int plane = s; plane < e; plane++) {
                int ch = plane % c;
                loadPadded(x, plane / c, ch, g, in, row);
                Arrays.fill(acc, bv == null ? 0.0 : bv[ch]);
                for (int oy = 0; oy < g.oh(); oy++) {
                    int o = oy * g.ow();
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int rowIn = (oy * g.sh() + ky * g.dh()) * wp;
                        for (int kx = 0; kx < g.kw(); kx++) {
                            axpy(wv[ch * kk + ky * g.kw() + kx], in, rowIn + kx * g.dw(), g.sw(),
                                    acc, o, g.ow());
                        }
                    }
                }
                ElementwiseKernels.store(os, plane * g.positions(), acc, g.positions());
            }
        });
    }

    /** {@code gradInput (N, C, H, W)}, contiguous and zero, gets the input gradient. */
    static void backwardInput(CpuBackend be, ConvGeometry g, Tensor gradOut, Tensor w,
            Tensor gradInput) {
        double[] wv = w.contiguous().toDoubleArray();
        int c = g.cin();
        int kk = g.kh() * g.kw();
        int hp = g.h() + 2 * g.ph();
        int wp = g.w() + 2 * g.pw();
        CpuStorage gs = ElementwiseKernels.storage(gradInput);
        be.parallel().forRange(g.n() * c, 1, (s, e) -> {
            double[] gin = new double[hp * wp];
            double[] gy = new double[g.positions()];
            double[] row = new double[Math.max(g.w(), g.ow())];
            for (int plane = s; plane < e; plane++) {
                int ch = plane % c;
                loadPlane(gradOut, plane / c, ch, g.oh(), g.ow(), gy, row);
                Arrays.fill(gin, 0.0);
                for (int oy = 0; oy < g.oh(); oy++) {
                    int o = oy * g.ow();
                    for (int ky = 0; ky < g.kh(); ky++) {
                        int rowIn = (oy * g.sh() + ky * g.dh()) * wp;
                        for (int kx = 0; kx < g.kw(); kx++) {
                            scatter(wv[ch * kk + ky * g.kw() + kx], gy, o, g.ow(), gin,
                                    rowIn + kx * g.dw(), g.sw());
                        }
                    }
                }
                for (int iy = 0; iy < g.h(); iy++) {
                    System.arraycopy(gin, (iy + g.ph()) * wp + g.pw(), row, 0, g.w());
                    ElementwiseKernels.store(gs, (plane * g.h() + iy) * g.w(), row, g.w());
                }
            }
        });
    }

    /** {@code gradWeight (C, 1, kH, kW)}, contiguous, gets the weight gradient. */
    static void backwardWeight(CpuBackend be, ConvGeometry g, Tensor gradOut, Tensor x,
            Tensor gradWeight) {
        int c = g.cin();
        int kk = g.kh() * g.kw();
        int hp = g.h() + 2 * g.ph();
        int wp = g.w() + 2 * g.pw();
        double[] result = new double[c * kk];
        be.parallel().forRange(c, 1, (s, e) -> {
            double[] in = new double[hp * wp];
            double[] gy = new double[g.positions()];
            double[] row = new double[Math.max(g.w(), g.ow())];
            for (int ch = s; ch < e; ch++) {
                for (int img = 0; img < g.n(); img++) {
                    loadPadded(x, img, ch, g, in, row);
                    loadPlane(gradOut, img, ch, g.oh(), g.ow(), gy, row);
                    for (int ky = 0; ky < g.kh(); ky++) {
                        for (int kx = 0; kx < g.kw(); kx++) {
                            double sum = 0;
                            for (int oy = 0; oy < g.oh(); oy++) {
                                sum += dot(gy, oy * g.ow(), in,
                                        (oy * g.sh() + ky * g.dh()) * wp + kx * g.dw(), g.sw(),
                                        g.ow());
                            }
                            result[ch * kk + ky * g.kw() + kx] += sum;
                        }
                    }
                }
            }
        });
        ElementwiseKernels.store(ElementwiseKernels.storage(gradWeight), 0, result, c * kk);
    }

    /** {@code acc[o + i] += a * in[off + i * step]} for {@code i < n}. */
    private static void axpy(double a, double[] in, int off, int step, double[] acc, int o,
            int n) {
        if (step == 1) {
            for (int i = 0; i < n; i++) {
                acc[o + i] += a * in[off + i];
            }
        } else {
            for (int i = 0; i < n; i++) {
                acc[o + i] += a * in[off + i * step];
            }
        }
    }

    /** {@code out[off + i * step] += a * gy[o + i]} for {@code i < n}. */
    private static void scatter(double a, double[] gy, int o, int n, double[] out, int off,
            int step) {
        for (int i = 0; i < n; i++) {
            out[off + i * step] += a * gy[o + i];
        }
    }

    private static double dot(double[] gy, int o, double[] in, int off, int step, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += gy[o + i] * in[off + i * step];
        }
        return s;
    }

    /** Plane {@code (img, ch)} of {@code x} into the interior of the zero-bordered buffer. */
    private static void loadPadded(Tensor x, int img, int ch, ConvGeometry g, double[] in,
            double[] row) {
        CpuStorage s = ElementwiseKernels.storage(x);
        int wp = g.w() + 2 * g.pw();
        int base = x.offset() + img * x.stride(0) + ch * x.stride(1);
        for (int iy = 0; iy < g.h(); iy++) {
            ElementwiseKernels.load(s, base + iy * x.stride(2), x.stride(3), row, g.w());
            System.arraycopy(row, 0, in, (iy + g.ph()) * wp + g.pw(), g.w());
        }
    }

    /** Plane {@code (img, ch)} of a {@code (N, C, rows, cols)} tensor, row-major. */
    private static void loadPlane(Tensor t, int img, int ch, int rows, int cols, double[] dst,
            double[] row) {
        CpuStorage s = ElementwiseKernels.storage(t);
        int base = t.offset() + img * t.stride(0) + ch * t.stride(1);
        for (int y = 0; y < rows; y++) {
            ElementwiseKernels.load(s, base + y * t.stride(2), t.stride(3), row, cols);
            System.arraycopy(row, 0, dst, y * cols, cols);
        }
    }
}
