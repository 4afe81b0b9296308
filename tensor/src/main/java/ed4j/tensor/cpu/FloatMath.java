package ed4j.tensor.cpu;

/**
 * Loops over runs of float32 values: transcendental functions, the cost that dominates softmax,
 * the prior-divergence kernel and elementwise exp/log; and loops of plain arithmetic that the
 * JIT does not vectorize by itself: a maximum, a multiply-add and Adam's update. With the
 * incubating Vector API present ({@code --add-modules jdk.incubator.vector}) they run on vector
 * units, the functions as polynomials within a few float32 ulps ({@code FloatMathVector}; 0.6-4
 * ns per value on the project's test machines against 10-18 ns for scalar {@link Math#log} and
 * {@link Math#exp}); otherwise scalar loops over {@link Math} compute them, rounded once.
 */
abstract class FloatMath {

    /** The implementation in use: vector when the module is in the boot layer. */
    static final FloatMath INSTANCE = pick();

    /** {@code y[yo + i] = exp(x[xo + i] - shift)} for {@code i < n}. */
    final void exp(float[] x, int xo, float shift, float[] y, int yo, int n) {
        exp(x, xo, 1f, shift, y, yo, n);
    }

    /** {@code y[yo + i] = exp(scale * x[xo + i] - shift)} for {@code i < n}. */
    abstract void exp(float[] x, int xo, float scale, float shift, float[] y, int yo, int n);

    /** {@code y[yo + i] = log(x[xo + i] + add)} for {@code i < n}. */
    abstract void log(float[] x, int xo, float add, float[] y, int yo, int n);

    /** {@code y[yo + i] = tanh(x[xo + i])} for {@code i < n}. */
    abstract void tanh(float[] x, int xo, float[] y, int yo, int n);

    /** {@code y[yo + i] = 1 / (1 + exp(-x[xo + i]))} for {@code i < n}. */
    abstract void sigmoid(float[] x, int xo, float[] y, int yo, int n);

    /** {@code y = x Phi(x)}, the exact GELU to about 1e-7 absolute in Phi. */
    abstract void gelu(float[] x, int xo, float[] y, int yo, int n);

    /** {@code y = Phi(x) + x phi(x)}, the GELU's derivative, to about 1e-7 absolute. */
    abstract void geluDerivative(float[] x, int xo, float[] y, int yo, int n);

    // Phi(x) for float32 runs: erfc(z) ~ t P(t) exp(-z^2), t = 1 / (1 + p z), z = |x| / sqrt(2)
    // (Abramowitz and Stegun 7.1.26, |error| <= 1.5e-7); exp(-z^2) is also phi(x) sqrt(2 pi).
    static final float GP = 0.3275911f;
    static final float GA1 = 0.254829592f;
    static final float GA2 = -0.284496736f;
    static final float GA3 = 1.421413741f;
    static final float GA4 = -1.453152027f;
    static final float GA5 = 1.061405429f;
    static final float INV_SQRT2 = 0.70710678f;
    static final float INV_SQRT_2PI = 0.39894228f;

