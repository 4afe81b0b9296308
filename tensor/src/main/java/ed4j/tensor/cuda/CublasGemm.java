package ed4j.tensor.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

/**
 * Matrix products through cuBLAS (JCublas2), used when {@code libcublas.so.12} loads. Only this
 * class touches JCublas: {@link #create} fails with a {@link LinkageError} where the library or
 * the JCublas classes are missing (CUDA 13 machines ship no {@code libcublas.so.12}), and the
 * backend then uses its own GEMM.
 *
 * <p>Row-major {@code C (M, N) = A (M, K) B (K, N)} is computed as the column-major product
 * {@code C^T = B^T A^T}: a row-major operand is its transpose in column-major order, so it goes
 * in untransposed with its row stride as leading dimension, and a column-major (transposed view)
 * operand goes in transposed. Batches must step by one stride per operand.
 */
final class CublasGemm {

    private final cublasHandle handle;
    private final String device;

    private CublasGemm(cublasHandle handle, String device) {
        this.handle = handle;
        this.device = device;
    }

    /**
     * A cuBLAS handle on the context's stream.
     *
     * @throws LinkageError when JCublas or libcublas.so.12 cannot be loaded
     * @throws CudaException when cuBLAS does not initialise
     */
    static CublasGemm create(CudaContext ctx) {
        ctx.makeCurrent();
        JCublas2.setExceptionsEnabled(false);
        cublasHandle h = new cublasHandle();
        check(ctx.deviceName(), "cublasCreate", JCublas2.cublasCreate(h));
        check(ctx.deviceName(), "cublasSetStream",
                JCublas2.cublasSetStream(h, new cudaStream_t(ctx.stream())));
        return new CublasGemm(h, ctx.deviceName());
    }

    private static void check(String device, String call, int status) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(device + " matmul: " + call + " failed: "
                    + cublasStatus.stringFor(status) + " (" + status + ")", status);
        }
    }

    /** How one operand enters cuBLAS: transposed or not, and its leading dimension. */
    record Operand(int op, int ld) {

        /**
         * The cuBLAS view of a strided {@code (rows, cols)} row-major operand, or null when
         * neither of its dims has unit stride.
         */
        static Operand of(int rows, int cols, int rowStride, int colStride) {
            // A size-1 dim's stride is never used: pick the one that makes the layout valid.
            if (rows == 1) {
                rowStride = Math.max(cols, 1);
            }
            if (cols == 1) {
                colStride = 1;
                if (rows == 1) {
                    rowStride = 1;
                }
            }
            if (colStride == 1 && rowStride >= Math.max(cols, 1)) {
                return new Operand(cublasOperation.CUBLAS_OP_N, rowStride);
            }
            if (rowStride == 1 && colStride >= Math.max(rows, 1)) {
                return new Operand(cublasOperation.CUBLAS_OP_T, colStride);
            }
            return null;
        }
    }

    /**
     * {@code c[z] = a[z] b[z]} for {@code batch} items, {@code a} (M, K) with strides
     * {@code ars, acs} at {@code aOff + z * aBatch} elements, likewise {@code b}; {@code c}
     * contiguous. Returns false (queuing nothing) when the layout does not suit cuBLAS.
     */
    boolean multiply(boolean f64, boolean tf32, int batch, int m, int n, int k,
            CUdeviceptr a, long aOff, long aBatch, int ars, int acs,
            CUdeviceptr b, long bOff, long bBatch, int brs, int bcs,
            CUdeviceptr c, long cOff) {
        Operand opA = Operand.of(m, k, ars, acs);
        Operand opB = Operand.of(k, n, brs, bcs);
        if (opA == null || opB == null) {
            return false;
        }
        int es = f64 ? 8 : 4;
        Pointer pa = a.withByteOffset(aOff * es);
        Pointer pb = b.withByteOffset(bOff * es);
        Pointer pc = c.withByteOffset(cOff * es);
        long cBatch = (long) m * n;
        int status;
        if (f64) {
            Pointer one = Pointer.to(new double[] {1.0});
            Pointer zero = Pointer.to(new double[] {0.0});
            status = JCublas2.cublasDgemmStridedBatched(handle, opB.op(), opA.op(), n, m, k, one,
                    pb, opB.ld(), bBatch, pa, opA.ld(), aBatch, zero, pc, n, cBatch, batch);
        } else {
            check(device, "cublasSetMathMode", JCublas2.cublasSetMathMode(handle,
                    tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH
                            : cublasMath.CUBLAS_DEFAULT_MATH));
            Pointer one = Pointer.to(new float[] {1f});
            Pointer zero = Pointer.to(new float[] {0f});
            status = JCublas2.cublasSgemmStridedBatched(handle, opB.op(), opA.op(), n, m, k, one,
                    pb, opB.ld(), bBatch, pa, opA.ld(), aBatch, zero, pc, n, cBatch, batch);
        }
        check(device, f64 ? "cublasDgemmStridedBatched" : "cublasSgemmStridedBatched", status);
        return true;
    }
}
