package ed4j.tensor.cpu;

import static ed4j.tensor.cpu.KernelTestSupport.BACKEND;
import static ed4j.tensor.cpu.KernelTestSupport.assertAdjoint;
import static ed4j.tensor.cpu.KernelTestSupport.assertClose;
import static ed4j.tensor.cpu.KernelTestSupport.assertSameBits;
import static ed4j.tensor.cpu.KernelTestSupport.random;
import static ed4j.tensor.cpu.KernelTestSupport.tensor;
import static ed4j.tensor.cpu.KernelTestSupport.tolerance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Pool2dParams;
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
 * Pooling kernels against naive window loops. Shapes: input (N, C, H, W), output (N, C, OH, OW).
 */
class PoolKernelsTest {

    /** One pooling geometry on an input of shape (n, c, h, w). */
    record Case(int n, int c, int h, int w, Pool2dParams p) {
        @Override
        public String toString() {
            return n + "x" + c + "x" + h + "x" + w + " k" + p.kernelH() + "x" + p.kernelW() + " s"
                    + p.strideH() + "," + p.strideW() + " p" + p.padH() + "," + p.padW()
                    + (p.countIncludePad() ? " incl" : " excl");
        }
    }

    private static final Case[] CASES = {
        new Case(1, 1, 1, 1, Pool2dParams.of(1, 1, 0)),
        // ED's smoothing: AvgPool2d(3, stride 1, padding 1).
        new Case(2, 3, 7, 5, Pool2dParams.of(3, 1, 1)),
        new Case(2, 3, 7, 5, new Pool2dParams(3, 3, 1, 1, 1, 1, false)),
        // ResNet's stem: 3x3, stride 2, padding 1.
        new Case(2, 3, 45, 65, Pool2dParams.of(3, 2, 1)),
        new Case(1, 2, 7, 5, new Pool2dParams(2, 3, 1, 2, 1, 1, false)),
        new Case(3, 2, 16, 16, new Pool2dParams(4, 4, 3, 3, 2, 2, false)),
    };

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Layout layout : Layout.values()) {
                for (Case c : CASES) {
                    out.add(Arguments.of(dt, layout, c));
                }
            }
        }
        return out.stream();
    }

    // ---- naive references ------------------------------------------------------------------

    private static double[] avgPoolReference(double[] x, Case k) {
        Pool2dParams p = k.p();
        int oh = p.outH(k.h());
        int ow = p.outW(k.w());
        double[] out = new double[k.n() * k.c() * oh * ow];
        int o = 0;
        for (int plane = 0; plane < k.n() * k.c(); plane++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double sum = 0;
                    int inside = 0;
                    for (int a = 0; a < p.kernelH(); a++) {
                        for (int b = 0; b < p.kernelW(); b++) {
                            int r = i * p.strideH() - p.padH() + a;
                            int c = j * p.strideW() - p.padW() + b;
                            if (r >= 0 && r < k.h() && c >= 0 && c < k.w()) {
                                sum += x[(plane * k.h() + r) * k.w() + c];
                                inside++;
                            }
                        }
                    }
                    int div = p.countIncludePad() ? p.kernelH() * p.kernelW() : inside;
                    out[o++] = sum / div;
                }
            }
        }
        return out;
    }

    /** Each output gradient divided by its window's divisor and added to the window. */
    private static double[] avgPoolBackwardReference(double[] g, Case k) {
        Pool2dParams p = k.p();
        int oh = p.outH(k.h());
        int ow = p.outW(k.w());
        double[] gx = new double[k.n() * k.c() * k.h() * k.w()];
        for (int plane = 0; plane < k.n() * k.c(); plane++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    int r0 = i * p.strideH() - p.padH();
                    int c0 = j * p.strideW() - p.padW();
                    int rows = Math.min(r0 + p.kernelH(), k.h()) - Math.max(r0, 0);
                    int cols = Math.min(c0 + p.kernelW(), k.w()) - Math.max(c0, 0);
                    int div = p.countIncludePad() ? p.kernelH() * p.kernelW() : rows * cols;
                    double share = g[(plane * oh + i) * ow + j] / div;
                    for (int r = Math.max(r0, 0); r < Math.min(r0 + p.kernelH(), k.h()); r++) {
                        for (int c = Math.max(c0, 0); c < Math.min(c0 + p.kernelW(), k.w()); c++) {
                            gx[(plane * k.h() + r) * k.w() + c] += share;
                        }
                    }
                }
            }
        }
        return gx;
    }

    /** Values and flat in-plane indices of the window maxima, scanning rows then columns. */
    private static Object[] maxPoolReference(double[] x, Case k) {
        Pool2dParams p = k.p();
        int oh = p.outH(k.h());
        int ow = p.outW(k.w());
        double[] vals = new double[k.n() * k.c() * oh * ow];
        long[] idx = new long[vals.length];
        int o = 0;
        for (int plane = 0; plane < k.n() * k.c(); plane++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double best = Double.NEGATIVE_INFINITY;
                    long at = -1;
                    for (int a = 0; a < p.kernelH(); a++) {
                        for (int b = 0; b < p.kernelW(); b++) {
                            int r = i * p.strideH() - p.padH() + a;
                            int c = j * p.strideW() - p.padW() + b;
                            if (r < 0 || r >= k.h() || c < 0 || c >= k.w()) {
                                continue;
                            }
                            double v = x[(plane * k.h() + r) * k.w() + c];
                            if (at < 0 || v > best || Double.isNaN(v)) {
                                best = v;
                                at = (long) r * k.w() + c;
                            }
                        }
                    }
                    vals[o] = best;
                    idx[o++] = at;
                }
            }
        }
        return new Object[] {vals, idx};
    }

    private static Tensor gradOut(Random rnd, DType dt, Layout layout, Case k) {
        int oh = k.p().outH(k.h());
        int ow = k.p().outW(k.w());
        // An expanded gradient would repeat along C; keep the other layouts for it.
        Layout l = layout == Layout.EXPANDED ? Layout.TRANSPOSED : layout;
        return random(BACKEND, rnd, dt, l, k.n(), k.c(), oh, ow);
    }

    // ---- average pooling --------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void avgPoolMatchesWindowLoops(DType dt, Layout layout, Case k) {
        Random rnd = new Random(11);
        Tensor x = random(BACKEND, rnd, dt, layout, k.n(), k.c(), k.h(), k.w());
        Tensor y = PoolKernels.avgPool2d(BACKEND, x, k.p());
        assertEquals(Shape.of(k.n(), k.c(), k.p().outH(k.h()), k.p().outW(k.w())), y.shape());
        assertEquals(dt, y.dtype());
        assertTrue(y.isContiguous());
        assertClose("avgPool2d " + k, avgPoolReference(x.toDoubleArray(), k), y.toDoubleArray(),
                tolerance(dt));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void avgPoolBackwardIsTheAdjoint(DType dt, Layout layout, Case k) {
        Random rnd = new Random(12);
        Tensor g = gradOut(rnd, dt, layout, k);
        Shape in = Shape.of(k.n(), k.c(), k.h(), k.w());
        Tensor gx = PoolKernels.avgPool2dBackward(BACKEND, g, in, k.p());
        assertEquals(in, gx.shape());
        assertClose("avgPool2d backward " + k, avgPoolBackwardReference(g.toDoubleArray(), k),
                gx.toDoubleArray(), tolerance(dt));
        // <backward(g), v> = <g, avgPool(v)> for any v.
        Tensor v = random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, k.n(), k.c(), k.h(),
                k.w());
        Tensor g64 = g.to(DType.FLOAT64);
        assertAdjoint("avgPool2d " + k,
                PoolKernels.avgPool2dBackward(BACKEND, g64, in, k.p()).toDoubleArray(),
                v.toDoubleArray(), g64.toDoubleArray(),
                PoolKernels.avgPool2d(BACKEND, v, k.p()).toDoubleArray(), 1e-12);
    }

    @Test
    void edSmoothingDividesByNineEverywhere() {
        Tensor x = tensor(BACKEND, DType.FLOAT32, new double[] {9, 9, 9, 9}, 1, 1, 2, 2);
        Tensor y = PoolKernels.avgPool2d(BACKEND, x, Pool2dParams.of(3, 1, 1));
        // Each 3x3 window around a 2x2 input holds all four 9s and five padding zeros.
        assertArrayEquals(new float[] {4, 4, 4, 4}, y.toFloatArray());
        Tensor excl = PoolKernels.avgPool2d(BACKEND, x, new Pool2dParams(3, 3, 1, 1, 1, 1, false));
        assertArrayEquals(new float[] {9, 9, 9, 9}, excl.toFloatArray());
    }

    // ---- max pooling ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void maxPoolMatchesWindowScan(DType dt, Layout layout, Case k) {
        Random rnd = new Random(13);
        Tensor x = random(BACKEND, rnd, dt, layout, k.n(), k.c(), k.h(), k.w());
        Tensor[] r = PoolKernels.maxPool2d(BACKEND, x, k.p());
        Object[] ref = maxPoolReference(x.toDoubleArray(), k);
        assertEquals(DType.INT64, r[1].dtype());
        assertEquals(r[0].shape(), r[1].shape());
        assertClose("maxPool2d values " + k, (double[]) ref[0], r[0].toDoubleArray(), 0.0);
        assertArrayEquals((long[]) ref[1], r[1].toLongArray(), "maxPool2d indices " + k);
        assertSameValues("values only " + k, x, k.p());
    }

    /** maxPool2dValues gives maxPool2d's values bit for bit (NaNs compared as NaN). */
    private static void assertSameValues(String what, Tensor x, Pool2dParams p) {
        Tensor full = PoolKernels.maxPool2d(BACKEND, x, p)[0];
        Tensor only = PoolKernels.maxPool2dValues(BACKEND, x, p);
        assertEquals(full.shape(), only.shape(), what);
        assertEquals(full.dtype(), only.dtype(), what);
        double[] a = full.toDoubleArray();
        double[] b = only.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Double.doubleToLongBits(a[i]), Double.doubleToLongBits(b[i]),
                    what + ": element " + i + " " + a[i] + " vs " + b[i]);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void maxPoolBackwardSendsEachGradientToItsIndex(DType dt, Layout layout, Case k) {
        Random rnd = new Random(14);
        Tensor x = random(BACKEND, rnd, dt, Layout.CONTIGUOUS, k.n(), k.c(), k.h(), k.w());
        Tensor idx = PoolKernels.maxPool2d(BACKEND, x, k.p())[1];
        Tensor g = gradOut(rnd, dt, layout, k);
        Shape in = x.shape();
        Tensor gx = PoolKernels.maxPool2dBackward(BACKEND, g, idx, in);
        double[] ref = new double[in.numel()];
        double[] gv = g.toDoubleArray();
        long[] iv = idx.toLongArray();
        int per = k.p().outH(k.h()) * k.p().outW(k.w());
        for (int o = 0; o < gv.length; o++) {
            ref[(o / per) * k.h() * k.w() + (int) iv[o]] += gv[o];
        }
        assertClose("maxPool2d backward " + k, ref, gx.toDoubleArray(), tolerance(dt));
        // The backward is the adjoint of reading the input at the saved indices.
        Tensor v = random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, k.n(), k.c(), k.h(),
                k.w());
        double[] vv = v.toDoubleArray();
        double[] picked = new double[gv.length];
        for (int o = 0; o < gv.length; o++) {
            picked[o] = vv[(o / per) * k.h() * k.w() + (int) iv[o]];
        }
        Tensor g64 = g.to(DType.FLOAT64);
        assertAdjoint("maxPool2d " + k,
                PoolKernels.maxPool2dBackward(BACKEND, g64, idx, in).toDoubleArray(), vv,
                g64.toDoubleArray(), picked, 1e-12);
    }

    /** A plane with ties: 3 appears in many windows, and 1 fills the last row. */
    private static final double[] TIES = {
        1, 3, 3, 2, 3,
        3, 0, 3, 1, 1,
        2, 3, 1, 3, 0,
        1, 1, 1, 1, 1,
    };

    @Test
    void tiesKeepTheFirstMaximumLikePytorch() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = tensor(BACKEND, dt, TIES, 1, 1, 4, 5);
            // Indices from torch.nn.functional.max_pool2d(..., return_indices=True), torch 1.13.
            assertArrayEquals(
                    new long[] {1, 1, 1, 2, 4, 1, 1, 1, 2, 4, 5, 5, 7, 7, 13, 11, 11, 11, 13, 13},
                    PoolKernels.maxPool2d(BACKEND, x, Pool2dParams.of(3, 1, 1))[1].toLongArray());
            Tensor[] r = PoolKernels.maxPool2d(BACKEND, x, Pool2dParams.of(2, 2, 1));
            assertArrayEquals(new long[] {0, 1, 4, 5, 7, 13, 15, 16, 18}, r[1].toLongArray());
            assertArrayEquals(new double[] {1, 3, 3, 3, 3, 3, 1, 1, 1}, r[0].toDoubleArray());
            assertArrayEquals(new long[] {1, 1, 4, 5, 7, 13},
                    PoolKernels.maxPool2d(BACKEND, x, Pool2dParams.of(3, 2, 1))[1].toLongArray());
            // Outputs sharing an index add their gradients there.
            Tensor idx = PoolKernels.maxPool2d(BACKEND, x, Pool2dParams.of(3, 1, 1))[1];
            Tensor ones = tensor(BACKEND, dt, filled(20, 1.0), 1, 1, 4, 5);
            double[] gx = PoolKernels.maxPool2dBackward(BACKEND, ones, idx, x.shape())
                    .toDoubleArray();
            assertEquals(6.0, gx[1]);
            assertEquals(2.0, gx[2]);
            assertEquals(0.0, gx[0]);
            for (Pool2dParams p : new Pool2dParams[] {Pool2dParams.of(3, 1, 1),
                    Pool2dParams.of(2, 2, 1), Pool2dParams.of(3, 2, 1)}) {
                assertSameValues("ties " + p, x, p);
            }
        }
    }

    @Test
    void nanIsTheMaximumAndPaddingIsNegativeInfinity() {
        double[] v = TIES.clone();
        v[6] = Double.NaN;
        v[8] = Double.NaN;
        Tensor x = tensor(BACKEND, DType.FLOAT32, v, 1, 1, 4, 5);
        Tensor[] r = PoolKernels.maxPool2d(BACKEND, x, Pool2dParams.of(3, 1, 1));
        // torch 1.13: a NaN in the window is the maximum, and the last NaN scanned holds the index.
        assertArrayEquals(
                new long[] {6, 6, 8, 8, 8, 6, 6, 8, 8, 8, 6, 6, 8, 8, 8, 11, 11, 11, 13, 13},
                r[1].toLongArray());
        double[] vals = r[0].toDoubleArray();
        for (int i = 0; i < 15; i++) {
            assertTrue(Double.isNaN(vals[i]), "output " + i + " should be NaN");
        }
        assertEquals(3.0, vals[15]);
        Tensor neg = tensor(BACKEND, DType.FLOAT64, filled(12, -5.0), 1, 1, 3, 4);
        double[] m = PoolKernels.maxPool2d(BACKEND, neg, Pool2dParams.of(3, 2, 1))[0]
                .toDoubleArray();
        assertArrayEquals(new double[] {-5, -5, -5, -5}, m);
        Tensor inf =
                tensor(BACKEND, DType.FLOAT64, filled(9, Double.NEGATIVE_INFINITY), 1, 1, 3, 3);
        Tensor[] ri = PoolKernels.maxPool2d(BACKEND, inf, Pool2dParams.of(3, 1, 1));
        // All -inf: the first element inside the window is reported, as in torch.
        assertArrayEquals(new long[] {0, 0, 1, 0, 0, 1, 3, 3, 4}, ri[1].toLongArray());
        assertSameValues("NaN", x, Pool2dParams.of(3, 1, 1));
        assertSameValues("NaN, stride 2", x, Pool2dParams.of(2, 2, 1));
        assertSameValues("-inf", inf.to(DType.FLOAT32), Pool2dParams.of(3, 1, 1));
    }

    @Test
    void signedZerosKeepTheFirstLikePytorch() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x = tensor(BACKEND, dt, new double[] {-0.0, 0.0, -1.0, 0.0, -0.0, -2.0},
                    1, 1, 2, 3);
            Tensor[] r = PoolKernels.maxPool2d(BACKEND, x, new Pool2dParams(2, 2, 1, 1, 0, 0,
                    true));
            // torch 1.13 gives values [-0., 0.] at indices [0, 1].
            assertArrayEquals(new long[] {0, 1}, r[1].toLongArray());
            double[] v = r[0].toDoubleArray();
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(v[0]));
            assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(v[1]));
            double[] only = PoolKernels.maxPool2dValues(BACKEND, x, new Pool2dParams(2, 2, 1, 1,
                    0, 0, true)).toDoubleArray();
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(only[0]));
            assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(only[1]));
        }
    }

    // ---- determinism ------------------------------------------------------------------------

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        CpuBackend one = KernelTestSupport.ONE_THREAD;
        CpuBackend many = KernelTestSupport.FIVE_THREADS;
        Pool2dParams p = Pool2dParams.of(3, 1, 1);
        Pool2dParams m = Pool2dParams.of(3, 2, 1);
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor x1 = random(one, new Random(3), dt, Layout.TRANSPOSED, 4, 100, 16, 16);
            Tensor x2 = random(many, new Random(3), dt, Layout.TRANSPOSED, 4, 100, 16, 16);
            assertSameBits("avgPool2d", PoolKernels.avgPool2d(one, x1, p),
                    PoolKernels.avgPool2d(many, x2, p));
            assertSameBits("avgPool2d backward",
                    PoolKernels.avgPool2dBackward(one, x1, x1.shape(), p),
                    PoolKernels.avgPool2dBackward(many, x2, x2.shape(), p));
            Tensor[] r1 = PoolKernels.maxPool2d(one, x1, m);
            Tensor[] r2 = PoolKernels.maxPool2d(many, x2, m);
            assertSameBits("maxPool2d", r1[0], r2[0]);
            assertSameBits("maxPool2d backward",
                    PoolKernels.maxPool2dBackward(one, r1[0], r1[1], x1.shape()),
                    PoolKernels.maxPool2dBackward(many, r2[0], r2[1], x2.shape()));
        }
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
