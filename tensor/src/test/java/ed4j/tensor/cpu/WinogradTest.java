package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Winograd F(2x2, 3x3) path against the naive double reference: odd and even output sizes
 * (partial tiles), paddings 0 to 2, chunks that cut through images or the batch as one chunk,
 * strided operands, and the same bits on any thread count.
 */
class WinogradTest {

    private static final CpuBackend ONE = KernelTestSupport.ONE_THREAD;
    private static final CpuBackend FIVE = KernelTestSupport.FIVE_THREADS;
    /** Relative to the sum of |terms|, as in ConvTest. */
    private static final double TOL = 1e-5;

    private static int[] config(int n, int cin, int h, int w, int cout, int pad) {
        return new int[] {n, cin, h, w, cout, 3, 3, 1, 1, pad, pad, 1, 1, 1};
    }

    private static Conv2dParams params(int[] c) {
        return new Conv2dParams(c[7], c[8], c[9], c[10], c[11], c[12], c[13]);
    }

    /** Chunked with {@code chunkFloats} per chunk, or the batch as one chunk when 0. */
    private static float[] run(CpuBackend be, int[] c, Tensor x, Tensor w, Tensor b,
            int chunkFloats) {
        return run(be, c, x, w, b, chunkFloats, GemmKernel.defaultKernel());
    }

    private static float[] run(CpuBackend be, int[] c, Tensor x, Tensor w, Tensor b,
            int chunkFloats, GemmKernel kernel) {
        ConvGeometry g = ConvGeometry.of(x.shape(), w.shape(), params(c));
        float[] out = new float[c[0] * c[4] * g.oh() * g.ow()];
        Arrays.fill(out, Float.NaN);
        Winograd.forward(be.parallel(), g, x, w, b == null ? null : b.toDoubleArray(), out,
                Winograd.Epilogue.NONE, Math.max(chunkFloats, 1),
                chunkFloats == 0 ? Integer.MAX_VALUE : 0, kernel.implementation());
        return out;
    }

