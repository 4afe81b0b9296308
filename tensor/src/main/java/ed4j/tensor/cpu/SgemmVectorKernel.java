package ed4j.tensor.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 micro-kernel on the incubating Vector API ({@code jdk.incubator.vector}), in two
 * widths:
 *
 * <ul>
 *   <li>512 bits (AVX-512): an 8x32 tile of C in sixteen registers, updated per k step by two
 *       vector loads of packed B, eight broadcasts of packed A and sixteen fused multiply-adds
 *       (19 of the 32 registers);
 *   <li>256 bits (AVX2): a 6x16 tile in twelve registers, with two loads, six broadcasts and
 *       twelve fused multiply-adds (15 of the 16 registers).
 * </ul>
 *
 * <p>The default instance takes the widest of the two that the CPU runs natively. Both tiles
 * follow the contract of {@link SgemmKernel}, so their results agree bit for bit.
 *
 * <p>This class is only loaded when the module is in the boot layer (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}); {@link GemmKernel} checks that first and falls back
 * to {@link SgemmPlainKernel} otherwise.
 */
final class SgemmVectorKernel implements SgemmKernel {

    private static final VectorSpecies<Float> S256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> S512 = FloatVector.SPECIES_512;
    /** Rows of a strip packed per pass over its columns, when B is not row-major. */
    private static final int PACK_ROWS = 16;
    /** One row of a C tile of zeros, for the tiles that start from zero. */
    private static final float[] ZEROS = new float[32];

    /** True when the CPU runs 256-bit float vectors natively (else the API would emulate). */
    static boolean supported() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    private final boolean wide;
    private final int mr;
    private final int nr;

    /** The widest tile the CPU runs natively. */
    SgemmVectorKernel() {
        this(FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512 ? 512 : 256);
    }

    /**
     * The tile for {@code bits}-wide vectors, 256 or 512; tests use it to run both on any
     * machine (a width the CPU lacks is emulated by the API, correct but slow).
     */
    SgemmVectorKernel(int bits) {
        if (bits != 256 && bits != 512) {
            throw new IllegalArgumentException("vector width must be 256 or 512 bits, got " + bits);
        }
        wide = bits == 512;
        mr = wide ? 8 : 6;
        nr = wide ? 32 : 16;
    }

    @Override
    public int mr() {
        return mr;
    }

    @Override
    public int nr() {
        return nr;
    }

    @Override
    public int kStep() {
        return 1;
    }

    @Override
    public PackedB newPackedB(int kcMax, int ncMax) {
        return new Strips(kcMax, ncMax);
    }

    /**
     * Packed B as strips of {@code nr} columns: strip {@code q} starts at {@code q * nr * kc} and
     * holds element {@code (p, q * nr + jj)} at {@code p * nr + jj}, zero-padded past {@code nc}.
     */
    private final class Strips implements PackedB {

        private final float[] data;

        Strips(int kcMax, int ncMax) {
            data = PackBuffers.take(kcMax * ((ncMax + nr - 1) / nr) * nr);
        }

        @Override
        public void release() {
            PackBuffers.give(data);
        }

        @Override
        public void pack(FloatMatrix b, int p0, int kc, int j0, int nc, int from, int to) {
            float[] src = b.data();
            int rs = b.rowStride();
            int cs = b.colStride();
            for (int q = from / nr; q * nr < Math.min(to, nc); q++) {
                int base = q * nr * kc;
                int cols = Math.min(nr, nc - q * nr);
                int col0 = b.offset() + (j0 + q * nr) * cs + p0 * rs;
                if (cs == 1 && cols == nr) {
                    for (int p = 0; p < kc; p++) {
                        System.arraycopy(src, col0 + p * rs, data, base + p * nr, nr);
                    }
                    continue;
                }
                if (cols < nr) {
                    Arrays.fill(data, base, base + kc * nr, 0f);
                }
                // Column-major or general: walk down the columns PACK_ROWS rows at a time, so
                // the rows being written stay in L1 while every column passes through them.
                for (int p1 = 0; p1 < kc; p1 += PACK_ROWS) {
                    int p2 = Math.min(kc, p1 + PACK_ROWS);
                    for (int jj = 0; jj < cols; jj++) {
                        int s = col0 + jj * cs;
                        for (int p = p1; p < p2; p++) {
                            data[base + p * nr + jj] = src[s + p * rs];
                        }
                    }
                }
            }
        }

