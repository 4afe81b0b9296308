package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

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
 * <p>The scheme is the classic one of GotoBLAS and BLIS. For one matrix product:
 *
 * <pre>
 *   for j0 in N step NC                      columns block:   packed B block in L3
 *     for p0 in K step kc (kc <= KC)         k block
 *       pack A[:, p0:p0+kc] into panels of MR rows           (parallel over panels)
 *       pack B[p0:p0+kc, j0:j0+NC] into the kernel's layout  (parallel over strips)
 *       parallel for each task (MC rows x NW columns of C)   A rows of a task stay in L2
 *         micro-kernel: C tile += A panel (MR, kc) * B strip (kc, NR), summed in registers
 *         (or accumulator rows in L1) from zero in ascending p, then added to C
 * </pre>
 *
 * <p>Packing copies each operand block once into the order the micro-kernel reads it, with unit
 * stride and no bounds to check per element, whatever the source layout: that is where a
 * transposed, sliced or expanded operand is read, so no operand is ever made contiguous first.
 *
 * <p>Determinism: the k blocks depend only on K ({@code ceil(K / KC)} equal blocks), and each
 * element of C gets its block sums added in block order, each block sum accumulated in
 * ascending p with fused multiply-adds. The task grid only decides which thread computes which
 * tile, so results do not depend on the thread count; both float32 kernels follow the same
 * order and agree bit for bit.
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
            forEachItem(par, batch, (long) m * n * k, i -> Sgemm.multiply(par, impl,
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
     * {@code C += A * B} on raw arrays, all {@code float[]} (default kernel) or all {@code
     * double[]}: {@code A (m, k)} and {@code B (k, n)} strided, C with row stride {@code ldc}.
     * Used by the convolution kernels.
     */
    static void multiply(Parallel par, Object a, int aOff, int ars, int acs, Object b, int bOff,
            int brs, int bcs, Object c, int cOff, int ldc, int m, int k, int n) {
        if (a instanceof float[] x) {
            Sgemm.multiply(par, GemmKernel.defaultKernel().implementation(),
                    new FloatMatrix(x, aOff, ars, acs), new FloatMatrix((float[]) b, bOff, brs, bcs),
                    (float[]) c, cOff, ldc, m, k, n);
        } else {
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
