package ed4j.tensor.cpu;

/**
 * The per-row loops of the float32 prior-divergence kernel ({@link PriorKernels}): one row holds
 * the attention {@code a}, the prior {@code p} and their logarithms {@code la = log(a + eps)},
 * {@code lp = log(p + eps)}. On vector units where the Vector API is present, with float32
 * lanes summed in double at the end; the plain loops sum in double throughout.
 */
abstract class PriorRows {

    static final PriorRows INSTANCE =
            VectorLoops.pick(PriorRows.class, "ed4j.tensor.cpu.PriorRowsVector", Plain::new);

    /**
     * {@code out[0] = sum p (lp - la)}, {@code out[1] = sum a (la - lp)},
     * {@code out[2] = -sum a la}.
     */
    abstract void terms(float[] a, int ao, float[] p, float[] la, float[] lp, int n,
            double[] out);

    /**
     * The gradients of one row given the output gradients {@code g[go .. go+4]}:
     * {@code gA = -g0 p / (a + eps) + g1 (la - lp + a / (a + eps)) - g2 (la + a / (a + eps))}
     * into {@code gA[gao ..]}, {@code gP = g3 (lp - la + p / (p + eps)) - g4 a / (p + eps)}
     * into {@code gP}; returns {@code sum gP p}.
     */
    abstract double gradients(float[] a, int ao, float[] p, float[] la, float[] lp, int n,
            float eps, float[] g, int go, float[] gA, int gao, float[] gP);

    /** Whether this implementation uses the Vector API. */
    abstract boolean vectorized();

    /** Elements {@code [j0, n)} of {@link #gradients}, one at a time; returns their dot. */
    static double gradientsFrom(int j0, float[] a, int ao, float[] p, float[] la, float[] lp,
            int n, float eps, float[] g, int go, float[] gA, int gao, float[] gP) {
        float g0 = g[go];
        float g1 = g[go + 1];
        float g2 = g[go + 2];
        float g3 = g[go + 3];
        float g4 = g[go + 4];
        double dot = 0;
        for (int j = j0; j < n; j++) {
            float aj = a[ao + j];
            float inA = 1f / (aj + eps);
            float inP = 1f / (p[j] + eps);
            float ra = aj * inA;
            gA[gao + j] = -g0 * p[j] * inA + g1 * (la[j] - lp[j] + ra) - g2 * (la[j] + ra);
            gP[j] = g3 * (lp[j] - la[j] + p[j] * inP) - g4 * aj * inP;
            dot += (double) gP[j] * p[j];
        }
        return dot;
    }

    /** Elements {@code [j0, n)} of {@link #terms}, added to {@code out}. */
    static void termsFrom(int j0, float[] a, int ao, float[] p, float[] la, float[] lp, int n,
            double[] out) {
        double klPa = 0;
        double klAp = 0;
        double ent = 0;
        for (int j = j0; j < n; j++) {
            double d = (double) lp[j] - la[j];
            klPa += p[j] * d;
            klAp -= a[ao + j] * d;
            ent -= (double) a[ao + j] * la[j];
        }
        out[0] += klPa;
        out[1] += klAp;
        out[2] += ent;
    }

    /** Loops over single elements. */
    static final class Plain extends PriorRows {
        @Override
        void terms(float[] a, int ao, float[] p, float[] la, float[] lp, int n, double[] out) {
            out[0] = 0;
            out[1] = 0;
            out[2] = 0;
            termsFrom(0, a, ao, p, la, lp, n, out);
        }

        @Override
        double gradients(float[] a, int ao, float[] p, float[] la, float[] lp, int n, float eps,
                float[] g, int go, float[] gA, int gao, float[] gP) {
            return gradientsFrom(0, a, ao, p, la, lp, n, eps, g, go, gA, gao, gP);
        }

        @Override
        boolean vectorized() {
            return false;
        }
    }
}
