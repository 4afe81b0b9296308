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

    /**
     * Largest k block: a 16-column B strip of it (32 KiB) stays in L1 or close by. Measured on
     * the 2-core EPYC (1024 and 2048 square, 2 threads): 512 and 768 beat 256 by about 10%, as
     * fewer blocks mean fewer loads and stores of each C tile. With the 32-column strips of the
     * 512-bit tile (64 KiB) 256 and 512 measured the same within the noise, so 512 stays.
     */
    static final int KC = 512;
    /** Rows per task: their packed A (MC x KC floats, 192 KiB) stays in L2. */
    static final int MC = 96;
    /** Columns per task: with MC, a 96 KiB block of C accumulated in L2. */
    static final int NW = 256;
    /** Packed A and packed B hold at most this many floats each (16 MiB). */
    static final int PACK_BUDGET = 1 << 22;

    /**
     * Accumulates {@code a * b} into {@code c[cOff + i * ldc + j]}, which the caller has zeroed
     * or filled; {@code a} is {@code (m, k)}, {@code b} is {@code (k, n)}.
     */
    static void multiply(Parallel par, SgemmKernel kernel, FloatMatrix a, FloatMatrix b,
            float[] c, int cOff, int ldc, int m, int k, int n) {
        multiply(par, kernel, a, b, c, cOff, ldc, m, k, n, PACK_BUDGET, false);
    }

    /**
     * Writes {@code a * b} to C whatever C held, without reading it, for less memory traffic (a
     * product with a short inner dimension is bound by its passes over C). The values are those
     * that {@link #multiply} accumulates into a zeroed C, bit for bit except the sign of a zero:
     * where every product of a chain is zero or underflows with a negative sign, the chain may
     * end at -0, which is stored as is, while adding it to a zeroed C gives +0. (Normalising it
     * with a vector add of +0 in the micro-kernel made the kernel several times slower.)
     */
    static void multiplyOverwrite(Parallel par, SgemmKernel kernel, FloatMatrix a, FloatMatrix b,
            float[] c, int cOff, int ldc, int m, int k, int n) {
        multiply(par, kernel, a, b, c, cOff, ldc, m, k, n, PACK_BUDGET, true);
    }

    /** As above with another bound on packed A and B, in floats (tests use small ones). */
    static void multiply(Parallel par, SgemmKernel kernel, FloatMatrix a, FloatMatrix b,
            float[] c, int cOff, int ldc, int m, int k, int n, int packBudget,
            boolean overwrite) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (overwrite) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        int mr = kernel.mr();
        int nr = kernel.nr();
        // K is split into equal blocks: the split depends on K only, never on the threads.
        int kBlocks = (k + KC - 1) / KC;
        int kcMax = (k + kBlocks - 1) / kBlocks;
        int kpMax = roundUp(kcMax, kernel.kStep());
        // Column blocks and row groups, packed over the whole of K, within the budget.
        int ncMax = Math.min(n, Math.max(NW, packBudget / k / NW * NW));
        int mgMax = Math.min(m, Math.max(MC, packBudget / k / MC * MC));
        SgemmKernel.PackedB[] bPack = new SgemmKernel.PackedB[kBlocks];
        float[][] aPack = new float[kBlocks][];
        for (int kb = 0; kb < kBlocks; kb++) {
            bPack[kb] = kernel.newPackedB(kcMax, ncMax);
            aPack[kb] = PackBuffers.take(roundUp(mgMax, mr) * kpMax);
        }
        try {
            multiplyBlocks(par, kernel, a, b, c, cOff, ldc, m, k, n, kBlocks, kcMax, ncMax, mgMax,
                    bPack, aPack, overwrite);
        } finally {
            for (int kb = 0; kb < kBlocks; kb++) {
                bPack[kb].release();
                PackBuffers.give(aPack[kb]);
            }
        }
    }

    private static void multiplyBlocks(Parallel par, SgemmKernel kernel, FloatMatrix a,
            FloatMatrix b, float[] c, int cOff, int ldc, int m, int k, int n, int kBlocks,
            int kcMax, int ncMax, int mgMax, SgemmKernel.PackedB[] bPack, float[][] aPack,
            boolean overwrite) {
        int mr = kernel.mr();
        int nr = kernel.nr();
        for (int j0 = 0; j0 < n; j0 += ncMax) {
            int nc = Math.min(ncMax, n - j0);
            int jStart = j0;
            int strips = (nc + nr - 1) / nr;
            par.forRange(kBlocks * strips, Math.max(1, 16384 / (kcMax * nr)), (s, e) -> {
                for (int t = s; t < e; t++) {
                    int kb = t / strips;
                    int q = t % strips;
                    int p0 = kb * kcMax;
                    bPack[kb].pack(b, p0, Math.min(kcMax, k - p0), jStart, nc, q * nr,
                            Math.min(nc, (q + 1) * nr));
                }
            });
            for (int i0 = 0; i0 < m; i0 += mgMax) {
                int mg = Math.min(mgMax, m - i0);
                FloatMatrix rows = new FloatMatrix(a.data(), a.offset() + i0 * a.rowStride(),
                        a.rowStride(), a.colStride());
                int panels = (mg + mr - 1) / mr;
                par.forRange(kBlocks * panels, Math.max(1, 16384 / (kcMax * mr)), (s, e) -> {
                    for (int t = s; t < e; t++) {
                        int kb = t / panels;
                        int p0 = kb * kcMax;
                        int kc = Math.min(kcMax, k - p0);
                        packA(rows, p0, kc, roundUp(kc, kernel.kStep()), mg, mr, t % panels,
                                t % panels + 1, aPack[kb]);
                    }
                });
                multiplyPacked(par, kernel, aPack, bPack, kcMax, k, mg, nc, c,
                        cOff + i0 * ldc + j0, ldc, overwrite);
            }
        }
    }

    /**
     * Runs the tasks of one packed {@code (mg, nc)} block of C: each task accumulates its
     * {@code MC x NW} tile over all k blocks in a private buffer, then adds it to C once (or
     * stores it, with {@code overwrite}). With {@code overwrite} and a single k block the
     * micro-kernel writes C directly: the same chains from +0, without the buffer's passes.
     */
    private static void multiplyPacked(Parallel par, SgemmKernel kernel, float[][] aPack,
            SgemmKernel.PackedB[] bPack, int kcMax, int k, int mg, int nc, float[] c, int cBase,
            int ldc, boolean overwrite) {
        int mr = kernel.mr();
        int panels = (mg + mr - 1) / mr;
        int threads = par.threads();
        // Task grid: shrink the tiles until every thread has a few; results do not depend on it.
        int rowPanels = Math.max(1, MC / mr);
        int width = Math.max(NW, kernel.nr());
        while (tasks(panels, rowPanels, nc, width) < 4 * threads && width > 64
                && width / 2 % kernel.nr() == 0) {
            width /= 2;
        }
        while (tasks(panels, rowPanels, nc, width) < 4 * threads && rowPanels > 1) {
            rowPanels = (rowPanels + 1) / 2;
        }
        int rp = rowPanels;
        int w = width;
        int colTasks = (nc + w - 1) / w;
        int rowTasks = (panels + rp - 1) / rp;
        if (overwrite && k <= kcMax) {
            par.forPieces(rowTasks * colTasks, 1, (s, e) -> {
                for (int t = s; t < e; t++) {
                    int panel0 = (t / colTasks) * rp;
                    int from = (t % colTasks) * w;
                    bPack[0].multiply(k, aPack[0], panel0, Math.min(panels, panel0 + rp), mg,
                            from, from + w, nc, c, cBase, ldc, true);
                }
            });
            return;
        }
        par.forPieces(rowTasks * colTasks, 1, (s, e) -> {
            float[] tile = new float[rp * mr * w];
            for (int t = s; t < e; t++) {
                int panel0 = (t / colTasks) * rp;
                int panel1 = Math.min(panels, panel0 + rp);
                int from = (t % colTasks) * w;
                Arrays.fill(tile, 0f);
                // The tile's row i, column j is at (i - panel0 * mr) * w + (j - from).
                for (int kb = 0; kb * kcMax < k; kb++) {
                    bPack[kb].multiply(Math.min(kcMax, k - kb * kcMax), aPack[kb], panel0,
                            panel1, mg, from, from + w, nc, tile, -(panel0 * mr * w) - from, w,
                            false);
                }
                int rows = Math.min(mg, panel1 * mr) - panel0 * mr;
                int cols = Math.min(w, nc - from);
                for (int i = 0; i < rows; i++) {
                    int dst = cBase + (panel0 * mr + i) * ldc + from;
                    if (overwrite) {
                        System.arraycopy(tile, i * w, c, dst, cols);
                        continue;
                    }
                    for (int j = 0; j < cols; j++) {
                        c[dst + j] += tile[i * w + j];
                    }
                }
            }
        });
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