    @ParameterizedTest(name = "N={0} Cin={1} {2}x{3} Cout={4} pad {5} chunk floats {6}")
    @CsvSource({
        "1, 16, 8, 8, 16, 1, 524288",
        "2, 16, 9, 11, 20, 1, 524288",
        "1, 24, 7, 6, 16, 0, 524288",
        "2, 16, 5, 9, 17, 2, 524288",
        "3, 17, 7, 9, 16, 1, 4096",
        "2, 32, 13, 10, 24, 1, 8192",
        "1, 16, 3, 3, 16, 0, 524288",
        "2, 16, 1, 2, 16, 1, 4096",
        "2, 16, 9, 11, 20, 1, 0",
        "3, 17, 7, 9, 16, 1, 0",
        "1, 24, 7, 6, 16, 0, 0",
    })
    void matchesReference(int n, int cin, int h, int w, int cout, int pad, int chunk) {
        int[] c = config(n, cin, h, w, cout, pad);
        Generator gen = new Generator(31L * n + 7L * cin + h + 3L * w + pad + chunk);
        Tensor x = Naive.uniform(gen, DType.FLOAT32, n, cin, h, w);
        Tensor wt = Naive.uniform(gen, DType.FLOAT32, cout, cin, 3, 3);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, cout);
        Shape outShape = Shape.of(n, cout, ConvReference.outH(c), ConvReference.outW(c));
        double[][] ref = ConvReference.forward(c, x.toDoubleArray(), wt.toDoubleArray(),
                b.toDoubleArray());
        String what = "winograd " + Arrays.toString(c) + " chunk " + chunk;
        float[] one = run(ONE, c, x, wt, b, chunk);
        Naive.assertClose(what, outShape, ref[0], ref[1], Tensor.of(one, outShape.toArray()), TOL);
        // Any thread count gives the same bits.
        assertArrayEquals(one, run(FIVE, c, x, wt, b, chunk), what + ", 5 threads");
        // So does any cut into chunks: each tile's sums run the same way.
        assertArrayEquals(one, run(FIVE, c, x, wt, b, chunk == 0 ? 4096 : 0),
                what + ", rechunked");
        // And the other micro-kernel (its panels and strips differ; its sums do not).
        assertArrayEquals(one, run(FIVE, c, x, wt, b, chunk, GemmKernel.PLAIN),
                what + ", plain kernel");
        // Strided operands: channels-last input, a weight stored transposed.
        Tensor xs = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        Tensor ws = wt.permute(1, 0, 3, 2).contiguous().permute(1, 0, 3, 2);
        assertArrayEquals(one, run(FIVE, c, xs, ws, b, chunk), what + ", strided");
        double[][] noBias = ConvReference.forward(c, x.toDoubleArray(), wt.toDoubleArray(), null);
        Naive.assertClose(what + ", no bias", outShape, noBias[0], noBias[1],
                Tensor.of(run(ONE, c, x, wt, null, chunk), outShape.toArray()), TOL);
    }

    @Test
    void vectorLoopsMatchPlainLoopsBitForBit() {
        WinogradLoops plain = new WinogradLoops.Plain();
        WinogradLoops fast = new WinogradLoopsVector();
        Random rnd = new Random(3);
        for (int span : new int[] {1, 7, 16, 33, 100}) {
            int pitch = 9;
            float[] ev = randomFloats(rnd, span + pitch);
            float[] od = randomFloats(rnd, span + pitch);
            float[][] a = new float[4][span];
            float[][] b = new float[4][span];
            plain.columns(ev, od, span, pitch, a[0], a[1], a[2], a[3]);
            fast.columns(ev, od, span, pitch, b[0], b[1], b[2], b[3]);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a[i], b[i], "columns " + i + ", span " + span);
            }
            int plane = span + 5;
            float[] va = new float[3 + 4 * plane];
            float[] vb = new float[3 + 4 * plane];
            plain.rows(ev, od, span, va, 3, plane);
            fast.rows(ev, od, span, vb, 3, plane);
            assertArrayEquals(va, vb, "rows, span " + span);
            float[] m = randomFloats(rnd, 2 + 16 * plane);
            float[][] ya = new float[4][span];
            float[][] yb = new float[4][span];
            plain.outputs(m, 2, plane, span, 0.25f, ya[0], ya[1], ya[2], ya[3]);
            fast.outputs(m, 2, plane, span, 0.25f, yb[0], yb[1], yb[2], yb[3]);
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(ya[i], yb[i], "outputs " + i + ", span " + span);
            }
        }
    }

    private static float[] randomFloats(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    @Test
    void conv2dTakesThePathOnlyWhereItApplies() {
        Shape x = Shape.of(1, 16, 8, 8);
        assertTrue(Winograd.applies(ConvGeometry.of(x, Shape.of(16, 16, 3, 3),
                new Conv2dParams(1, 1, 1, 1, 1, 1, 1))));
        assertFalse(Winograd.applies(ConvGeometry.of(x, Shape.of(16, 16, 3, 3),
                new Conv2dParams(2, 2, 1, 1, 1, 1, 1))), "stride 2");
        assertFalse(Winograd.applies(ConvGeometry.of(x, Shape.of(16, 16, 3, 3),
                new Conv2dParams(1, 1, 2, 2, 2, 2, 1))), "dilation 2");
        assertFalse(Winograd.applies(ConvGeometry.of(x, Shape.of(16, 8, 3, 3),
                new Conv2dParams(1, 1, 1, 1, 1, 1, 2))), "groups 2");
        assertFalse(Winograd.applies(ConvGeometry.of(x, Shape.of(16, 16, 5, 5),
                new Conv2dParams(1, 1, 2, 2, 1, 1, 1))), "5x5");
        assertFalse(Winograd.applies(ConvGeometry.of(Shape.of(1, 3, 8, 8), Shape.of(16, 3, 3, 3),
                new Conv2dParams(1, 1, 1, 1, 1, 1, 1))), "3 input channels");
        // Few tiles against many channels: the filter transform would not pay.
        Conv2dParams same = new Conv2dParams(1, 1, 1, 1, 1, 1, 1);
        assertTrue(Winograd.applies(ConvGeometry.of(Shape.of(1, 256, 16, 16),
                Shape.of(256, 256, 3, 3), same)), "64 tiles, 256 channels");
        assertFalse(Winograd.applies(ConvGeometry.of(Shape.of(1, 512, 16, 16),
                Shape.of(512, 512, 3, 3), same)), "64 tiles, 512 channels");
        assertTrue(Winograd.applies(ConvGeometry.of(Shape.of(2, 512, 16, 16),
                Shape.of(512, 512, 3, 3), same)), "128 tiles, 512 channels");
    }

    @Test
    void conv2dAgreesWithIm2colClosely() {
        int[] c = config(2, 64, 12, 12, 64, 1);
        Generator gen = new Generator(5);
        Tensor x = Naive.uniform(gen, DType.FLOAT32, 2, 64, 12, 12);
        Tensor w = Naive.uniform(gen, DType.FLOAT32, 64, 64, 3, 3);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, 64);
        Tensor fast = FIVE.conv2d(x, w, b, params(c));
        boolean was = ConvKernels.winograd;
        ConvKernels.winograd = false;
        try {
            Tensor direct = FIVE.conv2d(x, w, b, params(c));
            double[] ref = ConvReference.forward(c, x.toDoubleArray(), w.toDoubleArray(),
                    b.toDoubleArray())[1];
            double[] f = fast.toDoubleArray();
            double[] d = direct.toDoubleArray();
            boolean differs = false;
            for (int i = 0; i < f.length; i++) {
                assertTrue(Math.abs(f[i] - d[i]) <= TOL * ref[i], "element " + i);
                differs |= f[i] != d[i];
            }
            // The switch does change the path: the roundings differ somewhere.
            assertTrue(differs, "conv2d did not take the Winograd path");
        } finally {
            ConvKernels.winograd = was;
        }
    }
}
