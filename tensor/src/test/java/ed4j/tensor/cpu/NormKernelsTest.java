package ed4j.tensor.cpu;

import static ed4j.tensor.cpu.KernelTestSupport.BACKEND;
import static ed4j.tensor.cpu.KernelTestSupport.assertClose;
import static ed4j.tensor.cpu.KernelTestSupport.assertSameBits;
import static ed4j.tensor.cpu.KernelTestSupport.random;
import static ed4j.tensor.cpu.KernelTestSupport.tensor;
import static ed4j.tensor.cpu.KernelTestSupport.tolerance;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
 * Layer normalisation against a two-pass double reference, PyTorch values and float64 finite
 * differences. Shapes: x seen as (R, D) with D the normalized trailing elements; mean, rstd (R).
 */
class NormKernelsTest {

    private static final double EPS = 1e-5;

    /** Input shape and the number of trailing dims normalized. */
    record Case(int[] shape, int normalizedDims) {
        int d() {
            int n = 1;
            for (int i = shape.length - normalizedDims; i < shape.length; i++) {
                n *= shape[i];
            }
            return n;
        }

        int rows() {
            return Shape.of(shape).numel() / d();
        }

        @Override
        public String toString() {
            return Shape.of(shape) + " over " + normalizedDims + " dim(s)";
        }
    }

