package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Naive double-precision references and comparison helpers for the kernel tests. */
final class Naive {

    private Naive() {}

    /** Uniform values in [-1, 1). */
    static Tensor uniform(Generator gen, DType dtype, int... shape) {
        return Tensor.rand(gen, Shape.of(shape), dtype).mul(2).sub(1);
    }

    /**
     * {@code a (B, M, K) x b (B, K, N)} in double, given as row-major arrays; returns {products,
     * magnitudes}, the magnitude of an element being {@code sum_p |a_ip * b_pj|} (the scale of its
     * rounding error).
     */
    static double[][] matmul(double[] a, double[] b, int batch, int m, int k, int n) {
        double[] out = new double[batch * m * n];
        double[] mag = new double[batch * m * n];
        for (int t = 0; t < batch; t++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    double g = 0;
                    for (int p = 0; p < k; p++) {
                        double v = a[(t * m + i) * k + p] * b[(t * k + p) * n + j];
                        s += v;
                        g += Math.abs(v);
                    }
                    out[(t * m + i) * n + j] = s;
                    mag[(t * m + i) * n + j] = g;
                }
            }
        }
        return new double[][] {out, mag};
    }

    /**
     * Asserts {@code |actual - expected| <= relTol * scale} elementwise (plus a denormal floor),
     * after checking the shape; on failure reports the max error, the first bad index and a few
     * pairs.
     */
    static void assertClose(String what, Shape shape, double[] expected, double[] scale,
            Tensor actual, double relTol) {
        assertArrayEquals(shape.toArray(), actual.shape().toArray(), what + ": shape");
        double[] got = actual.toDoubleArray();
        double worst = 0;
        int firstBad = -1;
        for (int i = 0; i < got.length; i++) {
            double err = Math.abs(got[i] - expected[i]);
            double tol = relTol * scale[i] + 1e-30;
            if (!(err <= tol)) {
                if (firstBad < 0) {
                    firstBad = i;
                }
            }
            worst = Math.max(worst, err / (scale[i] + 1e-30));
        }
        if (firstBad >= 0) {
            StringBuilder sb = new StringBuilder(what + ": max relative error " + worst
                    + " exceeds " + relTol + "; first bad index " + firstBad + "; pairs:");
            for (int i = firstBad; i < Math.min(got.length, firstBad + 4); i++) {
                sb.append(" [").append(i).append("] got ").append(got[i]).append(" want ")
                        .append(expected[i]);
            }
            fail(sb.toString());
        }
    }
}
