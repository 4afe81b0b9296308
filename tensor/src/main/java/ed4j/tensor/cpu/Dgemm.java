package ed4j.tensor.cpu;

import java.util.Arrays;

/**
 * The float64 GEMM: {@code C (M, N) += A (M, K) * B (K, N)} with C contiguous (row stride
 * {@code ldc}). Same blocking and packing as the float32 path (Note [GEMM tiling] in {@link
 * Gemm}) with the plain-Java micro-kernel of {@link SgemmPlainKernel} written for doubles: three
 * rows of C by three k steps per pass over a strip of columns, which C2 vectorizes.
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
        double[] aPack = new double[panels * MR * kcMax];
        double[][] bRows = new double[kcMax][Math.min(NC, n)];
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
                int pStart = p0;
                int jStart = j0;
                par.forRange(panels, Math.max(1, 4096 / kc),
                        (s, e) -> packA(a, pStart, kc, m, s, e, aPack));
                par.forRange(nc, Math.max(16, 4096 / kc),
                        (s, e) -> packB(b, pStart, kc, jStart, s, e, bRows));
                par.forRange(rowTasks * colTasks, 1, (s, e) -> {
                    for (int t = s; t < e; t++) {
                        int panel0 = (t / colTasks) * rp;
                        int panel1 = Math.min(panels, panel0 + rp);
                        int from = (t % colTasks) * w;
                        int to = Math.min(nc, from + w);
                        block(kc, aPack, panel0, panel1, m, bRows, from, to, c, cBase, ldc);
                    }
                });
            }
        }
    }

    private static long tasks(int panels, int rowPanels, int nc, int width) {
        return (long) ((panels + rowPanels - 1) / rowPanels) * ((nc + width - 1) / width);
    }

    private static void packA(DoubleMatrix a, int p0, int kc, int m, int panel0, int panel1,
            double[] dst) {
        double[] src = a.data();
        int rs = a.rowStride();
        int cs = a.colStride();
        for (int r = panel0; r < panel1; r++) {
            int base = r * MR * kc;
            for (int i = 0; i < MR; i++) {
                int row = r * MR + i;
                int s = a.offset() + row * rs + p0 * cs;
                for (int p = 0; p < kc; p++) {
                    dst[base + p * MR + i] = row < m ? src[s + p * cs] : 0.0;
                }
            }
        }
    }

    /** Columns {@code [from, to)} of {@code B[p0 : p0 + kc, j0 : ...]} into {@code rows[p][j]}. */
    private static void packB(DoubleMatrix b, int p0, int kc, int j0, int from, int to,
            double[][] rows) {
        double[] src = b.data();
        int rs = b.rowStride();
        int cs = b.colStride();
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

    private static void block(int kc, double[] aPack, int panel0, int panel1, int m,
            double[][] bRows, int from, int to, double[] c, int cBase, int ldc) {
        int w = to - from;
        if (w <= 0) {
            return;
        }
        double[] c0 = new double[w];
        double[] c1 = new double[w];
        double[] c2 = new double[w];
        for (int r = panel0; r < panel1; r++) {
            Arrays.fill(c0, 0.0);
            Arrays.fill(c1, 0.0);
            Arrays.fill(c2, 0.0);
            accumulate(kc, aPack, r * MR * kc, bRows, from, w, c0, c1, c2);
            int i0 = r * MR;
            int out = cBase + i0 * ldc + from;
            addRow(c0, c, out, w);
            if (i0 + 1 < m) {
                addRow(c1, c, out + ldc, w);
            }
            if (i0 + 2 < m) {
                addRow(c2, c, out + 2 * ldc, w);
            }
        }
    }

    private static void addRow(double[] acc, double[] c, int off, int w) {
        for (int j = 0; j < w; j++) {
            c[off + j] += acc[j];
        }
    }

    private static void accumulate(int kc, double[] a, int ao, double[][] b, int from, int w,
            double[] c0, double[] c1, double[] c2) {
        int p = 0;
        for (; p + 3 <= kc; p += 3) {
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
                double b0 = x0[from + j];
                double b1 = x1[from + j];
                double b2 = x2[from + j];
                c0[j] = Math.fma(a02, b2, Math.fma(a01, b1, Math.fma(a00, b0, c0[j])));
                c1[j] = Math.fma(a12, b2, Math.fma(a11, b1, Math.fma(a10, b0, c1[j])));
                c2[j] = Math.fma(a22, b2, Math.fma(a21, b1, Math.fma(a20, b0, c2[j])));
            }
            ao += 3 * MR;
        }
        for (; p < kc; p++) {
            double a0 = a[ao];
            double a1 = a[ao + 1];
            double a2 = a[ao + 2];
            double[] x = b[p];
            for (int j = 0; j < w; j++) {
                double bv = x[from + j];
                c0[j] = Math.fma(a0, bv, c0[j]);
                c1[j] = Math.fma(a1, bv, c1[j]);
                c2[j] = Math.fma(a2, bv, c2[j]);
            }
            ao += MR;
        }
    }
}
