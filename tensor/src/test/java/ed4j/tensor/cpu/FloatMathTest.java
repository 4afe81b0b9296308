package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Generator;
import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The vector implementation of {@link FloatMath} (the tests run with the incubator module) and
 * the scalar fallback agree within a few float32 ulps, over ordinary and extreme arguments.
 */
class FloatMathTest {

    private static final FloatMath SCALAR = new FloatMath.Scalar();

    @Test
    void testsRunOnTheVectorImplementation() {
        assertTrue(FloatMath.INSTANCE.vectorized(),
                "surefire runs with --add-modules jdk.incubator.vector");
    }

    @Test
    void vectorAndScalarAgree() {
        Generator g = new Generator(5);
        int n = 1003;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) ((g.nextDouble() - 0.5) * 60);
        }
        x[0] = 0f;
        x[1] = -88f;
        x[2] = 88f;
        x[3] = Float.NaN;
        float[] pos = new float[n];
        for (int i = 0; i < n; i++) {
            pos[i] = (float) Math.exp((g.nextDouble() - 0.5) * 40);
        }
        pos[0] = 0f;
        check("exp", x, (m, y) -> m.exp(x, 0, 1.5f, y, 0, n));
        check("log", pos, (m, y) -> m.log(pos, 0, 1e-4f, y, 0, n));
        check("tanh", x, (m, y) -> m.tanh(x, 0, y, 0, n));
        check("sigmoid", x, (m, y) -> m.sigmoid(x, 0, y, 0, n));
    }

    @Test
    void geluIsWithinTwoTenthsOfAMillionthOfTheExactOne() {
        float[] x = new float[4001];
        for (int i = 0; i < x.length; i++) {
            x[i] = -10f + i * 0.005f;
        }
        for (FloatMath m : new FloatMath[] {FloatMath.INSTANCE, SCALAR}) {
            float[] g = new float[x.length];
            float[] d = new float[x.length];
            m.gelu(x, 0, g, 0, x.length);
            m.geluDerivative(x, 0, d, 0, x.length);
            for (int i = 0; i < x.length; i++) {
                double exactPhi = SpecialFunctions.normalCdf(x[i]);
                // Phi to 1e-7, so GELU = x Phi to |x| 1e-7 plus float rounding.
                double tolG = 1e-7 * Math.max(1, Math.abs(x[i])) + Math.ulp(g[i]);
                assertEquals(x[i] * exactPhi, g[i], tolG, "gelu(" + x[i] + ")");
                assertEquals(SpecialFunctions.geluDerivative(x[i]), d[i], 2e-7 + 2 * Math.ulp(d[i]),
                        "gelu'(" + x[i] + ")");
            }
        }
    }

    @Test
    void adamStepsAgreeBitForBitWithTheScalarLoop() {
        Generator gen = new Generator(9);
        int n = 1003;
        float[][] start = new float[4][n + 5];
        for (float[] a : start) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) gen.nextGaussian();
            }
        }
        for (int i = 0; i < start[3].length; i++) {
            start[3][i] = Math.abs(start[3][i]) * 1e-3f; // v >= 0
        }
        FloatMath.AdamCoefficients c = new FloatMath.AdamCoefficients(0.9f, 0.1f, 0.999f,
                0.001f, 0.01f, 1e-3f / 0.1f, 0.0316f, 1e-8f);
        float[][] vec = copy(start);
        float[][] sca = copy(start);
        // Offsets that differ per array, and a length with a tail past every vector width.
        FloatMath.INSTANCE.adam(vec[0], 1, vec[1], 3, vec[2], 0, vec[3], 5, n, c);
        SCALAR.adam(sca[0], 1, sca[1], 3, sca[2], 0, sca[3], 5, n, c);
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < n + 5; i++) {
                assertEquals(Float.floatToIntBits(sca[k][i]), Float.floatToIntBits(vec[k][i]),
                        "array " + k + " at " + i);
            }
        }
        // The step did move the parameters it covers, and only those.
        assertEquals(start[0][0], vec[0][0]);
        assertTrue(vec[0][1] != start[0][1]);
        // One element against the rule written out in double, to float32 rounding.
        double g = start[1][3] + 0.01 * start[0][1];
        double m = 0.9 * start[2][0] + 0.1 * g;
        double v = 0.999 * start[3][5] + 0.001 * g * g;
        double p = start[0][1] - 1e-2 * m / (Math.sqrt(v) / 0.0316 + 1e-8);
        assertEquals(p, vec[0][1], 1e-5 * Math.max(1, Math.abs(p)));
        assertEquals(m, vec[2][0], 1e-6);
    }

    @Test
    void scaledMaxAgreesWithTheScalarLoop() {
        Generator gen = new Generator(13);
        int n = 1029;
        float[] x = new float[n + 2];
        float[] b = new float[n + 1];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (3 * gen.nextGaussian());
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) gen.nextGaussian();
        }
        x[700] = 11f; // the maximum, in the vector part
        for (FloatMath m : new FloatMath[] {FloatMath.INSTANCE, SCALAR}) {
            assertEquals(11f * 0.5f, m.scaledMax(x, 2, 0.5f, n), 0f);
            assertEquals(Float.NEGATIVE_INFINITY, m.scaledMax(x, 2, 0.5f, 0));
        }
        float[] nan = x.clone();
        nan[n - 1] = Float.NaN; // in the scalar tail
        assertTrue(Float.isNaN(FloatMath.INSTANCE.scaledMax(nan, 2, 1f, n)));
        nan = x.clone();
        nan[5] = Float.NaN; // in a vector
        assertTrue(Float.isNaN(FloatMath.INSTANCE.scaledMax(nan, 2, 1f, n)));
    }

    @Test
    void multiplyAddAgreesBitForBitWithTheScalarLoop() {
        Generator gen = new Generator(10);
        int n = 77;
        float[] a = new float[n + 3];
        float[] x = new float[n + 1];
        float[] y = new float[n + 2];
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) gen.nextGaussian();
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) gen.nextGaussian();
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) gen.nextGaussian();
        }
        float[] yv = y.clone();
        float[] ys = y.clone();
        FloatMath.INSTANCE.multiplyAdd(a, 3, x, 1, yv, 2, n);
        SCALAR.multiplyAdd(a, 3, x, 1, ys, 2, n);
        assertArrayEquals(ys, yv);
        assertEquals(y[0], yv[0]);
        assertEquals(y[2] + a[3] * x[1], yv[2]);
        assertEquals(y[n + 1] + a[n + 2] * x[n], yv[n + 1]);
    }

    @Test
    void sumsInDoubleFollowTheirStatedOrderAndStayCloseToTheExactSum() {
        Random r = new Random(5);
        for (int n = 0; n <= 40; n++) {
            for (int off = 0; off < 3; off++) {
                float[] x = new float[n + off];
                float[] y = new float[n + off];
                for (int i = 0; i < x.length; i++) {
                    // Magnitudes over six decades, so the order of additions shows.
                    x[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(6)));
                    y[i] = (float) r.nextGaussian();
                }
                double[] lanes = new double[8];
                double[] dotLanes = new double[8];
                int body = n / 8 * 8;
                BigDecimal exact = BigDecimal.ZERO;
                BigDecimal exactDot = BigDecimal.ZERO;
                for (int i = 0; i < body; i++) {
                    lanes[i % 8] += x[off + i];
                    dotLanes[i % 8] += x[off + i] * y[off + i];
                }
                double sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
                        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
                double dot = ((dotLanes[0] + dotLanes[1]) + (dotLanes[2] + dotLanes[3]))
                        + ((dotLanes[4] + dotLanes[5]) + (dotLanes[6] + dotLanes[7]));
                for (int i = body; i < n; i++) {
                    sum += x[off + i];
                    dot += x[off + i] * y[off + i];
                }
                for (int i = 0; i < n; i++) {
                    exact = exact.add(new BigDecimal(x[off + i]));
                    exactDot = exactDot.add(new BigDecimal(x[off + i] * y[off + i]));
                }
                assertEquals(sum, FloatMath.sumInDouble(x, off, n), "sum n " + n);
                assertEquals(dot, FloatMath.dotInDouble(x, off, y, off, n), "dot n " + n);
                double scale = 1e-12 * (1 + Math.abs(exact.doubleValue()));
                assertEquals(exact.doubleValue(), FloatMath.sumInDouble(x, off, n), 1e6 * scale);
                assertEquals(exactDot.doubleValue(), FloatMath.dotInDouble(x, off, y, off, n),
                        1e6 * 1e-12 * (1 + Math.abs(exactDot.doubleValue())));
            }
        }
    }

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    private interface Op {
        void run(FloatMath m, float[] y);
    }

    private static void check(String name, float[] x, Op op) {
        float[] v = new float[x.length];
        float[] s = new float[x.length];
        op.run(FloatMath.INSTANCE, v);
        op.run(SCALAR, s);
        for (int i = 0; i < x.length; i++) {
            if (Float.isNaN(s[i]) || Float.isInfinite(s[i])) {
                assertEquals(s[i], v[i], name + " at " + x[i]);
                continue;
            }
            float tol = 4 * Math.ulp(s[i]) + 1e-37f;
            assertEquals(s[i], v[i], tol, name + "(" + x[i] + ")");
        }
    }
}
