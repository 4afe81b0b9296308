package ed4j.tensor.cpu;

import static ed4j.tensor.cpu.KernelTestSupport.BACKEND;
import static ed4j.tensor.cpu.KernelTestSupport.assertAdjoint;
import static ed4j.tensor.cpu.KernelTestSupport.assertClose;
import static ed4j.tensor.cpu.KernelTestSupport.assertSameBits;
import static ed4j.tensor.cpu.KernelTestSupport.random;
import static ed4j.tensor.cpu.KernelTestSupport.tensor;
import static ed4j.tensor.cpu.KernelTestSupport.tolerance;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.cpu.KernelTestSupport.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bilinear resampling against a per-pixel four-tap formula and PyTorch values. Shapes: input
 * (N, C, H, W), output (N, C, OH, OW).
 */
class ResampleKernelsTest {

    /** Resampling of (n, c, h, w) to (oh, ow). */
    record Case(int n, int c, int h, int w, int oh, int ow, boolean alignCorners) {
        @Override
        public String toString() {
            return n + "x" + c + "x" + h + "x" + w + "->" + oh + "x" + ow + " align="
                    + alignCorners;
        }
    }

    private static final int[][] SIZES = {
        {7, 5, 16, 13}, // upscale
        {16, 16, 5, 7}, // downscale
        {9, 6, 9, 6}, // same size
        {7, 5, 1, 1}, // output of one pixel
        {1, 1, 4, 3}, // input of one pixel
        {45, 65, 7, 9},
        {3, 4, 5, 4}, // one axis kept
    };

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Layout layout : Layout.values()) {
                for (int[] s : SIZES) {
                    for (boolean ac : new boolean[] {false, true}) {
                        out.add(Arguments.of(dt, layout, new Case(2, 3, s[0], s[1], s[2], s[3],
                                ac)));
                    }
                }
            }
        }
        return out.stream();
    }

    // ---- naive reference ---------------------------------------------------------------------

    /**
     * PyTorch 1.13's source coordinate of output position {@code d}. Torch divides the sizes in
     * the tensor's own precision, so for float32 the scale is a rounded float; with an exact
     * scale float32 results would move by up to about 3e-6 on a 45-pixel axis.
     */
    private static double source(int d, int in, int out, boolean alignCorners, DType dt) {
        if (in == out) {
            return d;
        }
        if (alignCorners) {
            return out == 1 ? 0.0 : d * ratio(in - 1, out - 1, dt);
        }
        return Math.max((d + 0.5) * ratio(in, out, dt) - 0.5, 0.0);
    }

    private static double ratio(int a, int b, DType dt) {
        double r = (double) a / b;
        return dt == DType.FLOAT32 ? (double) (float) r : r;
    }

    /**
     * Calls {@code tap} with (output index, input index, weight) for the four taps of every output
     * pixel of one plane.
     */
    private static void taps(Case k, DType dt, TapConsumer tap) {
        for (int i = 0; i < k.oh(); i++) {
            double sy = source(i, k.h(), k.oh(), k.alignCorners(), dt);
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(y0 + 1, k.h() - 1);
            double fy = sy - y0;
            for (int j = 0; j < k.ow(); j++) {
                double sx = source(j, k.w(), k.ow(), k.alignCorners(), dt);
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(x0 + 1, k.w() - 1);
                double fx = sx - x0;
                int o = i * k.ow() + j;
                tap.accept(o, y0 * k.w() + x0, (1 - fy) * (1 - fx));
                tap.accept(o, y0 * k.w() + x1, (1 - fy) * fx);
                tap.accept(o, y1 * k.w() + x0, fy * (1 - fx));
                tap.accept(o, y1 * k.w() + x1, fy * fx);
            }
        }
    }

    @FunctionalInterface
    private interface TapConsumer {
        void accept(int out, int in, double weight);
    }

    private static double[] reference(double[] x, Case k, DType dt) {
        int planes = k.n() * k.c();
        int in = k.h() * k.w();
        int out = k.oh() * k.ow();
        double[] y = new double[planes * out];
        for (int p = 0; p < planes; p++) {
            int pi = p * in;
            int po = p * out;
            taps(k, dt, (o, i, wt) -> y[po + o] += wt * x[pi + i]);
        }
        return y;
    }

    private static double[] backwardReference(double[] g, Case k, DType dt) {
        int planes = k.n() * k.c();
        int in = k.h() * k.w();
        int out = k.oh() * k.ow();
        double[] gx = new double[planes * in];
        for (int p = 0; p < planes; p++) {
            int pi = p * in;
            int po = p * out;
            taps(k, dt, (o, i, wt) -> gx[pi + i] += wt * g[po + o]);
        }
        return gx;
    }

    // ---- tests ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void forwardMatchesFourTapFormula(DType dt, Layout layout, Case k) {
        Tensor x = random(BACKEND, new Random(21), dt, layout, k.n(), k.c(), k.h(), k.w());
        Tensor y = ResampleKernels.bilinear(BACKEND, x, k.oh(), k.ow(), k.alignCorners());
        assertEquals(Shape.of(k.n(), k.c(), k.oh(), k.ow()), y.shape());
        assertEquals(dt, y.dtype());
        assertClose("bilinear " + k, reference(x.toDoubleArray(), k, dt), y.toDoubleArray(),
                tolerance(dt));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void backwardIsTheAdjoint(DType dt, Layout layout, Case k) {
        Random rnd = new Random(22);
        Layout gl = layout == Layout.EXPANDED ? Layout.NARROWED : layout;
        Tensor g = random(BACKEND, rnd, dt, gl, k.n(), k.c(), k.oh(), k.ow());
        Shape in = Shape.of(k.n(), k.c(), k.h(), k.w());
        Tensor gx = ResampleKernels.bilinearBackward(BACKEND, g, in, k.alignCorners());
        assertEquals(in, gx.shape());
        assertClose("bilinear backward " + k, backwardReference(g.toDoubleArray(), k, dt),
                gx.toDoubleArray(), tolerance(dt));
        Tensor v = random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, k.n(), k.c(), k.h(),
                k.w());
        Tensor g64 = g.to(DType.FLOAT64);
        assertAdjoint("bilinear " + k,
                ResampleKernels.bilinearBackward(BACKEND, g64, in, k.alignCorners())
                        .toDoubleArray(),
                v.toDoubleArray(), g64.toDoubleArray(),
                ResampleKernels.bilinear(BACKEND, v, k.oh(), k.ow(), k.alignCorners())
                        .toDoubleArray(),
                1e-12);
    }

    /** A 3x4 plane (exact in float32), with one bump at (1, 2). */
    private static final double[] PLANE = {
        -1.0, -0.75, -0.5, -0.25,
        0.0, 0.25, 3.5, 0.75,
        1.0, 1.25, 1.5, 1.75,
    };

    /**
     * Values from {@code torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners)}
     * in float64 with torch 1.13, and the input gradient for the upstream gradient
     * {@code 0.5 * arange(OH * OW) - 1}.
     */
    private static final Object[][] PYTORCH = {
        {5, 3, false,
            new double[] {-0.9583333333333334, -0.625, -0.29166666666666674, -0.5583333333333333,
                0.3749999999999999, 0.30833333333333357, 0.04166666666666666, 1.875,
                1.2083333333333341, 0.6416666666666665, 1.5750000000000002, 1.5083333333333335,
                1.0416666666666667, 1.375, 1.708333333333333},
            new double[] {-0.5833333333333333, -0.0666666666666666, 0.20000000000000032,
                0.7499999999999998, 3.000000000000001, 2.85, 3.150000000000002,
                4.499999999999999, 5.916666666666666, 5.133333333333333, 5.400000000000002,
                7.2499999999999964}},
        {5, 3, true,
            new double[] {-1.0, -0.625, -0.25, -0.5, 0.625, 0.25, 0.0, 1.875, 0.75, 0.5, 1.625,
                1.25, 1.0, 1.375, 1.75},
            new double[] {-0.75, 0.0, 0.0, 0.75, 4.0, 2.5, 2.5, 6.0, 6.75, 3.75, 3.75, 8.25}},
        {2, 7, false,
            new double[] {-0.75, -0.6607142857142857, -0.5178571428571429, 0.0,
                0.4642857142857144, 0.17857142857142863, 0.0, 0.75, 0.8392857142857143,
                0.9821428571428572, 1.5, 1.9642857142857144, 1.6785714285714286, 1.5},
            new double[] {-0.9910714285714286, 0.0535714285714286, 1.285714285714286,
                2.276785714285714, 0.8392857142857144, 1.5982142857142856, 2.4196428571428577,
                3.0178571428571423, 3.5089285714285716, 4.741071428571429, 5.9732142857142865,
                6.7767857142857135}},
        {2, 7, true,
            new double[] {-1.0, -0.875, -0.75, -0.625, -0.5, -0.375, -0.25, 1.0, 1.125, 1.25,
                1.375, 1.5, 1.625, 1.75},
            new double[] {-1.25, 0.0, 2.0, 2.75, 0.0, 0.0, 0.0, 0.0, 4.0, 7.0, 9.0, 8.0}},
        {1, 1, false,
            new double[] {1.875},
            new double[] {0, 0, 0, 0, 0, -0.5, -0.5, 0, 0, 0, 0, 0}},
        {1, 1, true,
            new double[] {-1.0},
            new double[] {-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
    };

    @Test
    void matchesPytorchValues() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = tensor(BACKEND, dt, PLANE, 1, 1, 3, 4);
            for (Object[] c : PYTORCH) {
                int oh = (int) c[0];
                int ow = (int) c[1];
                boolean ac = (boolean) c[2];
                String what = "3x4->" + oh + "x" + ow + " align=" + ac + " " + dt;
                Tensor y = ResampleKernels.bilinear(BACKEND, x, oh, ow, ac);
                assertClose(what, (double[]) c[3], y.toDoubleArray(), tolerance(dt));
                double[] g = new double[oh * ow];
                for (int i = 0; i < g.length; i++) {
                    g[i] = 0.5 * i - 1;
                }
                Tensor gx = ResampleKernels.bilinearBackward(BACKEND,
                        tensor(BACKEND, dt, g, 1, 1, oh, ow), x.shape(), ac);
                assertClose(what + " backward", (double[]) c[4], gx.toDoubleArray(),
                        tolerance(dt));
            }
        }
    }

    @Test
    void sameSizeIsTheIdentity() {
        for (boolean ac : new boolean[] {false, true}) {
            Tensor x = random(BACKEND, new Random(5), DType.FLOAT32, Layout.NARROWED, 2, 2, 7, 5);
            Tensor y = ResampleKernels.bilinear(BACKEND, x, 7, 5, ac);
            assertClose("identity", x.toDoubleArray(), y.toDoubleArray(), 0.0);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        CpuBackend one = KernelTestSupport.ONE_THREAD;
        CpuBackend many = KernelTestSupport.FIVE_THREADS;
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (boolean ac : new boolean[] {false, true}) {
                Tensor x1 = random(one, new Random(4), dt, Layout.TRANSPOSED, 2, 64, 23, 17);
                Tensor x2 = random(many, new Random(4), dt, Layout.TRANSPOSED, 2, 64, 23, 17);
                Tensor y1 = ResampleKernels.bilinear(one, x1, 40, 33, ac);
                Tensor y2 = ResampleKernels.bilinear(many, x2, 40, 33, ac);
                assertSameBits("bilinear", y1, y2);
                assertSameBits("bilinear backward",
                        ResampleKernels.bilinearBackward(one, y1, x1.shape(), ac),
                        ResampleKernels.bilinearBackward(many, y2, x2.shape(), ac));
            }
        }
    }
}
