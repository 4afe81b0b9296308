package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * The fused divergence kernel of the ED losses (see {@link ed4j.tensor.Backend#priorDivergence}).
 *
 * <p>Shapes: B batch, H heads, L tokens on an {@code h x w} grid; a row is one {@code (b, h, i)}.
 * The prior of query token {@code i = (ri, ci)} factorises over the grid:
 * {@code P_ij = ey[rj] ex[cj] / (sum ey * sum ex)} with {@code ey[r] = exp(-(ri - r)^2 a)} and
 * {@code ex[c] = exp(-(ci - c)^2 b)}, so a row costs two exponentials (see {@link #gaussian}),
 * not {@code L}, and the (B, H, L, L) tensors of the prior, its normalisation and the logarithms
 * that a composite would allocate (and keep for backward) never exist. The backward pass
 * recomputes P. Rows run in parallel, each in a fixed order: float64 rows in double throughout;
 * float32 rows with the prior rounded to float32, the elementwise terms in float32 lanes
 * ({@link PriorRows}) and the row sums in double.
 *
 * <pre>
 * d KL(P,A)/dA_j = -P_j / (A_j + eps)
 * d KL(A,P)/dA_j = log(A_j + eps) - log(P_j + eps) + A_j / (A_j + eps)
 * d Ent(A)/dA_j  = -(log(A_j + eps) + A_j / (A_j + eps))
 * d KL(P,A)/dP_j = log(P_j + eps) - log(A_j + eps) + P_j / (P_j + eps)
 * d KL(A,P)/dP_j = -A_j / (P_j + eps)
 * dz_j = P_j (dP_j - sum_k dP_k P_k);  da = -sum_j dz_j dy_ij;  db = -sum_j dz_j dx_ij
 * </pre>
 */
final class PriorKernels {

    private PriorKernels() {}

    static Tensor forward(CpuBackend be, Tensor attn, Tensor a, Tensor b, int gridW,
            double eps) {
        int bsz = attn.size(0);
        int h = attn.size(1);
        int l = attn.size(2);
        int rows = bsz * h * l;
        Tensor ac = attn.contiguous();
        double[] ca = a.toDoubleArray();
        double[] cb = b.toDoubleArray();
        if (attn.dtype() == DType.FLOAT32) {
            return forwardFloat(be, ac, ca, cb, gridW, (float) eps);
        }
        Tensor out = be.empty(Shape.of(bsz, h, l, 5), attn.dtype());
        CpuStorage src = (CpuStorage) ac.storage();
        double[] res = new double[rows * 5];
        int gridH = l / gridW;
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / l), (r0, r1) -> {
            Logs logs = new Logs(l, eps);
            double[] row = new double[l];
            double[] p = new double[l];
            double[] ey = new double[gridH];
            double[] ex = new double[gridW];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(src, ac.offset() + r * l, 1, row, l);
                prior(r % l, gridH, gridW, ca[r], cb[r], ey, ex, p);
                logs.of(row, p);
                double klPa = 0;
                double klAp = 0;
                double ent = 0;
                for (int j = 0; j < l; j++) {
                    double la = logs.la[j];
                    double lp = logs.lp[j];
                    klPa += p[j] * (lp - la);
                    klAp += row[j] * (la - lp);
                    ent -= row[j] * la;
                }
                int o = r * 5;
                res[o] = klPa;
                res[o + 1] = klAp;
                res[o + 2] = ent;
                res[o + 3] = klPa;
                res[o + 4] = klAp;
            }
        });
        ElementwiseKernels.store((CpuStorage) out.storage(), 0, res, res.length);
        return out;
    }

    static Tensor[] backward(CpuBackend be, Tensor gradOut, Tensor attn, Tensor a, Tensor b,
            int gridW, double eps) {
        int bsz = attn.size(0);
        int h = attn.size(1);
        int l = attn.size(2);
        int rows = bsz * h * l;
        Tensor ac = attn.contiguous();
        double[] ca = a.toDoubleArray();
        double[] cb = b.toDoubleArray();
        if (attn.dtype() == DType.FLOAT32) {
            Tensor[] g = backwardFloat(be, gradOut, ac, ca, cb, gridW, (float) eps);
            return new Tensor[] {g[0], g[1].to(a.dtype()), g[2].to(b.dtype())};
        }
        double[] g = gradOut.toDoubleArray();
        Tensor gradAttn = be.empty(attn.shape(), attn.dtype());
        CpuStorage src = (CpuStorage) ac.storage();
        CpuStorage dst = (CpuStorage) gradAttn.storage();
        double[] ga = new double[rows];
        double[] gb = new double[rows];
        int gridH = l / gridW;
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / l), (r0, r1) -> {
            Logs logs = new Logs(l, eps);
            double[] row = new double[l];
            double[] p = new double[l];
            double[] gA = new double[l];
            double[] gP = new double[l];
            double[] ey = new double[gridH];
            double[] ex = new double[gridW];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(src, ac.offset() + r * l, 1, row, l);
                int i = r % l;
                prior(i, gridH, gridW, ca[r], cb[r], ey, ex, p);
                logs.of(row, p);
                int o = r * 5;
                double g0 = g[o];
                double g1 = g[o + 1];
                double g2 = g[o + 2];
                double g3 = g[o + 3];
                double g4 = g[o + 4];
                double dot = 0;
                for (int j = 0; j < l; j++) {
                    double la = logs.la[j];
                    double lp = logs.lp[j];
                    double inA = 1.0 / (row[j] + eps);
                    double inP = 1.0 / (p[j] + eps);
                    double ra = row[j] * inA;
                    gA[j] = -g0 * p[j] * inA + g1 * (la - lp + ra) - g2 * (la + ra);
                    gP[j] = g3 * (lp - la + p[j] * inP) - g4 * row[j] * inP;
                    dot += gP[j] * p[j];
                }
                int ri = i / gridW;
                int ci = i % gridW;
                double sa = 0;
                double sb = 0;
                for (int rj = 0, j = 0; rj < gridH; rj++) {
                    int dr = ri - rj;
                    for (int cj = 0; cj < gridW; cj++, j++) {
                        double gz = p[j] * (gP[j] - dot);
                        int dc = ci - cj;
                        sa -= gz * dr * dr;
                        sb -= gz * dc * dc;
                    }
                }
                ga[r] = sa;
                gb[r] = sb;
                ElementwiseKernels.store(dst, r * l, gA, l);
            }
        });
        Tensor gradA = be.adopt(ga, Shape.of(bsz, h, l)).to(a.dtype());
        Tensor gradB = be.adopt(gb, Shape.of(bsz, h, l)).to(b.dtype());
        return new Tensor[] {gradAttn, gradA, gradB};
    }

    /** {@code log(A_j + eps)} and {@code log(P_j + eps)} of one float64 row. */
    private static final class Logs {
        final double[] la;
        final double[] lp;
        private final double eps;

        Logs(int n, double eps) {
            la = new double[n];
            lp = new double[n];
            this.eps = eps;
        }

        void of(double[] row, double[] p) {
            for (int j = 0; j < la.length; j++) {
                la[j] = Math.log(row[j] + eps);
                lp[j] = Math.log(p[j] + eps);
            }
        }
    }

    /**
     * The float32 forward pass: the prior rounded to float32 once, both logarithms through
     * {@link FloatMath}, the three sums through {@link PriorRows}.
     */
    private static Tensor forwardFloat(CpuBackend be, Tensor ac, double[] ca, double[] cb,
            int gridW, float eps) {
        int l = ac.size(2);
        int rows = ac.size(0) * ac.size(1) * l;
        int gridH = l / gridW;
        float[] src = ((CpuStorage) ac.storage()).floats();
        int base = ac.offset();
        Tensor out = be.empty(Shape.of(ac.size(0), ac.size(1), l, 5), DType.FLOAT32);
        float[] res = ((CpuStorage) out.storage()).floats();
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / l), (r0, r1) -> {
            FloatRow row = new FloatRow(l, gridH, gridW);
            double[] t = new double[3];
            for (int r = r0; r < r1; r++) {
                row.fill(src, base + r * l, r % l, ca[r], cb[r], eps);
                PriorRows.INSTANCE.terms(src, base + r * l, row.p, row.la, row.lp, l, t);
                int o = r * 5;
                res[o] = (float) t[0];
                res[o + 1] = (float) t[1];
                res[o + 2] = (float) t[2];
                res[o + 3] = (float) t[0];
                res[o + 4] = (float) t[1];
            }
        });
        return out;
    }

    /**
     * The float32 backward pass: {gradAttn, gradA, gradB}, the last two in float64. The
     * elementwise gradients come from {@link PriorRows}; the reductions onto the two widths,
     * where terms of both signs cancel, are summed in double.
     */
    private static Tensor[] backwardFloat(CpuBackend be, Tensor gradOut, Tensor ac,
            double[] ca, double[] cb, int gridW, float eps) {
        int bsz = ac.size(0);
        int h = ac.size(1);
        int l = ac.size(2);
        int rows = bsz * h * l;
        int gridH = l / gridW;
        float[] src = ((CpuStorage) ac.storage()).floats();
        int base = ac.offset();
        float[] g = gradOut.to(DType.FLOAT32).toFloatArray();
        Tensor gradAttn = be.empty(ac.shape(), DType.FLOAT32);
        float[] dst = ((CpuStorage) gradAttn.storage()).floats();
        double[] ga = new double[rows];
        double[] gb = new double[rows];
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / l), (r0, r1) -> {
            FloatRow row = new FloatRow(l, gridH, gridW);
            float[] gP = new float[l];
            double[] colSum = new double[gridW];
            for (int r = r0; r < r1; r++) {
                int i = r % l;
                row.fill(src, base + r * l, i, ca[r], cb[r], eps);
                double dot = PriorRows.INSTANCE.gradients(src, base + r * l, row.p, row.la,
                        row.lp, l, eps, g, r * 5, dst, r * l, gP);
                // gz_j = p_j (gP_j - dot); da = -sum gz dr^2 by grid rows, db by grid columns.
                int ri = i / gridW;
                int ci = i % gridW;
                java.util.Arrays.fill(colSum, 0);
                double sa = 0;
                for (int rj = 0, j = 0; rj < gridH; rj++) {
                    double rowSum = 0;
                    for (int cj = 0; cj < gridW; cj++, j++) {
                        double gz = row.p[j] * (gP[j] - dot);
                        rowSum += gz;
                        colSum[cj] += gz;
                    }
                    int dr = ri - rj;
                    sa -= rowSum * dr * dr;
                }
                double sb = 0;
                for (int cj = 0; cj < gridW; cj++) {
                    int dc = ci - cj;
                    sb -= colSum[cj] * dc * dc;
                }
                ga[r] = sa;
                gb[r] = sb;
            }
        });
        return new Tensor[] {gradAttn, be.adopt(ga, Shape.of(bsz, h, l)),
                be.adopt(gb, Shape.of(bsz, h, l))};
    }

    /** The float32 prior of one query token and the logarithms of a row, reused row to row. */
    private static final class FloatRow {
        final float[] p;
        final float[] la;
        final float[] lp;
        private final double[] ey;
        private final double[] ex;
        private final double[] pd;
        private final int gridH;
        private final int gridW;

        FloatRow(int l, int gridH, int gridW) {
            p = new float[l];
            la = new float[l];
            lp = new float[l];
            pd = new double[l];
            ey = new double[gridH];
            ex = new double[gridW];
            this.gridH = gridH;
            this.gridW = gridW;
        }

        void fill(float[] attn, int off, int i, double a, double b, float eps) {
            prior(i, gridH, gridW, a, b, ey, ex, pd);
            for (int j = 0; j < p.length; j++) {
                p[j] = (float) pd[j];
            }
            FloatMath.INSTANCE.log(attn, off, eps, la, 0, p.length);
            FloatMath.INSTANCE.log(p, 0, eps, lp, 0, p.length);
        }
    }

    /**
     * The prior row of token {@code i}: two exponentials, then products. Both factors are
     * Gaussians in the distance to the token, so they come from {@link #gaussian}.
     */
    private static void prior(int i, int gridH, int gridW, double a, double b, double[] ey,
            double[] ex, double[] p) {
        double sy = gaussian(i / gridW, a, ey);
        double sx = gaussian(i % gridW, b, ex);
        double inv = 1.0 / (sy * sx);
        for (int r = 0, j = 0; r < gridH; r++) {
            double y = ey[r] * inv;
            for (int c = 0; c < gridW; c++) {
                p[j++] = y * ex[c];
            }
        }
    }

    /**
     * {@code out[k] = exp(-a (k - center)^2)} for every {@code k}, returning their sum. One
     * exponential {@code q = exp(-a)}: going out from the centre, {@code q^(d^2)} follows from
     * {@code q^((d-1)^2)} times {@code q^(2d-1)}, and that factor gains {@code q^2} per step (a
     * relative error of a few ulps of double over a grid's width, where an exponential per
     * entry cost more than the rest of the row).
     */
    static double gaussian(int center, double a, double[] out) {
        double q = Math.exp(-a);
        double q2 = q * q;
        out[center] = 1;
        double sum = 1;
        double v = 1;
        double f = q;
        for (int d = 1; center - d >= 0 || center + d < out.length; d++) {
            v *= f;
            f *= q2;
            if (center - d >= 0) {
                out[center - d] = v;
                sum += v;
            }
            if (center + d < out.length) {
                out[center + d] = v;
                sum += v;
            }
        }
        return sum;
    }
}
