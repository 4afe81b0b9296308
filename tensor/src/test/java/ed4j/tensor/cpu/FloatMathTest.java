package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Generator;
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