    /**
     * {@code x[xo] + ... + x[xo + n - 1]} in double: eight partial sums over the indices of each
     * residue mod 8, added pairwise ({@code ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))}),
     * then the last {@code n mod 8} values in order. The order is fixed, so the result repeats;
     * one running sum would wait on each addition in turn (about 1.5 ns per value, where eight
     * independent ones take a fraction of that).
     */
    static double sumInDouble(float[] x, int xo, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int i = 0;
        for (; i <= n - 8; i += 8) {
            int o = xo + i;
            s0 += x[o];
            s1 += x[o + 1];
            s2 += x[o + 2];
            s3 += x[o + 3];
            s4 += x[o + 4];
            s5 += x[o + 5];
            s6 += x[o + 6];
            s7 += x[o + 7];
        }
        double s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < n; i++) {
            s += x[xo + i];
        }
        return s;
    }

    /**
     * {@code a[ao + i] * b[bo + i]} for {@code i < n}, each product rounded to float32, added in
     * double in the order of {@link #sumInDouble}.
     */
    static double dotInDouble(float[] a, int ao, float[] b, int bo, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int i = 0;
        for (; i <= n - 8; i += 8) {
            int p = ao + i;
            int q = bo + i;
            s0 += a[p] * b[q];
            s1 += a[p + 1] * b[q + 1];
            s2 += a[p + 2] * b[q + 2];
            s3 += a[p + 3] * b[q + 3];
            s4 += a[p + 4] * b[q + 4];
            s5 += a[p + 5] * b[q + 5];
            s6 += a[p + 6] * b[q + 6];
            s7 += a[p + 7] * b[q + 7];
        }
        double s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /**
     * The largest {@code scale * x[xo + i]} for {@code i < n} as {@link Math#max} finds it (NaN
     * if any is NaN), negative infinity for {@code n == 0}; exact, so in any order the same.
     */
    abstract float scaledMax(float[] x, int xo, float scale, int n);

    /**
     * {@code y[yo + i] += a[ao + i] * x[xo + i]} for {@code i < n}, a product and a sum each
     * rounded to float32 (no fused multiply-add), so both implementations agree bit for bit.
     */
    abstract void multiplyAdd(float[] a, int ao, float[] x, int xo, float[] y, int yo, int n);

    /**
     * One Adam step over a run of float32 parameters, in place, in the order of operations of
     * {@link OptimizerKernels}: {@code g = grad + wd p}, {@code m = b1 m + c1 g},
     * {@code v = b2 v + c2 g g}, {@code p -= step m / (sqrt(v) / bc + eps)}. Every operation is
     * a correctly rounded float32 addition, product, quotient or square root, so the vector and
     * scalar implementations agree bit for bit.
     */
    abstract void adam(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo,
            int n, AdamCoefficients c);

    /** The float32 coefficients of one Adam step. */
    record AdamCoefficients(float b1, float c1, float b2, float c2, float wd, float step,
            float bc, float eps) {}

    /** Whether this implementation uses the Vector API. */
    abstract boolean vectorized();

    /** One element of {@link #adam}; also the tail of the vector loop. */
    static void adamOne(float[] p, int pi, float[] g, int gi, float[] m, int mi, float[] v,
            int vi, AdamCoefficients c) {
        float gr = g[gi] + c.wd() * p[pi];
        float mn = m[mi] * c.b1() + c.c1() * gr;
        float vn = v[vi] * c.b2() + c.c2() * gr * gr;
        m[mi] = mn;
        v[vi] = vn;
        p[pi] -= c.step() * (mn / ((float) Math.sqrt(vn) / c.bc() + c.eps()));
    }

    private static FloatMath pick() {
        FloatMath m = VectorLoops.pick(FloatMath.class, "ed4j.tensor.cpu.FloatMathVector",
                Scalar::new);
        return m.vectorized() ? m : new Scalar();
    }

    /** Loops over {@link Math}. */
    static final class Scalar extends FloatMath {
        @Override
        void exp(float[] x, int xo, float scale, float shift, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                y[yo + i] = (float) Math.exp(scale * x[xo + i] - shift);
            }
        }

        @Override
        void log(float[] x, int xo, float add, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                y[yo + i] = (float) Math.log(x[xo + i] + add);
            }
        }

        @Override
        void tanh(float[] x, int xo, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                y[yo + i] = (float) Math.tanh(x[xo + i]);
            }
        }

        @Override
        void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                double v = x[xo + i];
                y[yo + i] = (float) (v >= 0 ? 1 / (1 + Math.exp(-v))
                        : Math.exp(v) / (1 + Math.exp(v)));
            }
        }

        @Override
        void gelu(float[] x, int xo, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                y[yo + i] = v * phi(v, halfErfc(v));
            }
        }

        @Override
        void geluDerivative(float[] x, int xo, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                float v = x[xo + i];
                float e = (float) Math.exp(-0.5f * v * v);
                y[yo + i] = phi(v, halfErfc(v)) + v * e * INV_SQRT_2PI;
            }
        }

        @Override
        float scaledMax(float[] x, int xo, float scale, int n) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, scale * x[xo + i]);
            }
            return max;
        }

        @Override
        void multiplyAdd(float[] a, int ao, float[] x, int xo, float[] y, int yo, int n) {
            for (int i = 0; i < n; i++) {
                y[yo + i] += a[ao + i] * x[xo + i];
            }
        }

        @Override
        void adam(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo,
                int n, AdamCoefficients c) {
            for (int i = 0; i < n; i++) {
                adamOne(p, po + i, g, go + i, m, mo + i, v, vo + i, c);
            }
        }

        /** {@code 0.5 erfc(|v| / sqrt 2)}. */
        private static float halfErfc(float v) {
            float z = Math.abs(v) * INV_SQRT2;
            float t = 1f / (1f + GP * z);
            float poly = ((((GA5 * t + GA4) * t + GA3) * t + GA2) * t + GA1) * t;
            return 0.5f * poly * (float) Math.exp(-z * z);
        }

        private static float phi(float v, float halfErfc) {
            return v >= 0 ? 1f - halfErfc : halfErfc;
        }

        @Override
        boolean vectorized() {
            return false;
        }
    }
}
