package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Batched matrix multiplication {@code a (..., M, K) x b (..., K, N) -> (..., M, N)}.
 *
 * <p>The leading (batch) dims of the operands are equal but may be expanded (zero strides); the
 * last two dims of each operand may be row-major, column-major (a transposed view) or any other
 * strided layout, and are read in place by the packing routines. Float32 goes to {@link Sgemm}
 * with the selected {@link GemmKernel}, float64 to {@link Dgemm}.
 *
 * <h2>Note [GEMM tiling]</h2>
 *
 * <p>The scheme is the one of GotoBLAS and BLIS, with C accumulated per task. For one product
 * (sizes for float32 on a core with 32 KiB L1 and 1 MiB L2):
 *
 * <pre>
 *   K is cut into kb = ceil(K / 512) equal k blocks (kc <= 512)
 *   for each column block of B (up to 2048 columns, at most 4M floats packed):
 *     pack B, every k block, into strips of NR columns      (parallel over strips)
 *     for each row group of A (at most 4M floats packed):
 *       pack A, every k block, into panels of MR rows       (parallel over panels)
 *       parallel for each task = 96 rows x 256 columns of C:
 *         zero a private 96 x 256 tile                      (96 KiB, stays in L2)
 *         for each k block, each B strip, each A panel:
 *           micro-kernel: tile (MR, NR) += A panel (MR, kc) x B strip (kc, NR)
 *             the B strip (kc x 16 floats, up to 32 KiB) stays in L1 across the panels,
 *             the A panels of the task (96 x kc) in L2 across the strips
 *         C[task] += tile                                   (one pass over C)
 * </pre>
 *
 * <p>Packing copies each operand once into the order the micro-kernel reads it, with unit
 * stride, whatever the source layout: that is where a transposed, sliced or expanded operand is
 * read, so no operand is ever made contiguous first. The private tile keeps the micro-kernel's
 * loads and stores of C in cache; writing C directly cost about 15% in cache misses.
 *
 * <p>Determinism: the k blocks depend only on K, and the micro-kernels update each tile element
 * with fused multiply-adds in ascending k, block after block, from +0; the task grid only
 * decides which thread computes which tile. Results therefore do not depend on the thread count,
 * and both float32 kernels agree bit for bit ({@link SgemmKernel}).
 *
 * <p>Batches: when B is shared by the whole batch (zero batch strides) and A's batch and row
 * dims merge into one stride, the batch is folded into M and runs as one large product (the
 * common {@code x (B, T, D) @ W^T} case). Otherwise small or many products run in parallel over
 * the batch, each on one thread, and large ones one after the other, each parallel inside.
 */
final class Gemm {

    private Gemm() {}

    /** Below this many multiply-adds per product, a batch runs in parallel over its items. */
    private static final long SMALL = 1L << 21;

    static Tensor matmul(CpuBackend be, Tensor a, Tensor b) {
        return matmul(be, a, b, GemmKernel.defaultKernel());
    }

    static Tensor matmul(CpuBackend be, Tensor a, Tensor b, GemmKernel kernel) {
        int rank = a.rank();
        int m = a.size(rank - 2);
        int k = a.size(rank - 1);
        int n = b.size(rank - 1);
        int[] outDims = a.shape().toArray();
        outDims[rank - 1] = n;
        Tensor out = be.empty(Shape.of(outDims), a.dtype());
        if (out.numel() == 0 || k == 0) {
            return out;
        }
        int batch = out.numel() / (m * n);
        int rowStride = a.stride(rank - 2);
        if (batch > 1 && isShared(b)) {
            int folded = foldedRowStride(a);
            if (folded >= 0) {
                rowStride = folded;
                m *= batch;
                batch = 1;
            }
        }
        int[] aOff = batchOffsets(a, batch);
        int[] bOff = batchOffsets(b, batch);
        int mm = m;
        int ars = rowStride;
        Parallel par = be.parallel();
        if (a.dtype() == DType.FLOAT32) {
            float[] x = ElementwiseKernels.storage(a).floats();
            float[] y = ElementwiseKernels.storage(b).floats();
            float[] z = ElementwiseKernels.storage(out).floats();
            SgemmKernel impl = kernel.implementation();
            // The output is fresh: written, never read.
            forEachItem(par, batch, (long) m * n * k, i -> Sgemm.multiplyOverwrite(par, impl,
                    new FloatMatrix(x, aOff[i], ars, a.stride(rank - 1)),
                    new FloatMatrix(y, bOff[i], b.stride(rank - 2), b.stride(rank - 1)),
                    z, i * mm * n, n, mm, k, n));
        } else {
            double[] x = ElementwiseKernels.storage(a).doubles();
            double[] y = ElementwiseKernels.storage(b).doubles();
            double[] z = ElementwiseKernels.storage(out).doubles();
            forEachItem(par, batch, (long) m * n * k, i -> Dgemm.multiply(par,
                    new DoubleMatrix(x, aOff[i], ars, a.stride(rank - 1)),
                    new DoubleMatrix(y, bOff[i], b.stride(rank - 2), b.stride(rank - 1)),
                    z, i * mm * n, n, mm, k, n));
        }
        return out;
    }

