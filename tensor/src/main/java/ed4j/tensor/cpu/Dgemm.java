package ed4j.tensor.cpu;

import java.util.Arrays;

/**
 * The float64 GEMM: {@code C (M, N) += A (M, K) * B (K, N)} with C contiguous (row stride
 * {@code ldc}). A simpler blocking than the float32 path (k blocks outermost, C updated in place
 * per k block) with the plain-Java micro-kernel of {@link SgemmPlainKernel} written for doubles:
 * three rows of C by three k steps per pass over a strip of columns, k padded with zeros to a
 * multiple of 3, which C2 vectorizes. Each element of C is one fused multiply-add chain in
 * ascending k, so results do not depend on the thread count.
 */
final class Dgemm {

    private Dgemm() {}

    private static final int MR = 3;
    private static final int KC = 256;
    private static final int NC = 1024;
    private static final int MC = 48;
    private static final int NW = 256;

    /** Accumulates {@code a * b} into {@code c[cOff + i * ldc + j]}. */
    static void multiply(Parallel par, DoubleMatrix a, DoubleMatrix b, double[] c, int cOff,
            int ldc, int m, int k, int n) {
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        int panels = (m + MR - 1) / MR;
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int kpMax = (kcMax + 2) / 3 * 3;
        double[] aPack = new double[panels * MR * kpMax];
        double[][] bRows = new double[kpMax][Math.min(NC, n)];
        int threads = par.threads();
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            int rowPanels = MC / MR;
            int width = NW;
            while (tasks(panels, rowPanels, nc, width) < 2 * threads && width > 64) {
                width /= 2;
            }
            while (tasks(panels, rowPanels, nc, width) < 2 * threads && rowPanels > 1) {
                rowPanels = (rowPanels + 1) / 2;
            }
            int rowTasks = (panels + rowPanels - 1) / rowPanels;
            int colTasks = (nc + width - 1) / width;
            int rp = rowPanels;
            int w = width;
            int cBase = cOff + j0;
            for (int p0 = 0; p0 < k; p0 += kcMax) {
                int kc = Math.min(kcMax, k - p0);
                int kp = (kc + 2) / 3 * 3;
                int pStart = p0;
                int jStart = j0;
                par.forRange(panels, Math.max(1, 4096 / kc),
                        (s, e) -> packA(a, pStart, kc, kp, m, s, e, aPack));
                par.forRange(nc, Math.max(16, 4096 / kc),
                        (s, e) -> packB(b, pStart, kc, kp, jStart, s, e, bRows));
                par.forRange(rowTasks * colTasks, 1, (s, e) -> {
                    for (int t = s; t < e; t++) {
                        int panel0 = (t / colTasks) * rp;
                        int panel1 = Math.min(panels, panel0 + rp);
                        int from = (t % colTasks) * w;
                        int to = Math.min(nc, from + w);
                        block(kp, aPack, panel0, panel1, m, bRows, from, to, c, cBase, ldc);
                    }
                });
            }
        }
    }

    private static long tasks(int panels, int rowPanels, int nc, int width) {
        return (long) ((panels + rowPanels - 1) / rowPanels) * ((nc + width - 1) / width);
    }

    /** Panels of {@code MR} rows, element {@code (i, p)} at {@code p * MR + i}, zero-padded. */
    private static void packA(DoubleMatrix a, int p0, int kc, int kp, int m, int panel0,
            int panel1, double[] dst) {
        double[] src = a.data();
        int rs = a.rowStride();
        int cs = a.colStride();
        for (int r = panel0; r < panel1; r++) {
            int base = r * MR * kp;
            Arrays.fill(dst, base, base + MR * kp, 0.0);
            for (int i = 0; i < Math.min(MR, m - r * MR); i++) {
                int s = a.offset() + (r * MR + i) * rs + p0 * cs;
                for (int p = 0; p < kc; p++) {
                    dst[base + p * MR + i] = src[s + p * cs];
                }
            }
        }
    }

    /**
     * Columns {@code [from, to)} of {@code B[p0 : p0 + kc, j0 : ...]} into {@code rows[p][j]},
     * rows {@code kc} to {@code kp} zero.
     */
    private static void packB(DoubleMatrix b, int p0, int kc, int kp, int j0, int from, int to,
            double[][] rows) {
        double[] src = b.data();
        int rs = b.rowStride();
        int cs = b.colStride();
        for (int p = kc; p < kp; p++) {
            Arrays.fill(rows[p], from, to, 0.0);
        }
        if (cs == 1) {
            for (int p = 0; p < kc; p++) {
                System.arraycopy(src, b.offset() + (p0 + p) * rs + j0 + from, rows[p], from,
                        to - from);
            }
            return;
        }
        for (int j = from; j < to; j++) {
            int s = b.offset() + (j0 + j) * cs + p0 * rs;
            for (int p = 0; p < kc; p++) {
                rows[p][j] = src[s + p * rs];
            }
        }
    }

    /** {@code C[panel rows, from : to] += A_panels * B_rows}; C rows are copied in and out. */
    private static void block(int kp, double[] aPack, int panel0, int panel1, int m,
            double[][] bRows, int from, int to, double[] c, int cBase, int ldc) {
        int w = to - from;
        if (w <= 0) {
            return;
        }
        double[][] strip = new double[kp][];
        for (int p = 0; p < kp; p++) {
            strip[p] = Arrays.copyOfRange(bRows[p], from, to);
        }
        double[] c0 = new double[w];
        double[] c1 = new double[w];
        double[] c2 = new double[w];
        for (int r = panel0; r < panel1; r++) {
            int i0 = r * MR;
            int out = cBase + i0 * ldc + from;
            System.arraycopy(c, out, c0, 0, w);
            if (i0 + 1 < m) {
                System.arraycopy(c, out + ldc, c1, 0, w);
            }
            if (i0 + 2 < m) {
                System.arraycopy(c, out + 2 * ldc, c2, 0, w);
            }
            accumulate(kp, aPack, r * MR * kp, strip, c0, c1, c2, w);
            System.arraycopy(c0, 0, c, out, w);
            if (i0 + 1 < m) {
                System.arraycopy(c1, 0, c, out + ldc, w);
            }
            if (i0 + 2 < m) {
                System.arraycopy(c2, 0, c, out + 2 * ldc, w);
            }
        }
    }

    /**
     * {@code c_i[j] += sum_p a[i, p] * b[p][j]} in ascending p; {@code kp} is a multiple of 3.
     * A single loop nest without branches, like {@link SgemmPlainKernel}, so C2 vectorizes it.
     */
    private static void accumulate(int kp, double[] a, int ao, double[][] b, double[] c0,
            double[] c1, double[] c2, int w) {
        for (int p = 0; p < kp; p += 3) {
            double a00 = a[ao];
            double a10 = a[ao + 1];
            double a20 = a[ao + 2];
            double a01 = a[ao + 3];
            double a11 = a[ao + 4];
            double a21 = a[ao + 5];
            double a02 = a[ao + 6];
            double a12 = a[ao + 7];
            double a22 = a[ao + 8];
            double[] x0 = b[p];
            double[] x1 = b[p + 1];
            double[] x2 = b[p + 2];
            for (int j = 0; j < w; j++) {
                double b0 = x0[j];
                double b1 = x1[j];
                double b2 = x2[j];
                c0[j] = Math.fma(a02, b2, Math.fma(a01, b1, Math.fma(a00, b0, c0[j])));
                c1[j] = Math.fma(a12, b2, Math.fma(a11, b1, Math.fma(a10, b0, c1[j])));
                c2[j] = Math.fma(a22, b2, Math.fma(a21, b1, Math.fma(a20, b0, c2[j])));
            }
            ao += 3 * MR;
        }
    }
}
