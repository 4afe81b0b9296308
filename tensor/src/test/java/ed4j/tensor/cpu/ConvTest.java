package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * conv2d forward, input gradient and weight gradient against the naive double reference, on
 * every path (im2col, 1x1, depthwise), both dtypes, contiguous and strided operands.
 */
class ConvTest {

    private static final CpuBackend BE = CpuBackend.create(2);
    /** Relative to the sum of |terms|, as in GemmTest. */
    private static final double F32_TOL = 1e-5;
    private static final double F64_TOL = 1e-13;

    @AfterAll
    static void closePool() {
        BE.parallel().close();
    }

    /** (N, Cin, H, W, Cout, kH, kW, sH, sW, pH, pW, dH, dW, groups) and a name. */
    static Stream<Arguments> configs() {
        Object[][] cases = {
            {"3x3 pad 1", new int[] {1, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1}},
            {"stride 2 batch 2", new int[] {2, 4, 11, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1}},
            {"dilation 2", new int[] {1, 2, 9, 9, 3, 3, 3, 1, 1, 0, 0, 2, 2, 1}},
            {"groups 2", new int[] {2, 4, 8, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2}},
            {"depthwise", new int[] {2, 5, 9, 8, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5}},
            {"depthwise s2 d2", new int[] {1, 3, 11, 10, 3, 3, 3, 2, 2, 2, 2, 2, 2, 3}},
            {"1x1", new int[] {2, 5, 6, 7, 4, 1, 1, 1, 1, 0, 0, 1, 1, 1}},
            {"1x1 groups 3", new int[] {1, 6, 5, 4, 9, 1, 1, 1, 1, 0, 0, 1, 1, 3}},
            {"1x1 stride 2", new int[] {1, 3, 7, 7, 2, 1, 1, 2, 2, 0, 0, 1, 1, 1}},
            {"7x7 s2 p3", new int[] {1, 3, 15, 13, 4, 7, 7, 2, 2, 3, 3, 1, 1, 1}},
            {"odd 2x3", new int[] {3, 3, 5, 13, 2, 2, 3, 2, 1, 0, 1, 1, 2, 1}},
            {"many channels", new int[] {1, 64, 12, 12, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1}},
            {"tiled columns", new int[] {1, 32, 96, 96, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1}},
            {"winograd batch", new int[] {2, 16, 10, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1}},
        };
        List<Arguments> list = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Object[] c : cases) {
                list.add(Arguments.of(c[0], c[1], dtype));
            }
        }
        return list.stream();
    }

    private static Conv2dParams params(int[] c) {
        return new Conv2dParams(c[7], c[8], c[9], c[10], c[11], c[12], c[13]);
    }

    private static double tol(DType dtype) {
        return dtype == DType.FLOAT32 ? F32_TOL : F64_TOL;
    }

    /** {@code t} as a strided view: stored channels-last and permuted back to (N, C, H, W). */
    private static Tensor channelsLast(Tensor t) {
        return t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("configs")
    void forwardMatchesReference(String name, int[] c, DType dtype) {
        Generator gen = new Generator(name.hashCode());
        Tensor x = Naive.uniform(gen, dtype, c[0], c[1], c[2], c[3]);
        Tensor w = Naive.uniform(gen, dtype, c[4], c[1] / c[13], c[5], c[6]);
        Tensor b = Naive.uniform(gen, dtype, c[4]);
        Shape outShape = Shape.of(c[0], c[4], ConvReference.outH(c), ConvReference.outW(c));
        double[][] ref = ConvReference.forward(c, x.toDoubleArray(), w.toDoubleArray(),
                b.toDoubleArray());
        Naive.assertClose(name + " forward", outShape, ref[0], ref[1],
                BE.conv2d(x, w, b, params(c)), tol(dtype));
        // A strided input and a transposed-then-restored weight take the same result.
        Tensor wStrided = w.permute(1, 0, 3, 2).contiguous().permute(1, 0, 3, 2);
        Naive.assertClose(name + " forward, strided input", outShape, ref[0], ref[1],
                BE.conv2d(channelsLast(x), wStrided, b, params(c)), tol(dtype));
        double[][] noBias = ConvReference.forward(c, x.toDoubleArray(), w.toDoubleArray(), null);
        Naive.assertClose(name + " forward, no bias", outShape, noBias[0], noBias[1],
                BE.conv2d(x, w, null, params(c)), tol(dtype));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("configs")
    void backwardInputMatchesAdjoint(String name, int[] c, DType dtype) {
        Generator gen = new Generator(name.hashCode() + 1);
        Tensor w = Naive.uniform(gen, dtype, c[4], c[1] / c[13], c[5], c[6]);
        Tensor gy = Naive.uniform(gen, dtype, c[0], c[4], ConvReference.outH(c),
                ConvReference.outW(c));
        Shape inShape = Shape.of(c[0], c[1], c[2], c[3]);
        double[][] ref = ConvReference.backwardInput(c, gy.toDoubleArray(), w.toDoubleArray());
        Naive.assertClose(name + " grad input", inShape, ref[0], ref[1],
                BE.conv2dBackwardInput(gy, w, inShape, params(c)), tol(dtype));
        Naive.assertClose(name + " grad input, strided gradOut", inShape, ref[0], ref[1],
                BE.conv2dBackwardInput(channelsLast(gy), w, inShape, params(c)), tol(dtype));
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("configs")
    void backwardWeightMatchesAdjoint(String name, int[] c, DType dtype) {
        Generator gen = new Generator(name.hashCode() + 2);
        Tensor x = Naive.uniform(gen, dtype, c[0], c[1], c[2], c[3]);
        Tensor gy = Naive.uniform(gen, dtype, c[0], c[4], ConvReference.outH(c),
                ConvReference.outW(c));
        Shape wShape = Shape.of(c[4], c[1] / c[13], c[5], c[6]);
        double[][] ref = ConvReference.backwardWeight(c, gy.toDoubleArray(), x.toDoubleArray());
        Naive.assertClose(name + " grad weight", wShape, ref[0], ref[1],
                BE.conv2dBackwardWeight(gy, x, wShape, params(c)), tol(dtype));
        Naive.assertClose(name + " grad weight, strided operands", wShape, ref[0], ref[1],
                BE.conv2dBackwardWeight(channelsLast(gy), channelsLast(x), wShape, params(c)),
                tol(dtype));
    }

    /**
     * The fused epilogue gives the values of conv2d, add and relu one after the other, bit for
     * bit, on every path (Winograd, im2col, 1x1, depthwise) and with a strided residual.
     */
    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("configs")
    void fusedEpilogueEqualsTheOpsInTurn(String name, int[] c, DType dtype) {
        Generator gen = new Generator(name.hashCode() + 3);
        Tensor x = Naive.uniform(gen, dtype, c[0], c[1], c[2], c[3]);
        Tensor w = Naive.uniform(gen, dtype, c[4], c[1] / c[13], c[5], c[6]);
        Tensor b = Naive.uniform(gen, dtype, c[4]);
        Tensor res = Naive.uniform(gen, dtype, c[0], c[4], ConvReference.outH(c),
                ConvReference.outW(c));
        Tensor conv = BE.conv2d(x, w, b, params(c));
        Tensor sum = BE.binary(ed4j.tensor.BinaryOp.ADD, conv, res);
        assertSameValues(name + " +res relu", BE.unary(ed4j.tensor.UnaryOp.RELU, sum),
                BE.conv2d(x, w, b, params(c), res, true));
        assertSameValues(name + " +res", sum, BE.conv2d(x, w, b, params(c), res, false));
        assertSameValues(name + " +strided res relu", BE.unary(ed4j.tensor.UnaryOp.RELU, sum),
                BE.conv2d(x, w, b, params(c), channelsLast(res), true));
        Tensor plain = BE.conv2d(x, w, null, params(c));
        assertSameValues(name + " relu", BE.unary(ed4j.tensor.UnaryOp.RELU, plain),
                BE.conv2d(x, w, null, params(c), null, true));
        assertSameValues(name + " nothing", plain, BE.conv2d(x, w, null, params(c), null, false));
    }

    private static void assertSameValues(String what, Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape().toArray(), actual.shape().toArray(), what);
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), what);
    }

    @Test
    void residualOfAnotherShapeIsRejected() {
        Tensor x = Tensor.zeros(Shape.of(1, 2, 5, 5), DType.FLOAT32);
        Tensor w = Tensor.zeros(Shape.of(3, 2, 3, 3), DType.FLOAT32);
        Tensor res = Tensor.zeros(Shape.of(1, 3, 5, 4), DType.FLOAT32);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> x.conv2d(w, null, new Conv2dParams(1, 1, 1, 1, 1, 1, 1), res, true));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("(1, 3, 5, 5)"),
                e.getMessage());
    }

    @Test
    void expandedGradOutIsReadThroughZeroStrides() {
        // The gradient of sum(conv(x)) is a ones tensor expanded from a scalar.
        int[] c = {2, 4, 6, 5, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2};
        Generator gen = new Generator(77);
        Tensor x = Naive.uniform(gen, DType.FLOAT64, 2, 4, 6, 5);
        Tensor w = Naive.uniform(gen, DType.FLOAT64, 6, 2, 3, 3);
        Tensor ones = Tensor.ones(Shape.of(1, 1, 1, 1), DType.FLOAT64).expand(2, 6, 6, 5);
        double[] gyDense = Tensor.ones(Shape.of(2, 6, 6, 5), DType.FLOAT64).toDoubleArray();
        double[][] gx = ConvReference.backwardInput(c, gyDense, w.toDoubleArray());
        Naive.assertClose("grad input", Shape.of(2, 4, 6, 5), gx[0], gx[1],
                BE.conv2dBackwardInput(ones, w, Shape.of(2, 4, 6, 5), params(c)), F64_TOL);
        double[][] gw = ConvReference.backwardWeight(c, gyDense, x.toDoubleArray());
        Naive.assertClose("grad weight", Shape.of(6, 2, 3, 3), gw[0], gw[1],
                BE.conv2dBackwardWeight(ones, x, Shape.of(6, 2, 3, 3), params(c)), F64_TOL);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        // Central differences of L = sum(conv(x, w) * gy) in float64, independent of the
        // reference adjoints.
        int[] c = {2, 4, 7, 6, 6, 3, 2, 2, 1, 1, 1, 2, 1, 2};
        Conv2dParams p = params(c);
        Generator gen = new Generator(5);
        Tensor x = Naive.uniform(gen, DType.FLOAT64, 2, 4, 7, 6);
        Tensor w = Naive.uniform(gen, DType.FLOAT64, 6, 2, 3, 2);
        Tensor gy = Naive.uniform(gen, DType.FLOAT64, 2, 6, ConvReference.outH(c),
                ConvReference.outW(c));
        double[] gx = BE.conv2dBackwardInput(gy, w, x.shape(), p).toDoubleArray();
        double[] gw = BE.conv2dBackwardWeight(gy, x, w.shape(), p).toDoubleArray();
        double eps = 1e-6;
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < xs.length; i += 7) {
            double numeric = (loss(xs, x.shape().toArray(), i, eps, w, gy, p, true)
                    - loss(xs, x.shape().toArray(), i, -eps, w, gy, p, true)) / (2 * eps);
            assertEquals(numeric, gx[i], 1e-5 + 1e-3 * Math.abs(numeric), "d/dx[" + i + "]");
        }
        double[] ws = w.toDoubleArray();
        for (int i = 0; i < ws.length; i += 3) {
            double numeric = (loss(ws, w.shape().toArray(), i, eps, x, gy, p, false)
                    - loss(ws, w.shape().toArray(), i, -eps, x, gy, p, false)) / (2 * eps);
            assertEquals(numeric, gw[i], 1e-5 + 1e-3 * Math.abs(numeric), "d/dw[" + i + "]");
        }
    }

    /**
     * {@code sum(conv * gy)} with element {@code i} of x (or of w, of shape {@code shape}) moved
     * by {@code delta}; {@code other} is the operand that stays.
     */
    private static double loss(double[] values, int[] shape, int i, double delta, Tensor other,
            Tensor gy, Conv2dParams p, boolean movingInput) {
        double[] v = values.clone();
        v[i] += delta;
        Tensor moved = Tensor.of(v, shape);
        Tensor out = movingInput ? BE.conv2d(moved, other, null, p)
                : BE.conv2d(other, moved, null, p);
        double[] o = out.toDoubleArray();
        double[] g = gy.toDoubleArray();
        double s = 0;
        for (int j = 0; j < o.length; j++) {
            s += o[j] * g[j];
        }
        return s;
    }

    /**
     * Depthwise convolutions of channels-last float32 operands (a token sequence viewed as a
     * grid) take the channels-last loops, return channels-last results, and give the same bits
     * on any thread count; their values are checked against the reference above.
     */
    @Test
    void channelsLastDepthwiseStaysChannelsLastOnAnyThreadCount() {
        int[] c = {2, 70, 6, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 70};
        Generator gen = new Generator(81);
        Tensor x = channelsLast(Naive.uniform(gen, DType.FLOAT32, 2, 70, 6, 5));
        Tensor w = Naive.uniform(gen, DType.FLOAT32, 70, 1, 3, 3);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, 70);
        Tensor gy = channelsLast(Naive.uniform(gen, DType.FLOAT32, 2, 70, 6, 5));
        CpuBackend one = KernelTestSupport.ONE_THREAD;
        CpuBackend five = KernelTestSupport.FIVE_THREADS;
        Tensor y = five.conv2d(x, w, b, params(c));
        Tensor gx = five.conv2dBackwardInput(gy, w, x.shape(), params(c));
        assertEquals(1, y.stride(1), "forward output is channels-last");
        assertEquals(1, gx.stride(1), "input gradient is channels-last");
        assertArrayEquals(one.conv2d(x, w, b, params(c)).toFloatArray(), y.toFloatArray());
        assertArrayEquals(one.conv2dBackwardInput(gy, w, x.shape(), params(c)).toFloatArray(),
                gx.toFloatArray());
        // 70 channels: a full block of 64 and a partial one.
        assertArrayEquals(one.conv2dBackwardWeight(gy, x, w.shape(), params(c)).toFloatArray(),
                five.conv2dBackwardWeight(gy, x, w.shape(), params(c)).toFloatArray());
        TensorCompare.assertClose("forward against the plane-by-plane loops", y,
                BE.conv2d(x.contiguous(), w, b, params(c)), 1e-5, 1e-5);
    }

    @Test
    void threadCountDoesNotChangeResults() {
        int[] c = {3, 16, 20, 20, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1};
        Generator gen = new Generator(8);
        Tensor x = Naive.uniform(gen, DType.FLOAT32, 3, 16, 20, 20);
        Tensor w = Naive.uniform(gen, DType.FLOAT32, 24, 16, 3, 3);
        Tensor gy = Naive.uniform(gen, DType.FLOAT32, 3, 24, 20, 20);
        CpuBackend one = CpuBackend.create(1);
        try {
            assertArrayEquals(one.conv2d(x, w, null, params(c)).toFloatArray(),
                    BE.conv2d(x, w, null, params(c)).toFloatArray(), "forward");
            assertArrayEquals(one.conv2dBackwardInput(gy, w, x.shape(), params(c))
                    .toFloatArray(), BE.conv2dBackwardInput(gy, w, x.shape(), params(c))
                    .toFloatArray(), "grad input");
            assertArrayEquals(one.conv2dBackwardWeight(gy, x, w.shape(), params(c))
                    .toFloatArray(), BE.conv2dBackwardWeight(gy, x, w.shape(), params(c))
                    .toFloatArray(), "grad weight");
        } finally {
            one.parallel().close();
        }
    }
}
