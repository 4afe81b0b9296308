package ed4j.tensor.cpu;

import java.util.Arrays;

/**
 * The blocked float32 GEMM driver: {@code C (M, N) += A (M, K) * B (K, N)} with C contiguous
 * (row stride {@code ldc}). It cuts the problem into cache blocks, packs A and B, and hands
 * packed blocks to an {@link SgemmKernel}; the scheme is explained in Note [GEMM tiling] in
 * {@link Gemm}.
 */
final class Sgemm {

    private Sgemm() {}

    /** Largest k-block: a 16-column B strip of it (16 KiB) stays in L1. */
    static final int KC = 256;
    /** Largest column block: its packed B (KC x NC floats, 2 MiB) stays in L3. */
    static final int NC = 2048;
    /** Rows per task: their packed A (MC x KC floats, 96 KiB) stays in L2. */
    static final int MC = 96;
    /** Columns per task. */
    static final int NW = 256;

    /**
     * Accumulates {@code a * b} into {@code c[cOff + i * ldc + j]}, which the caller has zeroed
     * or filled; {@code a} is {@code (m, k)}, {@code b} is {@code (k, n)}.
     */
    static void multiply(Parallel par, SgemmKernel kernel, FloatMatrix a, FloatMatrix b,
            float[] c, int cOff, int ldc, int m, int k, int n) {
        if (m == 0 || n == 0 || k == 0) {
            return;
        }
        int mr = kernel.mr();
        int nr = kernel.nr();
        int ks = kernel.kStep();
        int panels = (m + mr - 1) / mr;
        // K is split into equal blocks: the split depends on K only, never on the threads.
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int ncMax = Math.min(NC, n);
        float[] aPack = new float[panels * mr * roundUp(kcMax, ks)];
        SgemmKernel.PackedB bPack = kernel.newPackedB(kcMax, ncMax);
        int threads = par.threads();
        for (int j0 = 0; j0 < n; j0 += NC) {
            int nc = Math.min(NC, n - j0);
            // Task grid over the (M, nc) block: shrink the tiles until every thread has work.
            int rowPanels = Math.max(1, MC / mr);
            int width = Math.max(NW, nr);
            while (tasks(panels, rowPanels, nc, width) < 2 * threads && width > 64
                    && width / 2 % nr == 0) {
                width /= 2;
            }
            while (tasks(panels, rowPanels, nc, width) < 2 * threads && rowPanels > 1) {
                rowPanels = (rowPanels + 1) / 2;
            }
            int rowTasks = (panels + rowPanels - 1) / rowPanels;
            int colTasks = (nc + width - 1) / width;
            int strips = (nc + nr - 1) / nr;
            int rp = rowPanels;
            int w = width;
            int cBase = cOff + j0;
            for (int p0 = 0; p0 < k; p0 += kcMax) {
                int kc = Math.min(kcMax, k - p0);
                int pStart = p0;
                int jStart = j0;
                par.forRange(panels, Math.max(1, 4096 / kc),
                        (s, e) -> packA(a, pStart, kc, roundUp(kc, ks), m, mr, s, e, aPack));
                par.forRange(strips, Math.max(1, 4096 / (kc * nr)),
                        (s, e) -> bPack.pack(b, pStart, kc, jStart, nc, s * nr,
                                Math.min(nc, e * nr)));
                par.forRange(rowTasks * colTasks, 1, (s, e) -> {
                    for (int t = s; t < e; t++) {
                        int panel0 = (t / colTasks) * rp;
                        int panel1 = Math.min(panels, panel0 + rp);
                        int from = (t % colTasks) * w;
                        bPack.multiply(kc, aPack, panel0, panel1, m, from, from + w, nc, c,
                                cBase, ldc);
                    }
                });
            }
        }
    }

    private static int roundUp(int x, int step) {
        return (x + step - 1) / step * step;
    }

    private static long tasks(int panels, int rowPanels, int nc, int width) {
        return (long) ((panels + rowPanels - 1) / rowPanels) * ((nc + width - 1) / width);
    }

    /**
     * Packs the panels {@code [panel0, panel1)} of {@code A[:, p0 : p0 + kc]}: panel {@code r}
     * at {@code r * mr * kp}, element {@code (r * mr + i, p)} at {@code p * mr + i}; rows past
     * {@code m} and columns from {@code kc} to {@code kp} are zero.
     */
    static void packA(FloatMatrix a, int p0, int kc, int kp, int m, int mr, int panel0,
            int panel1, float[] dst) {
        float[] src = a.data();
        int rs = a.rowStride();
        int cs = a.colStride();
        for (int r = panel0; r < panel1; r++) {
            int base = r * mr * kp;
            Arrays.fill(dst, base + kc * mr, base + kp * mr, 0f);
            for (int i = 0; i < mr; i++) {
                int row = r * mr + i;
                if (row >= m) {
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * mr + i] = 0f;
                    }
                    continue;
                }
                int s = a.offset() + row * rs + p0 * cs;
                for (int p = 0; p < kc; p++) {
                    dst[base + p * mr + i] = src[s + p * cs];
                }
            }
        }
    }
}