        @Override
        public void multiply(int kc, float[] aPack, int panel0, int panel1, int m, int from,
                int to, int nc, float[] c, int cBase, int ldc, boolean overwrite) {
            float[] tile = null;
            for (int q = from / nr; q * nr < Math.min(to, nc); q++) {
                int bo = q * nr * kc;
                int cols = Math.min(nr, nc - q * nr);
                for (int r = panel0; r < panel1; r++) {
                    int rows = Math.min(mr, m - r * mr);
                    int out = cBase + r * mr * ldc + q * nr;
                    if (rows == mr && cols == nr) {
                        tile(kc, aPack, r * mr * kc, data, bo, c, out, ldc, overwrite);
                        continue;
                    }
                    // Edge tile: run the full tile on a scratch copy of the valid part of C.
                    if (tile == null) {
                        tile = new float[mr * nr];
                    } else {
                        Arrays.fill(tile, 0f);
                    }
                    if (!overwrite) {
                        for (int i = 0; i < rows; i++) {
                            System.arraycopy(c, out + i * ldc, tile, i * nr, cols);
                        }
                    }
                    tile(kc, aPack, r * mr * kc, data, bo, tile, 0, nr, false);
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(tile, i * nr, c, out + i * ldc, cols);
                    }
                }
            }
        }
    }

    private void tile(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co, int ldc,
            boolean zero) {
        if (wide) {
            tile8x32(kc, a, ao, b, bo, c, co, ldc, zero);
        } else {
            tile6x16(kc, a, ao, b, bo, c, co, ldc, zero);
        }
    }

    /**
     * {@code C[8, 32] += A_panel (8, kc) * B_strip (kc, 32)} in 512-bit vectors: the tile of C
     * is loaded into registers (or starts at zero with {@code zero}), updated in ascending
     * {@code p} and stored back.
     */
    private static void tile8x32(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co,
            int ldc, boolean zero) {
        // Zero start: the loads read a row of zeros instead of C. Choosing between arrays here,
        // not between vectors: a choice between FloatVector.zero and a load made the compiled
        // kernel several times slower once both branches had run.
        float[] src = zero ? ZEROS : c;
        int so = zero ? 0 : co;
        int sl = zero ? 0 : ldc;
        FloatVector c00 = FloatVector.fromArray(S512, src, so);
        FloatVector c01 = FloatVector.fromArray(S512, src, so + 16);
        FloatVector c10 = FloatVector.fromArray(S512, src, so + sl);
        FloatVector c11 = FloatVector.fromArray(S512, src, so + sl + 16);
        FloatVector c20 = FloatVector.fromArray(S512, src, so + 2 * sl);
        FloatVector c21 = FloatVector.fromArray(S512, src, so + 2 * sl + 16);
        FloatVector c30 = FloatVector.fromArray(S512, src, so + 3 * sl);
        FloatVector c31 = FloatVector.fromArray(S512, src, so + 3 * sl + 16);
        FloatVector c40 = FloatVector.fromArray(S512, src, so + 4 * sl);
        FloatVector c41 = FloatVector.fromArray(S512, src, so + 4 * sl + 16);
        FloatVector c50 = FloatVector.fromArray(S512, src, so + 5 * sl);
        FloatVector c51 = FloatVector.fromArray(S512, src, so + 5 * sl + 16);
        FloatVector c60 = FloatVector.fromArray(S512, src, so + 6 * sl);
        FloatVector c61 = FloatVector.fromArray(S512, src, so + 6 * sl + 16);
        FloatVector c70 = FloatVector.fromArray(S512, src, so + 7 * sl);
        FloatVector c71 = FloatVector.fromArray(S512, src, so + 7 * sl + 16);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S512, b, bo);
            FloatVector b1 = FloatVector.fromArray(S512, b, bo + 16);
            FloatVector av = FloatVector.broadcast(S512, a[ao]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S512, a[ao + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S512, a[ao + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S512, a[ao + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S512, a[ao + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S512, a[ao + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            av = FloatVector.broadcast(S512, a[ao + 6]);
            c60 = av.fma(b0, c60);
            c61 = av.fma(b1, c61);
            av = FloatVector.broadcast(S512, a[ao + 7]);
            c70 = av.fma(b0, c70);
            c71 = av.fma(b1, c71);
            ao += 8;
            bo += 32;
        }
        store(c, co, 16, c00, c01);
        store(c, co + ldc, 16, c10, c11);
        store(c, co + 2 * ldc, 16, c20, c21);
        store(c, co + 3 * ldc, 16, c30, c31);
        store(c, co + 4 * ldc, 16, c40, c41);
        store(c, co + 5 * ldc, 16, c50, c51);
        store(c, co + 6 * ldc, 16, c60, c61);
        store(c, co + 7 * ldc, 16, c70, c71);
    }

    /**
     * {@code C[6, 16] += A_panel (6, kc) * B_strip (kc, 16)} in 256-bit vectors: the tile of C
     * is loaded into registers (or starts at zero with {@code zero}), updated in ascending
     * {@code p} and stored back.
     */
    private static void tile6x16(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co,
            int ldc, boolean zero) {
        // Zero start: the loads read a row of zeros instead of C. Choosing between arrays here,
        // not between vectors: a choice between FloatVector.zero and a load made the compiled
        // kernel several times slower once both branches had run.
        float[] src = zero ? ZEROS : c;
        int so = zero ? 0 : co;
        int sl = zero ? 0 : ldc;
        FloatVector c00 = FloatVector.fromArray(S256, src, so);
        FloatVector c01 = FloatVector.fromArray(S256, src, so + 8);
        FloatVector c10 = FloatVector.fromArray(S256, src, so + sl);
        FloatVector c11 = FloatVector.fromArray(S256, src, so + sl + 8);
        FloatVector c20 = FloatVector.fromArray(S256, src, so + 2 * sl);
        FloatVector c21 = FloatVector.fromArray(S256, src, so + 2 * sl + 8);
        FloatVector c30 = FloatVector.fromArray(S256, src, so + 3 * sl);
        FloatVector c31 = FloatVector.fromArray(S256, src, so + 3 * sl + 8);
        FloatVector c40 = FloatVector.fromArray(S256, src, so + 4 * sl);
        FloatVector c41 = FloatVector.fromArray(S256, src, so + 4 * sl + 8);
        FloatVector c50 = FloatVector.fromArray(S256, src, so + 5 * sl);
        FloatVector c51 = FloatVector.fromArray(S256, src, so + 5 * sl + 8);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S256, b, bo);
            FloatVector b1 = FloatVector.fromArray(S256, b, bo + 8);
            FloatVector av = FloatVector.broadcast(S256, a[ao]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S256, a[ao + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S256, a[ao + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S256, a[ao + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S256, a[ao + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S256, a[ao + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            ao += 6;
            bo += 16;
        }
        store(c, co, 8, c00, c01);
        store(c, co + ldc, 8, c10, c11);
        store(c, co + 2 * ldc, 8, c20, c21);
        store(c, co + 3 * ldc, 8, c30, c31);
        store(c, co + 4 * ldc, 8, c40, c41);
        store(c, co + 5 * ldc, 8, c50, c51);
    }

    private static void store(float[] c, int off, int half, FloatVector lo, FloatVector hi) {
        lo.intoArray(c, off);
        hi.intoArray(c, off + half);
    }
}