    private static final Case[] CASES = {
        new Case(new int[] {1, 1}, 1),
        new Case(new int[] {7, 5}, 1),
        new Case(new int[] {33, 256}, 1),
        new Case(new int[] {3, 4, 6}, 2),
        new Case(new int[] {2, 3, 7}, 1),
    };

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Layout layout : Layout.values()) {
                for (Case c : CASES) {
                    for (int affine = 0; affine < 4; affine++) {
                        out.add(Arguments.of(dt, layout, c, (affine & 1) != 0, (affine & 2) != 0));
                    }
                }
            }
        }
        return out.stream();
    }

    // ---- naive reference ---------------------------------------------------------------------

    /** {y, mean, rstd} for rows of d values; null weight means ones, null bias zeros. */
    private static double[][] reference(double[] x, int d, double[] w, double[] b, double eps) {
        int rows = x.length / d;
        double[] y = new double[x.length];
        double[] mean = new double[rows];
        double[] rstd = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int j = 0; j < d; j++) {
                s += x[r * d + j];
            }
            double m = s / d;
            double v = 0;
            for (int j = 0; j < d; j++) {
                double t = x[r * d + j] - m;
                v += t * t;
            }
            double rs = 1.0 / Math.sqrt(v / d + eps);
            mean[r] = m;
            rstd[r] = rs;
            for (int j = 0; j < d; j++) {
                double t = (x[r * d + j] - m) * rs;
                y[r * d + j] = t * (w == null ? 1.0 : w[j]) + (b == null ? 0.0 : b[j]);
            }
        }
        return new double[][] {y, mean, rstd};
    }

    private static int[] trailing(Case k) {
        int[] s = new int[k.normalizedDims()];
        System.arraycopy(k.shape(), k.shape().length - s.length, s, 0, s.length);
        return s;
    }

    // ---- forward ------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} {1} {2} weight={3} bias={4}")
    @MethodSource("cases")
    void forwardMatchesTwoPassReference(DType dt, Layout layout, Case k, boolean hasW,
            boolean hasB) {
        Random rnd = new Random(31);
        Tensor x = random(BACKEND, rnd, dt, layout, k.shape());
        Tensor w = hasW ? random(BACKEND, rnd, dt, Layout.CONTIGUOUS, trailing(k)) : null;
        Tensor b = hasB ? random(BACKEND, rnd, dt, Layout.CONTIGUOUS, k.d()) : null;
        Tensor[] r = NormKernels.layerNorm(BACKEND, x, w, b, k.d(), EPS);
        double[][] ref = reference(x.toDoubleArray(), k.d(), hasW ? w.toDoubleArray() : null,
                hasB ? b.toDoubleArray() : null, EPS);
        assertEquals(x.shape(), r[0].shape());
        assertEquals(Shape.of(k.rows()), r[1].shape());
        assertEquals(Shape.of(k.rows()), r[2].shape());
        assertEquals(dt, r[1].dtype());
        String what = "layerNorm " + k + " " + layout;
        // A rounding error in the mean reaches y multiplied by rstd, which is 1/sqrt(eps) for the
        // constant rows of an expanded input.
        double maxRstd = 1.0;
        for (double v : ref[2]) {
            maxRstd = Math.max(maxRstd, v);
        }
        assertClose(what + " y", ref[0], r[0].toDoubleArray(), tolerance(dt) * maxRstd);
        assertClose(what + " mean", ref[1], r[1].toDoubleArray(), tolerance(dt));
        // rstd can be large (1/sqrt(eps) for constant rows): compare relative to itself.
        double[] rs = r[2].toDoubleArray();
        for (int i = 0; i < rs.length; i++) {
            assertEquals(ref[2][i], rs[i], tolerance(dt) * ref[2][i], what + " rstd " + i);
        }
    }

    @Test
    void largeCommonOffsetCancelsNoDigits() {
        // Rows of 1e4 + N(0, 1) in float32: E[x^2] - E[x]^2 in single precision would lose all
        // digits of the variance; the result must still match the double reference.
        Random rnd = new Random(32);
        double[] v = new double[64 * 512];
        for (int i = 0; i < v.length; i++) {
            v[i] = 1e4 + rnd.nextGaussian();
        }
        Tensor x = tensor(BACKEND, DType.FLOAT32, v, 64, 512);
        Tensor[] r = NormKernels.layerNorm(BACKEND, x, null, null, 512, EPS);
        double[][] ref = reference(x.toDoubleArray(), 512, null, null, EPS);
        assertClose("offset rows y", ref[0], r[0].toDoubleArray(), 2e-6);
        double[] rs = r[2].toDoubleArray();
        for (int i = 0; i < rs.length; i++) {
            assertEquals(ref[2][i], rs[i], 1e-6 * ref[2][i], "offset rows rstd " + i);
        }
    }

    /**
     * Values from {@code torch.native_layer_norm} and its backward in float64 with torch 1.13
     * (eps 1e-5); mean and rstd there have shape (2, 1).
     */
    @Test
    void matchesPytorchValues() {
        double[] x = {0.5, -1.25, 2.0, 0.75, 3.0, 10.0, 10.5, 9.75, 10.25, 11.0};
        double[] w = {1.5, -0.5, 0.25, 2.0, 1.0};
        double[] b = {0.0, 0.125, -1.0, 0.5, 2.0};
        double[] g = {1.0, -2.0, 0.5, 0.25, 3.0, 0.0, 1.0, -1.0, 2.0, 0.5};
        double[] y = {-0.5206563462833735, 0.9059845194250603, -0.8264478845722089,
            0.15289576914441766, 3.388416923422329, -1.0462004733880002, -0.10748899408622059,
            -1.3196723668685553, 0.2675110059137744, 3.627422958603549};
        double[] gx = {0.29127433171433026, 0.29545461746190793, -0.9643633173698012,
            -0.45311763236871444, 0.8307520005622774, -1.6022966549618363, -3.0003596265343195,
            -2.065710139606703, 7.579454107916339, -0.9110876868134796};
        double[] gw = {-0.34710423085558234, 3.5889160658726826, 1.625793698329803,
            -0.2758770229431734, 4.978962249568763};
        double[] gb = {1.0, -1.0, -0.5, 2.25, 3.5};
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor xt = tensor(BACKEND, dt, x, 2, 5);
            Tensor wt = tensor(BACKEND, dt, w, 5);
            Tensor[] r = NormKernels.layerNorm(BACKEND, xt, wt, tensor(BACKEND, dt, b, 5), 5, EPS);
            double tol = tolerance(dt);
            assertClose("torch y " + dt, y, r[0].toDoubleArray(), tol);
            assertClose("torch mean " + dt, new double[] {1.0, 10.3}, r[1].toDoubleArray(), tol);
            assertClose("torch rstd " + dt, new double[] {0.6942084617111647, 2.324889940862216},
                    r[2].toDoubleArray(), tol);
            Tensor[] grads = NormKernels.layerNormBackward(BACKEND, tensor(BACKEND, dt, g, 2, 5),
                    xt, r[1], r[2], wt, 5);
            // float32 keeps mean and rstd in float32, as torch does; that rounding reaches the
            // gradients, so they get a looser bound.
            double gtol = dt == DType.FLOAT32 ? 2e-5 : 1e-12;
            assertClose("torch gradInput " + dt, gx, grads[0].toDoubleArray(), gtol);
            assertClose("torch gradWeight " + dt, gw, grads[1].toDoubleArray(), gtol);
            assertClose("torch gradBias " + dt, gb, grads[2].toDoubleArray(), gtol);
        }
    }

    // ---- backward -----------------------------------------------------------------------------

    /** {@code sum(gOut * layerNorm(x, w, b))} in float64. */
    private static double objective(double[] x, int[] shape, int d, double[] w, double[] b,
            double[] gOut) {
        Tensor wt = w == null ? null : tensor(BACKEND, DType.FLOAT64, w, d);
        Tensor bt = b == null ? null : tensor(BACKEND, DType.FLOAT64, b, d);
        Tensor y = NormKernels.layerNorm(BACKEND, tensor(BACKEND, DType.FLOAT64, x, shape), wt, bt,
                d, EPS)[0];
        return KernelTestSupport.dot(y.toDoubleArray(), gOut);
    }

    /** Central differences of {@link #objective} with respect to every element of {@code p}. */
    private static double[] numericGradient(double[] p, java.util.function.DoubleSupplier f) {
        double h = 1e-6;
        double[] grad = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            double keep = p[i];
            p[i] = keep + h;
            double up = f.getAsDouble();
            p[i] = keep - h;
            double down = f.getAsDouble();
            p[i] = keep;
            grad[i] = (up - down) / (2 * h);
        }
        return grad;
    }

    @ParameterizedTest(name = "{0} weight={1}")
    @MethodSource("finiteDifferenceCases")
    void backwardMatchesFiniteDifferences(Case k, boolean hasWeight, Layout gradLayout) {
        Random rnd = new Random(33);
        int d = k.d();
        Tensor x0 = random(BACKEND, rnd, DType.FLOAT64, Layout.TRANSPOSED, k.shape());
        double[] x = x0.toDoubleArray();
        double[] w = hasWeight ? random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, d)
                .toDoubleArray() : null;
        double[] b = hasWeight ? random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, d)
                .toDoubleArray() : null;
        Tensor gOut = random(BACKEND, rnd, DType.FLOAT64, gradLayout, k.shape());
        double[] g = gOut.toDoubleArray();

        Tensor wt = hasWeight ? tensor(BACKEND, DType.FLOAT64, w, d) : null;
        Tensor bt = hasWeight ? tensor(BACKEND, DType.FLOAT64, b, d) : null;
        Tensor[] fwd = NormKernels.layerNorm(BACKEND, x0, wt, bt, d, EPS);
        Tensor[] grads = NormKernels.layerNormBackward(BACKEND, gOut, x0, fwd[1], fwd[2], wt, d);

        int[] shape = k.shape();
        double tol = 1e-6;
        assertClose("gradInput " + k, numericGradient(x, () -> objective(x, shape, d, w, b, g)),
                grads[0].toDoubleArray(), tol);
        if (hasWeight) {
            assertClose("gradWeight " + k,
                    numericGradient(w, () -> objective(x, shape, d, w, b, g)),
                    grads[1].toDoubleArray(), tol);
            assertClose("gradBias " + k,
                    numericGradient(b, () -> objective(x, shape, d, w, b, g)),
                    grads[2].toDoubleArray(), tol);
        } else {
            assertNull(grads[1]);
            assertNull(grads[2]);
        }
    }

    static Stream<Arguments> finiteDifferenceCases() {
        return Stream.of(
                Arguments.of(new Case(new int[] {3, 7}, 1), true, Layout.CONTIGUOUS),
                Arguments.of(new Case(new int[] {3, 7}, 1), false, Layout.NARROWED),
                Arguments.of(new Case(new int[] {2, 3, 4}, 2), true, Layout.TRANSPOSED),
                Arguments.of(new Case(new int[] {1, 1}, 1), true, Layout.CONTIGUOUS),
                Arguments.of(new Case(new int[] {5, 2}, 1), true, Layout.CONTIGUOUS));
    }

    @Test
    void float32BackwardAgreesWithFloat64() {
        Random rnd = new Random(34);
        Tensor x = random(BACKEND, rnd, DType.FLOAT32, Layout.CONTIGUOUS, 45, 65);
        Tensor w = random(BACKEND, rnd, DType.FLOAT32, Layout.CONTIGUOUS, 65);
        Tensor g = random(BACKEND, rnd, DType.FLOAT32, Layout.TRANSPOSED, 45, 65);
        Tensor[] f32 = NormKernels.layerNorm(BACKEND, x, w, null, 65, EPS);
        Tensor[] b32 = NormKernels.layerNormBackward(BACKEND, g, x, f32[1], f32[2], w, 65);
        Tensor x64 = x.to(DType.FLOAT64);
        Tensor w64 = w.to(DType.FLOAT64);
        Tensor[] f64 = NormKernels.layerNorm(BACKEND, x64, w64, null, 65, EPS);
        Tensor[] b64 = NormKernels.layerNormBackward(BACKEND, g.to(DType.FLOAT64), x64, f64[1],
                f64[2], w64, 65);
        for (int i = 0; i < 3; i++) {
            assertClose("float32 vs float64 gradient " + i, b64[i].toDoubleArray(),
                    b32[i].toDoubleArray(), 1e-5);
        }
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        CpuBackend one = KernelTestSupport.ONE_THREAD;
        CpuBackend many = KernelTestSupport.FIVE_THREADS;
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor[] in1 = inputs(one, dt);
            Tensor[] in2 = inputs(many, dt);
            Tensor[] f1 = NormKernels.layerNorm(one, in1[0], in1[1], in1[2], 64, EPS);
            Tensor[] f2 = NormKernels.layerNorm(many, in2[0], in2[1], in2[2], 64, EPS);
            for (int i = 0; i < 3; i++) {
                assertSameBits("layerNorm output " + i, f1[i], f2[i]);
            }
            Tensor[] g1 = NormKernels.layerNormBackward(one, in1[3], in1[0], f1[1], f1[2], in1[1],
                    64);
            Tensor[] g2 = NormKernels.layerNormBackward(many, in2[3], in2[0], f2[1], f2[2],
                    in2[1], 64);
            for (int i = 0; i < 3; i++) {
                assertSameBits("layerNorm gradient " + i, g1[i], g2[i]);
            }
        }
    }

    /** {x (1000, 64), weight (64), bias (64), gradOut (1000, 64)}: 63 blocks of 16 rows. */
    private static Tensor[] inputs(CpuBackend be, DType dt) {
        Random rnd = new Random(35);
        return new Tensor[] {
            random(be, rnd, dt, Layout.CONTIGUOUS, 1000, 64),
            random(be, rnd, dt, Layout.CONTIGUOUS, 64),
            random(be, rnd, dt, Layout.CONTIGUOUS, 64),
            random(be, rnd, dt, Layout.CONTIGUOUS, 1000, 64),
        };
    }
}
