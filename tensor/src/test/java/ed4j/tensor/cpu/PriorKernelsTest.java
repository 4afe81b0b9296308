package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import org.junit.jupiter.api.Test;

/**
 * The float32 path of the prior-divergence kernel (float32 lanes, prior rounded once) against
 * its float64 path on the same values, which the model's tests check against finite differences
 * and the composite of elementary ops: a 16 x 16 grid, as the model runs it, and a 3 x 5 grid
 * whose rows end in tails shorter than a vector; the same bits on any thread count.
 */
class PriorKernelsTest {

    private static final double EPS = 1e-4;

    @Test
    void float32MatchesFloat64OnAModelSizedGrid() {
        check(16, 16, 2, 21);
    }

    @Test
    void float32MatchesFloat64WithVectorTails() {
        check(3, 5, 3, 22);
    }

    @Test
    void testsRunOnTheVectorRows() {
        assertTrue(PriorRows.INSTANCE.vectorized(),
                "surefire runs with --add-modules jdk.incubator.vector");
    }

    @Test
    void plainAndVectorRowsAgree() {
        Generator gen = new Generator(23);
        int n = 37;
        float[] a = softmaxRow(gen, n + 2);
        float[] p = softmaxRow(gen, n);
        float[] la = new float[n];
        float[] lp = new float[n];
        for (int j = 0; j < n; j++) {
            la[j] = (float) Math.log(a[j + 2] + EPS);
            lp[j] = (float) Math.log(p[j] + EPS);
        }
        float[] g = {0.3f, -1.1f, 0.7f, 2.0f, -0.4f, 9f};
        PriorRows plain = new PriorRows.Plain();
        float[] gaV = new float[n + 1];
        float[] gaP = new float[n + 1];
        float[] gpV = new float[n];
        float[] gpP = new float[n];
        double dotV = PriorRows.INSTANCE.gradients(a, 2, p, la, lp, n, (float) EPS, g, 0, gaV, 1,
                gpV);
        double dotP = plain.gradients(a, 2, p, la, lp, n, (float) EPS, g, 0, gaP, 1, gpP);
        // Elementwise the two evaluate the same float32 expressions; only the sums differ.
        assertArrayEquals(gaP, gaV);
        assertArrayEquals(gpP, gpV);
        assertEquals(dotP, dotV, 1e-6);
        double[] tV = new double[3];
        double[] tP = new double[3];
        PriorRows.INSTANCE.terms(a, 2, p, la, lp, n, tV);
        plain.terms(a, 2, p, la, lp, n, tP);
        assertArrayEquals(tP, tV, 1e-5);
    }

    private static float[] softmaxRow(Generator gen, int n) {
        double[] e = new double[n];
        double s = 0;
        for (int j = 0; j < n; j++) {
            e[j] = Math.exp(3 * gen.nextGaussian());
            s += e[j];
        }
        float[] r = new float[n];
        for (int j = 0; j < n; j++) {
            r[j] = (float) (e[j] / s);
        }
        return r;
    }

    private static void check(int gridH, int gridW, int heads, long seed) {
        Generator gen = new Generator(seed);
        int l = gridH * gridW;
        // Peaked and flat rows, as trained attention has both.
        Tensor attn32 = Tensor.randn(gen, Shape.of(2, heads, l, l), DType.FLOAT64).mul(3.0)
                .softmax(-1).to(DType.FLOAT32);
        Tensor attn64 = attn32.to(DType.FLOAT64);
        Tensor a = Tensor.rand(gen, Shape.of(2, heads, l), DType.FLOAT64).mul(1.5).add(0.02);
        Tensor b = Tensor.rand(gen, Shape.of(2, heads, l), DType.FLOAT64).mul(1.5).add(0.02);
        Tensor a32 = a.to(DType.FLOAT32);
        Tensor b32 = b.to(DType.FLOAT32);
        a = a32.to(DType.FLOAT64);
        b = b32.to(DType.FLOAT64);
        Tensor gradOut = Tensor.randn(gen, Shape.of(2, heads, l, 5), DType.FLOAT32);

        CpuBackend be = KernelTestSupport.FIVE_THREADS;
        Tensor out32 = PriorKernels.forward(be, attn32, a32, b32, gridW, EPS);
        Tensor out64 = PriorKernels.forward(be, attn64, a, b, gridW, EPS);
        assertEquals(DType.FLOAT32, out32.dtype());
        // Terms of a few units, each a sum of l products rounded to float32.
        TensorCompare.assertClose("divergences", out32.to(DType.FLOAT64), out64, 2e-5, 1e-5);

        Tensor[] g32 = PriorKernels.backward(be, gradOut, attn32, a32, b32, gridW, EPS);
        Tensor[] g64 = PriorKernels.backward(be, gradOut.to(DType.FLOAT64), attn64, a, b, gridW,
                EPS);
        assertEquals(DType.FLOAT32, g32[0].dtype());
        assertEquals(DType.FLOAT32, g32[1].dtype());
        // p / (a + eps) reaches 1e4 where the attention is near zero: relative tolerance.
        TensorCompare.assertClose("gradient of the attention", g32[0].to(DType.FLOAT64), g64[0],
                1e-5, 1e-5);
        for (int k = 1; k <= 2; k++) {
            // The width gradients sum terms of both signs; compare against their own scale.
            double scale = g64[k].abs().max().item();
            TensorCompare.assertClose("gradient of width " + k, g32[k].to(DType.FLOAT64), g64[k],
                    2e-5 * scale, 1e-4);
        }

        CpuBackend one = KernelTestSupport.ONE_THREAD;
        assertArrayEquals(out32.toFloatArray(),
                PriorKernels.forward(one, attn32, a32, b32, gridW, EPS).toFloatArray());
        Tensor[] g1 = PriorKernels.backward(one, gradOut, attn32, a32, b32, gridW, EPS);
        for (int k = 0; k < 3; k++) {
            assertArrayEquals(g32[k].toFloatArray(), g1[k].toFloatArray(), "output " + k);
        }
    }
}
