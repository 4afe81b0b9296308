package ed4j.tensor.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 micro-kernel on the incubating Vector API ({@code jdk.incubator.vector}): a 6x16
 * tile of C held in twelve 256-bit registers, updated per k step by two vector loads of packed
 * B, six broadcasts of packed A and twelve fused multiply-adds (15 of the 16 AVX2 registers).
 *
 * <p>This class is only loaded when the module is in the boot layer (the JVM was started with
 * {@code --add-modules jdk.incubator.vector}); {@link GemmKernel} checks that first and falls back
 * to {@link SgemmPlainKernel} otherwise.
 */
final class SgemmVectorKernel implements SgemmKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int MR = 6;
    private static final int NR = 16;

    /** True when the CPU runs 256-bit float vectors natively (else the API would emulate). */
    static boolean supported() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= S.vectorBitSize();
    }

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
        return 1;
    }

    @Override
    public PackedB newPackedB(int kcMax, int ncMax) {
        return new Strips(kcMax, ncMax);
    }

    /**
     * Packed B as strips of 16 columns: strip {@code q} starts at {@code q * 16 * kc} and holds
     * element {@code (p, q * 16 + jj)} at {@code p * 16 + jj}, zero-padded past {@code nc}.
     */
    private static final class Strips implements PackedB {

        private final float[] data;

        Strips(int kcMax, int ncMax) {
            data = new float[kcMax * ((ncMax + NR - 1) / NR) * NR];
        }

        @Override
        public void pack(FloatMatrix b, int p0, int kc, int j0, int nc, int from, int to) {
            float[] src = b.data();
            int rs = b.rowStride();
            int cs = b.colStride();
            for (int q = from / NR; q * NR < Math.min(to, nc); q++) {
                int base = q * NR * kc;
                int cols = Math.min(NR, nc - q * NR);
                int col0 = b.offset() + (j0 + q * NR) * cs + p0 * rs;
                if (cs == 1 && cols == NR) {
                    for (int p = 0; p < kc; p++) {
                        System.arraycopy(src, col0 + p * rs, data, base + p * NR, NR);
                    }
                    continue;
                }
                if (cols < NR) {
                    Arrays.fill(data, base, base + kc * NR, 0f);
                }
                // Column-major or general: walk down each column.
                for (int jj = 0; jj < cols; jj++) {
                    int s = col0 + jj * cs;
                    for (int p = 0; p < kc; p++) {
                        data[base + p * NR + jj] = src[s + p * rs];
                    }
                }
            }
        }

        @Override
        public void multiply(int kc, float[] aPack, int panel0, int panel1, int m, int from,
                int to, int nc, float[] c, int cBase, int ldc) {
            float[] tile = null;
            for (int q = from / NR; q * NR < Math.min(to, nc); q++) {
                int bo = q * NR * kc;
                int cols = Math.min(NR, nc - q * NR);
                for (int r = panel0; r < panel1; r++) {
                    int rows = Math.min(MR, m - r * MR);
                    int out = cBase + r * MR * ldc + q * NR;
                    if (rows == MR && cols == NR) {
                        tile6x16(kc, aPack, r * MR * kc, data, bo, c, out, ldc);
                        continue;
                    }
                    // Edge tile: run the full tile on a scratch copy of the valid part of C.
                    if (tile == null) {
                        tile = new float[MR * NR];
                    } else {
                        Arrays.fill(tile, 0f);
                    }
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(c, out + i * ldc, tile, i * NR, cols);
                    }
                    tile6x16(kc, aPack, r * MR * kc, data, bo, tile, 0, NR);
                    for (int i = 0; i < rows; i++) {
                        System.arraycopy(tile, i * NR, c, out + i * ldc, cols);
                    }
                }
            }
        }
    }

    /**
     * {@code C[6, 16] += A_panel (6, kc) * B_strip (kc, 16)}: the tile of C is loaded into
     * registers, updated in ascending {@code p} and stored back.
     */
    private static void tile6x16(int kc, float[] a, int ao, float[] b, int bo, float[] c, int co,
            int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, c, co);
        FloatVector c01 = FloatVector.fromArray(S, c, co + 8);
        FloatVector c10 = FloatVector.fromArray(S, c, co + ldc);
        FloatVector c11 = FloatVector.fromArray(S, c, co + ldc + 8);
        FloatVector c20 = FloatVector.fromArray(S, c, co + 2 * ldc);
        FloatVector c21 = FloatVector.fromArray(S, c, co + 2 * ldc + 8);
        FloatVector c30 = FloatVector.fromArray(S, c, co + 3 * ldc);
        FloatVector c31 = FloatVector.fromArray(S, c, co + 3 * ldc + 8);
        FloatVector c40 = FloatVector.fromArray(S, c, co + 4 * ldc);
        FloatVector c41 = FloatVector.fromArray(S, c, co + 4 * ldc + 8);
        FloatVector c50 = FloatVector.fromArray(S, c, co + 5 * ldc);
        FloatVector c51 = FloatVector.fromArray(S, c, co + 5 * ldc + 8);
        for (int p = 0; p < kc; p++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + 8);
            FloatVector av = FloatVector.broadcast(S, a[ao]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(S, a[ao + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(S, a[ao + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(S, a[ao + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
            av = FloatVector.broadcast(S, a[ao + 4]);
            c40 = av.fma(b0, c40);
            c41 = av.fma(b1, c41);
            av = FloatVector.broadcast(S, a[ao + 5]);
            c50 = av.fma(b0, c50);
            c51 = av.fma(b1, c51);
            ao += MR;
            bo += NR;
        }
        store(c, co, c00, c01);
        store(c, co + ldc, c10, c11);
        store(c, co + 2 * ldc, c20, c21);
        store(c, co + 3 * ldc, c30, c31);
        store(c, co + 4 * ldc, c40, c41);
        store(c, co + 5 * ldc, c50, c51);
    }

    private static void store(float[] c, int off, FloatVector lo, FloatVector hi) {
        lo.intoArray(c, off);
        hi.intoArray(c, off + 8);
    }
}