    /**
     * {@code C += A * B} (or {@code C = A * B} with {@code overwrite}, whatever C held) on raw
     * arrays, all {@code float[]} (default kernel) or all {@code double[]}: {@code A (m, k)} and
     * {@code B (k, n)} strided, C with row stride {@code ldc}. Used by the convolution kernels.
     */
    static void multiply(Parallel par, Object a, int aOff, int ars, int acs, Object b, int bOff,
            int brs, int bcs, Object c, int cOff, int ldc, int m, int k, int n,
            boolean overwrite) {
        if (a instanceof float[] x) {
            FloatMatrix am = new FloatMatrix(x, aOff, ars, acs);
            FloatMatrix bm = new FloatMatrix((float[]) b, bOff, brs, bcs);
            SgemmKernel kernel = GemmKernel.defaultKernel().implementation();
            if (overwrite) {
                Sgemm.multiplyOverwrite(par, kernel, am, bm, (float[]) c, cOff, ldc, m, k, n);
            } else {
                Sgemm.multiply(par, kernel, am, bm, (float[]) c, cOff, ldc, m, k, n);
            }
        } else {
            if (overwrite) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill((double[]) c, cOff + i * ldc, cOff + i * ldc + n, 0.0);
                }
            }
            Dgemm.multiply(par, new DoubleMatrix((double[]) a, aOff, ars, acs),
                    new DoubleMatrix((double[]) b, bOff, brs, bcs), (double[]) c, cOff, ldc, m, k,
                    n);
        }
    }

    /** Runs one product per batch item: in parallel over items when they are small or many. */
    static void forEachItem(Parallel par, int batch, long work, Item item) {
        if (batch > 1 && (batch >= 2 * par.threads() || work <= SMALL)) {
            // Inside a worker the products' own parallel loops run inline.
            par.forRange(batch, 1, (s, e) -> {
                for (int i = s; i < e; i++) {
                    item.run(i);
                }
            });
        } else {
            for (int i = 0; i < batch; i++) {
                item.run(i);
            }
        }
    }

    /** One item of a batch. */
    @FunctionalInterface
    interface Item {
        void run(int index);
    }

    /** True when every batch dim of {@code t} has stride 0 or size 1. */
    private static boolean isShared(Tensor t) {
        for (int d = 0; d < t.rank() - 2; d++) {
            if (t.size(d) > 1 && t.stride(d) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The row stride of {@code t}'s batch and row dims merged into one, or -1 when they do not
     * merge (each dim's stride must be the next one's stride times its size).
     */
    private static int foldedRowStride(Tensor t) {
        int inner = -1;
        int innerSize = 1;
        for (int d = t.rank() - 2; d >= 0; d--) {
            if (t.size(d) == 1) {
                continue;
            }
            if (inner >= 0 && t.stride(d) != inner * innerSize) {
                return -1;
            }
            if (inner < 0) {
                inner = t.stride(d);
                innerSize = t.size(d);
            } else {
                innerSize *= t.size(d);
            }
        }
        return Math.max(inner, 0);
    }

    /** Storage offset of each batch item's matrix, batch items in row-major order. */
    private static int[] batchOffsets(Tensor t, int batch) {
        int[] offs = new int[batch];
        int nb = t.rank() - 2;
        int[] idx = new int[nb];
        int off = t.offset();
        for (int i = 0; i < batch; i++) {
            offs[i] = off;
            for (int d = nb - 1; d >= 0; d--) {
                if (++idx[d] < t.size(d)) {
                    off += t.stride(d);
                    break;
                }
                off -= (t.size(d) - 1) * t.stride(d);
                idx[d] = 0;
            }
        }
        return offs;
    }
}
