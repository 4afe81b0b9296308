package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The direct path for inputs with few channels against the naive double reference: strides 1 to
 * 3 (one to three phases), rectangular kernels and strides, paddings up to the kernel's half,
 * rows with vector tails, strided operands, the epilogue, and the same bits on any thread count
 * and with the plain loops.
 */
class DirectConvTest {

    private static final CpuBackend ONE = KernelTestSupport.ONE_THREAD;
    private static final CpuBackend FIVE = KernelTestSupport.FIVE_THREADS;
    /** Relative to the sum of |terms|, as in ConvTest. */
    private static final double TOL = 1e-5;

    private static Conv2dParams params(int[] c) {
        return new Conv2dParams(c[7], c[8], c[9], c[10], c[11], c[12], c[13]);
    }

    private static float[] run(CpuBackend be, int[] c, Tensor x, Tensor w, Tensor b,
            float[] residual, boolean relu, DirectConvLoops loops) {
        ConvGeometry g = ConvGeometry.of(x.shape(), w.shape(), params(c));
        assertTrue(DirectConv.applies(g), Arrays.toString(c));
        float[] out = new float[c[0] * c[4] * g.oh() * g.ow()];
        Arrays.fill(out, Float.NaN);
        DirectConv.forward(be.parallel(), g, x, w, b == null ? null : b.toDoubleArray(), out,
                residual, 0, relu, loops);
        return out;
    }

