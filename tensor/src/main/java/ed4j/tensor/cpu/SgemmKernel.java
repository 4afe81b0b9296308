package ed4j.tensor.cpu;

/**
 * A float32 GEMM micro-kernel together with the layout of packed B blocks it reads. The driver
 * ({@link Sgemm}) does the cache blocking, packs A and parallelises; see Note [GEMM tiling] in
 * {@link Gemm}.
 *
 * <p>Packed A, common to all kernels: the rows of an {@code (M, kc)} block are cut into panels of
 * {@link #mr()} rows, and {@code kc} is rounded up to {@code kp}, a multiple of {@link #kStep()};
 * panel {@code r} starts at {@code r * mr * kp} and stores element {@code (r * mr + i, p)} at
 * {@code p * mr + i}; rows past M and columns past {@code kc} are zero.
 *
 * <p>Contract shared by the kernels, which makes their results identical bit for bit: each
 * element of C is loaded, updated with {@link Math#fma} by the products in ascending {@code p},
 * and stored; the driver runs the k blocks in order on a zeroed tile, so each element of the
 * product is one fused multiply-add chain over all of K starting from +0, then added to C. Zero
 * padding adds {@code fma(0, 0, t)}, which changes nothing but a -0 into +0; adding either zero
 * to C gives the same C, since C never holds -0 (it starts at +0, and {@code x + y} is -0 only
 * when both are). When the driver overwrites C (a fresh output) it stores the chains as they
 * are: there a zero result may differ in sign between the kernels (the plain kernel's zero
 * padding turns a -0 into +0) and from the accumulated one; every other value agrees bit for
 * bit.
 */
interface SgemmKernel {

    /** Rows per packed A panel. */
    int mr();

    /** Columns per packed B strip: the driver cuts column ranges at multiples of it. */
    int nr();

    /** The k-block length of packed A and B is rounded up to a multiple of this. */
    int kStep();

    /** A workspace for packed B blocks of up to {@code kcMax} rows and {@code ncMax} columns. */
    PackedB newPackedB(int kcMax, int ncMax);

    /** One packed {@code (kc, nc)} block of B and the multiplication that reads it. */
    interface PackedB {

        /**
         * Packs columns {@code [from, to)} of the block {@code B[p0 : p0 + kc, j0 : j0 + nc]},
         * zero rows up to the next multiple of {@link #kStep()}; {@code from} is a multiple of
         * {@link #nr()}, {@code to} one too or {@code nc}.
         */
        void pack(FloatMatrix b, int p0, int kc, int j0, int nc, int from, int to);

        /**
         * {@code C[rows, from : to] += A_block * B_block} for the A panels {@code [panel0,
         * panel1)} (packed with {@code kc} rounded up to {@link #kStep()}): element {@code (i,
         * j)} of the block is {@code c[cBase + i * ldc + j]} ({@code cBase} may be negative when
         * C is a buffer for only these rows and columns), updated when {@code i < m}; columns
         * are clipped to {@code nc}. With {@code overwrite}, {@code C = A_block * B_block}: the
         * chains start from +0 and C is only written, never read.
         */
        void multiply(int kc, float[] aPack, int panel0, int panel1, int m, int from, int to,
                int nc, float[] c, int cBase, int ldc, boolean overwrite);

        /** Called once the product is done; the workspace is not used afterwards. */
        default void release() {}
    }
}
