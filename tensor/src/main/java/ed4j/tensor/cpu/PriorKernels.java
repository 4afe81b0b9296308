package ed4j.tensor.cpu;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * The fused divergence kernel of the ED losses (see {@link ed4j.tensor.Backend#priorDivergence}).
 *
 * <p>Shapes: B batch, H heads, L query tokens, S key tokens; a row is one {@code (b, h, l)}.
 * Per row the prior {@code P_j = exp(z_j) / sum_k exp(z_k)}, {@code z_j = -(dy_lj a + dx_lj b)},
 * is formed in double from the two per-row coefficients and the {@code (L, S)} squared
 * distances, and never stored: the (B, H, L, S) tensors of the prior, its normalisation and the
 * logarithms that a composite would allocate (and keep for backward) do not exist. The backward
 * pass recomputes P. Rows run in parallel; each row is summed in a fixed order.
 *
 * <pre>
 * d KL(P,A)/dA_j = -P_j / (A_j + eps)
 * d KL(A,P)/dA_j = log(A_j + eps) - log(P_j + eps) + A_j / (A_j + eps)
 * d Ent(A)/dA_j  = -(log(A_j + eps) + A_j / (A_j + eps))
 * d KL(P,A)/dP_j = log(P_j + eps) - log(A_j + eps) + P_j / (P_j + eps)
 * d KL(A,P)/dP_j = -A_j / (P_j + eps)
 * dz_j = P_j (dP_j - sum_k dP_k P_k);  da = -sum_j dz_j dy_lj;  db = -sum_j dz_j dx_lj
 * </pre>
 */
final class PriorKernels {

    private PriorKernels() {}

    static Tensor forward(CpuBackend be, Tensor attn, Tensor a, Tensor b, Tensor dy, Tensor dx,
            double eps) {
        int bsz = attn.size(0);
        int h = attn.size(1);
        int l = attn.size(2);
        int s = attn.size(3);
        int rows = bsz * h * l;
        Tensor ac = attn.contiguous();
        double[] ca = a.toDoubleArray();
        double[] cb = b.toDoubleArray();
        double[] ddy = dy.toDoubleArray();
        double[] ddx = dx.toDoubleArray();
        Tensor out = be.empty(Shape.of(bsz, h, l, 5), attn.dtype());
        CpuStorage src = (CpuStorage) ac.storage();
        double[] res = new double[rows * 5];
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / s), (r0, r1) -> {
            double[] row = new double[s];
            double[] p = new double[s];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(src, ac.offset() + r * s, 1, row, s);
                prior(ddy, ddx, (r % l) * s, s, ca[r], cb[r], p);
                double klPa = 0;
                double klAp = 0;
                double ent = 0;
                for (int j = 0; j < s; j++) {
                    double la = Math.log(row[j] + eps);
                    double lp = Math.log(p[j] + eps);
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
            Tensor dy, Tensor dx, double eps) {
        int bsz = attn.size(0);
        int h = attn.size(1);
        int l = attn.size(2);
        int s = attn.size(3);
        int rows = bsz * h * l;
        Tensor ac = attn.contiguous();
        double[] g = gradOut.toDoubleArray();
        double[] ca = a.toDoubleArray();
        double[] cb = b.toDoubleArray();
        double[] ddy = dy.toDoubleArray();
        double[] ddx = dx.toDoubleArray();
        Tensor gradAttn = be.empty(attn.shape(), attn.dtype());
        CpuStorage src = (CpuStorage) ac.storage();
        CpuStorage dst = (CpuStorage) gradAttn.storage();
        double[] ga = new double[rows];
        double[] gb = new double[rows];
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / s), (r0, r1) -> {
            double[] row = new double[s];
            double[] p = new double[s];
            double[] gA = new double[s];
            double[] gP = new double[s];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(src, ac.offset() + r * s, 1, row, s);
                int dOff = (r % l) * s;
                prior(ddy, ddx, dOff, s, ca[r], cb[r], p);
                int o = r * 5;
                double g0 = g[o];
                double g1 = g[o + 1];
                double g2 = g[o + 2];
                double g3 = g[o + 3];
                double g4 = g[o + 4];
                double dot = 0;
                for (int j = 0; j < s; j++) {
                    double la = Math.log(row[j] + eps);
                    double lp = Math.log(p[j] + eps);
                    double ra = row[j] / (row[j] + eps);
                    gA[j] = -g0 * p[j] / (row[j] + eps) + g1 * (la - lp + ra) - g2 * (la + ra);
                    gP[j] = g3 * (lp - la + p[j] / (p[j] + eps)) - g4 * row[j] / (p[j] + eps);
                    dot += gP[j] * p[j];
                }
                double sa = 0;
                double sb = 0;
                for (int j = 0; j < s; j++) {
                    double gz = p[j] * (gP[j] - dot);
                    sa -= gz * ddy[dOff + j];
                    sb -= gz * ddx[dOff + j];
                }
                ga[r] = sa;
                gb[r] = sb;
                ElementwiseKernels.store(dst, r * s, gA, s);
            }
        });
        Tensor gradA = be.adopt(ga, Shape.of(bsz, h, l)).to(a.dtype());
        Tensor gradB = be.adopt(gb, Shape.of(bsz, h, l)).to(b.dtype());
        return new Tensor[] {gradAttn, gradA, gradB};
    }

    /** {@code p = softmax(-(dy a + dx b))} over one row of distances starting at {@code off}. */
    private static void prior(double[] dy, double[] dx, int off, int s, double a, double b,
            double[] p) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < s; j++) {
            p[j] = -(dy[off + j] * a + dx[off + j] * b);
            max = Math.max(max, p[j]);
        }
        double sum = 0;
        for (int j = 0; j < s; j++) {
            p[j] = Math.exp(p[j] - max);
            sum += p[j];
        }
        double inv = 1.0 / sum;
        for (int j = 0; j < s; j++) {
            p[j] *= inv;
        }
    }
}