    @ParameterizedTest(name = "N={0} Cin={1} {2}x{3} Cout={4} k {5}x{6} s {7},{8} pad {9},{10}")
    @CsvSource({
        "2, 3, 37, 81, 8, 7, 7, 2, 2, 3, 3",
        "1, 1, 20, 19, 4, 3, 3, 1, 1, 1, 1",
        "2, 4, 17, 70, 12, 5, 5, 3, 3, 2, 2",
        "1, 2, 16, 40, 4, 1, 1, 2, 2, 0, 0",
        "1, 3, 9, 48, 8, 3, 5, 2, 1, 0, 2",
        "3, 3, 11, 34, 4, 4, 2, 1, 2, 1, 1",
        "1, 3, 64, 64, 16, 7, 7, 2, 2, 3, 3",
    })
    void matchesReference(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw,
            int ph, int pw) {
        int[] c = {n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, 1, 1, 1};
        Generator gen = new Generator(31L * n + 7L * cin + h + 3L * w + kh + sw + pw);
        Tensor x = Naive.uniform(gen, DType.FLOAT32, n, cin, h, w);
        Tensor wt = Naive.uniform(gen, DType.FLOAT32, cout, cin, kh, kw);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, cout);
        Shape outShape = Shape.of(n, cout, ConvReference.outH(c), ConvReference.outW(c));
        double[][] ref = ConvReference.forward(c, x.toDoubleArray(), wt.toDoubleArray(),
                b.toDoubleArray());
        String what = "direct " + Arrays.toString(c);
        DirectConvLoops loops = DirectConvLoops.INSTANCE;
        // The tests run with the incubator module: the plain loops below are a real comparison.
        assertTrue(loops instanceof DirectConvLoopsVector, "the vector loops are not in use");
        float[] one = run(ONE, c, x, wt, b, null, false, loops);
        Naive.assertClose(what, outShape, ref[0], ref[1], Tensor.of(one, outShape.toArray()),
                TOL);
        // Any thread count gives the same bits; so do the plain loops.
        assertArrayEquals(one, run(FIVE, c, x, wt, b, null, false, loops), what + ", 5 threads");
        assertArrayEquals(one, run(FIVE, c, x, wt, b, null, false, new DirectConvLoops.Plain()),
                what + ", plain loops");
        // Strided operands: channels-last input, a weight stored transposed.
        Tensor xs = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        Tensor ws = wt.permute(1, 0, 3, 2).contiguous().permute(1, 0, 3, 2);
        assertArrayEquals(one, run(FIVE, c, xs, ws, b, null, false, loops), what + ", strided");
        double[][] noBias = ConvReference.forward(c, x.toDoubleArray(), wt.toDoubleArray(), null);
        Naive.assertClose(what + ", no bias", outShape, noBias[0], noBias[1],
                Tensor.of(run(ONE, c, x, wt, null, null, false, loops), outShape.toArray()), TOL);
        // The epilogue: the residual added after the bias, then the ReLU, in float.
        float[] res = Naive.uniform(gen, DType.FLOAT32, one.length).toFloatArray();
        float[] expected = new float[one.length];
        for (int i = 0; i < one.length; i++) {
            expected[i] = Math.max(one[i] + res[i], 0f);
        }
        assertArrayEquals(expected, run(FIVE, c, x, wt, b, res, true, loops),
                what + ", residual and ReLU");
    }

    @Test
    void conv2dTakesThePathOnlyWhereItApplies() {
        Shape x = Shape.of(1, 3, 32, 32);
        Conv2dParams stem = new Conv2dParams(2, 2, 3, 3, 1, 1, 1);
        assertTrue(DirectConv.applies(ConvGeometry.of(x, Shape.of(64, 3, 7, 7), stem)));
        assertFalse(DirectConv.applies(ConvGeometry.of(Shape.of(1, 5, 32, 32),
                Shape.of(64, 5, 7, 7), stem)), "5 input channels");
        assertFalse(DirectConv.applies(ConvGeometry.of(x, Shape.of(62, 3, 7, 7), stem)),
                "62 output channels");
        assertFalse(DirectConv.applies(ConvGeometry.of(Shape.of(1, 3, 16, 16),
                Shape.of(64, 3, 7, 7), stem)), "8 outputs per row");
        assertFalse(DirectConv.applies(ConvGeometry.of(x, Shape.of(64, 3, 7, 7),
                new Conv2dParams(2, 2, 3, 3, 2, 2, 1))), "dilation 2");
        assertFalse(DirectConv.applies(ConvGeometry.of(Shape.of(1, 4, 32, 32),
                Shape.of(8, 2, 3, 3), new Conv2dParams(1, 1, 1, 1, 1, 1, 2))), "groups 2");
        assertFalse(DirectConv.applies(ConvGeometry.of(x, Shape.of(64, 3, 1, 1),
                new Conv2dParams(1, 1, 0, 0, 1, 1, 1))), "pointwise");
    }

    @Test
    void conv2dAgreesWithIm2colClosely() {
        int[] c = {2, 3, 40, 40, 64, 7, 7, 2, 2, 3, 3, 1, 1, 1};
        Generator gen = new Generator(9);
        Tensor x = Naive.uniform(gen, DType.FLOAT32, 2, 3, 40, 40);
        Tensor w = Naive.uniform(gen, DType.FLOAT32, 64, 3, 7, 7);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, 64);
        DirectConvLoops was = ConvKernels.direct;
        Counting counting = new Counting();
        ConvKernels.direct = counting;
        try {
            Tensor fast = FIVE.conv2d(x, w, b, params(c));
            // 64 channels in fours, 20 output rows, 2 images.
            assertEquals(16 * 20 * 2, counting.calls.get(), "micro-kernel calls");
            ConvKernels.direct = null;
            Tensor gemm = FIVE.conv2d(x, w, b, params(c));
            assertEquals(16 * 20 * 2, counting.calls.get(), "im2col took the direct path");
            double[] ref = ConvReference.forward(c, x.toDoubleArray(), w.toDoubleArray(),
                    b.toDoubleArray())[1];
            double[] f = fast.toDoubleArray();
            double[] d = gemm.toDoubleArray();
            for (int i = 0; i < f.length; i++) {
                assertTrue(Math.abs(f[i] - d[i]) <= TOL * ref[i], "element " + i);
            }
        } finally {
            ConvKernels.direct = was;
        }
    }

    /** The plain loops, counting their calls. */
    private static final class Counting extends DirectConvLoops {
        final AtomicInteger calls = new AtomicInteger();
        private final DirectConvLoops plain = new DirectConvLoops.Plain();

        @Override
        void block(float[] in, int base, int[] tapOff, float[] w, int wOff, int n, float[] out,
                int o, int plane) {
            calls.incrementAndGet();
            plain.block(in, base, tapOff, w, wOff, n, out, o, plane);
        }
    }
}
