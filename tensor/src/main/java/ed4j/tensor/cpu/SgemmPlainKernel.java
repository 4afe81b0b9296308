package ed4j.tensor.cpu;

import java.util.Arrays;

/**
 * The float32 micro-kernel in plain Java, shaped for C2's auto-vectorizer (superword).
 *
 * <p>It updates three rows of C at once over a strip of 256 columns: for each group of three k
 * steps, the nine A values sit in scalars and the loop over the columns reads three packed B
 * rows and updates three accumulator rows, nine {@link Math#fma} per column, which superword
 * turns into AVX2 code. The shape follows what C2 in JDK 17 vectorizes, found by measurement:
 *
 * <ul>
 *   <li>every array in the loop is indexed {@code x[j]}: two references into one array at
 *       different run-time offsets (rows of one matrix) cannot be aligned together and stop
 *       vectorization, and so does an offset shared by some arrays but not others; so packed B
 *       is one array per k row and strip, and the accumulators one array per row;
 *   <li>three rows by three k steps is the largest body that stays under C2's unroll limit with
 *       default flags (four by three is not vectorized);
 *   <li>the loop must be long (a few hundred iterations) to amortise superword's pre- and
 *       post-loops, hence 256-column strips;
 *   <li>the method holding the loop must have no other loop and no branch that profiling sees
 *       as never taken: a trailing loop for {@code kc % 3} steps, or a conditional that fails in
 *       the last iteration, each dropped it to 5-8 GFLOP/s. So k is padded with zeros to a
 *       multiple of 3 (see {@link SgemmKernel} for why that changes no result).
 * </ul>
 */
final class SgemmPlainKernel implements SgemmKernel {

    private static final int MR = 3;
    /** Columns per strip: the length of the vectorized loop. */
    private static final int NR = 256;

    @Override
    public int mr() {
        return MR;
    }

    @Override
    public int nr() {
        return NR;
    }

    @Override
    public int kStep() {
        return 3;
    }

    @Override
    public PackedB newPackedB(int kcMax, int ncMax) {
        return new Strips(kcMax, ncMax);
    }

    /** Packed B as strips of up to 256 columns, one array per k row: {@code strips[q][p][jj]}. */
    private static final class Strips implements PackedB {

        private final float[][][] strips;

        Strips(int kcMax, int ncMax) {
            int kp = (kcMax + 2) / 3 * 3;
            strips = new float[(ncMax + NR - 1) / NR][kp][];
            for (int q = 0; q < strips.length; q++) {
                int width = Math.min(NR, ncMax - q * NR);
                for (int p = 0; p < kp; p++) {
                    strips[q][p] = new float[width];
                }
            }
        }

        @Override
        public void pack(FloatMatrix b, int p0, int kc, int j0, int nc, int from, int to) {
            float[] src = b.data();
            int rs = b.rowStride();
            int cs = b.colStride();
            int kp = (kc + 2) / 3 * 3;
            for (int q = from / NR; q * NR < Math.min(to, nc); q++) {
                float[][] rows = strips[q];
                int cols = Math.min(NR, nc - q * NR);
                for (int p = kc; p < kp; p++) {
                    Arrays.fill(rows[p], 0f);
                }
                int col0 = b.offset() + (j0 + q * NR) * cs + p0 * rs;
                if (cs == 1) {
                    for (int p = 0; p < kc; p++) {
                        System.arraycopy(src, col0 + p * rs, rows[p], 0, cols);
                    }
                    continue;
                }
                // Column-major or general: walk down each column.
                for (int jj = 0; jj < cols; jj++) {
                    int s = col0 + jj * cs;
                    for (int p = 0; p < kc; p++) {
                        rows[p][jj] = src[s + p * rs];
                    }
                }
            }
        }

        @Override
        public void multiply(int kc, float[] aPack, int panel0, int panel1, int m, int from,
                int to, int nc, float[] c, int cBase, int ldc, boolean overwrite) {
            int kp = (kc + 2) / 3 * 3;
            for (int q = from / NR; q * NR < Math.min(to, nc); q++) {
                int w = Math.min(NR, nc - q * NR);
                float[] c0 = new float[w];
                float[] c1 = new float[w];
                float[] c2 = new float[w];
                for (int r = panel0; r < panel1; r++) {
                    int i0 = r * MR;
                    int out = cBase + i0 * ldc + q * NR;
                    // Rows past M keep whatever the previous panel left: they are never stored.
                    if (overwrite) {
                        Arrays.fill(c0, 0f);
                        Arrays.fill(c1, 0f);
                        Arrays.fill(c2, 0f);
                    } else {
                        System.arraycopy(c, out, c0, 0, w);
                        if (i0 + 1 < m) {
                            System.arraycopy(c, out + ldc, c1, 0, w);
                        }
                        if (i0 + 2 < m) {
                            System.arraycopy(c, out + 2 * ldc, c2, 0, w);
                        }
                    }
                    accumulate(kp, aPack, r * MR * kp, strips[q], c0, c1, c2, w);
                    System.arraycopy(c0, 0, c, out, w);
                    if (i0 + 1 < m) {
                        System.arraycopy(c1, 0, c, out + ldc, w);
                    }
                    if (i0 + 2 < m) {
                        System.arraycopy(c2, 0, c, out + 2 * ldc, w);
                    }
                }
            }
        }
    }

    /**
     * {@code c_i[j] += sum_p a[i, p] * b[p][j]} for the three rows of the A panel at {@code ao},
     * ascending in {@code p}; {@code kp} is a multiple of 3.
     */
    static void accumulate(int kp, float[] a, int ao, float[][] b, float[] c0, float[] c1,
            float[] c2, int w) {
        for (int p = 0; p < kp; p += 3) {
            float a00 = a[ao];
            float a10 = a[ao + 1];
            float a20 = a[ao + 2];
            float a01 = a[ao + 3];
            float a11 = a[ao + 4];
            float a21 = a[ao + 5];
            float a02 = a[ao + 6];
            float a12 = a[ao + 7];
            float a22 = a[ao + 8];
            float[] x0 = b[p];
            float[] x1 = b[p + 1];
            float[] x2 = b[p + 2];
            for (int j = 0; j < w; j++) {
                float b0 = x0[j];
                float b1 = x1[j];
                float b2 = x2[j];
                c0[j] = Math.fma(a02, b2, Math.fma(a01, b1, Math.fma(a00, b0, c0[j])));
                c1[j] = Math.fma(a12, b2, Math.fma(a11, b1, Math.fma(a10, b0, c1[j])));
                c2[j] = Math.fma(a22, b2, Math.fma(a21, b1, Math.fma(a20, b0, c2[j])));
            }
            ao += 3 * MR;
        }
    }
}
