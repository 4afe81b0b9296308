package ed4j.tensor.cpu;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * The fused divergence kernel of the ED losses (see {@link ed4j.tensor.Backend#priorDivergence}).
 *
 * <p>Shapes: B batch, H heads, L tokens on an {@code h x w} grid; a row is one {@code (b, h, i)}.
 * The prior of query token {@code i = (ri, ci)} factorises over the grid:
 * {@code P_ij = ey[rj] ex[cj] / (sum ey * sum ex)} with {@code ey[r] = exp(-(ri - r)^2 a)} and
 * {@code ex[c] = exp(-(ci - c)^2 b)}, so a row costs {@code h + w} exponentials, not {@code L},
 * and the (B, H, L, L) tensors of the prior, its normalisation and the logarithms that a
 * composite would allocate (and keep for backward) never exist. The backward pass recomputes P.
 * Rows run in parallel; each row is summed in double, in a fixed order.
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
        Tensor out = be.empty(Shape.of(bsz, h, l, 5), attn.dtype());
        CpuStorage src = (CpuStorage) ac.storage();
        double[] res = new double[rows * 5];
        int gridH = l / gridW;
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / l), (r0, r1) -> {
            Logs logs = new Logs(l, src, eps);
            double[] row = new double[l];
            double[] p = new double[l];
            double[] ey = new double[gridH];
            double[] ex = new double[gridW];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(src, ac.offset() + r * l, 1, row, l);
                prior(r % l, gridH, gridW, ca[r], cb[r], ey, ex, p);
                logs.of(ac.offset() + r * l, row, p);
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
        double[] g = gradOut.toDoubleArray();
        double[] ca = a.toDoubleArray();
        double[] cb = b.toDoubleArray();
        Tensor gradAttn = be.empty(attn.shape(), attn.dtype());
        CpuStorage src = (CpuStorage) ac.storage();
        CpuStorage dst = (CpuStorage) gradAttn.storage();
        double[] ga = new double[rows];
        double[] gb = new double[rows];
        int gridH = l / gridW;
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / l), (r0, r1) -> {
            Logs logs = new Logs(l, src, eps);
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
                logs.of(ac.offset() + r * l, row, p);
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
                    // Two divisions, not four: they bound this loop.
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

    /**
     * {@code log(A_j + eps)} and {@code log(P_j + eps)} of one row: through {@link FloatMath}
     * for float32 attention (the logarithms dominate this kernel), in double for float64.
     */
    private static final class Logs {
        final double[] la;
        final double[] lp;
        private final float[] fa;
        private final float[] fp;
        private final float[] out;
        private final CpuStorage src;
        private final double eps;

        Logs(int n, CpuStorage src, double eps) {
            la = new double[n];
            lp = new double[n];
            this.src = src;
            this.eps = eps;
            boolean f32 = src.dtype() == ed4j.tensor.DType.FLOAT32;
            fa = f32 ? src.floats() : null;
            fp = f32 ? new float[n] : null;
            out = f32 ? new float[n] : null;
        }

        void of(int rowOffset, double[] row, double[] p) {
            int n = la.length;
            if (fa == null) {
                for (int j = 0; j < n; j++) {
                    la[j] = Math.log(row[j] + eps);
                    lp[j] = Math.log(p[j] + eps);
                }
                return;
            }
            FloatMath m = FloatMath.INSTANCE;
            m.log(fa, rowOffset, (float) eps, out, 0, n);
            for (int j = 0; j < n; j++) {
                la[j] = out[j];
                fp[j] = (float) p[j];
            }
            m.log(fp, 0, (float) eps, out, 0, n);
            for (int j = 0; j < n; j++) {
                lp[j] = out[j];
            }
        }
    }

    /** The prior row of token {@code i}: {@code h + w} exponentials, then products. */
    private static void prior(int i, int gridH, int gridW, double a, double b, double[] ey,
            double[] ex, double[] p) {
        int ri = i / gridW;
        int ci = i % gridW;
        double sy = 0;
        for (int r = 0; r < gridH; r++) {
            ey[r] = Math.exp(-(double) (ri - r) * (ri - r) * a);
            sy += ey[r];
        }
        double sx = 0;
        for (int c = 0; c < gridW; c++) {
            ex[c] = Math.exp(-(double) (ci - c) * (ci - c) * b);
            sx += ex[c];
        }
        double inv = 1.0 / (sy * sx);
        for (int r = 0, j = 0; r < gridH; r++) {
            double y = ey[r] * inv;
            for (int c = 0; c < gridW; c++) {
                p[j++] = y * ex[c];
            }
        }
    }
}
