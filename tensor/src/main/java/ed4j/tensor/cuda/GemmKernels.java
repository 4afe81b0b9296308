package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Batched matrix products {@code a (..., M, K) x b (..., K, N)}: cuBLAS when it is available and
 * the layout suits it, else the kernels of {@code GemmKernels.cu} (64 x 64 tiles; SIMT for
 * float32 and float64, tensor cores for the TF32 and BF16 modes). CPU reference:
 * {@code ed4j.tensor.cpu.Gemm}.
 *
 * <p>Operands are read in place through their strides, batch dims included (expanded batch dims
 * have stride 0). When B is shared by the whole batch and A's batch and row dims merge, the batch
 * is folded into M (one large product instead of many small ones), as on the CPU.
 */
final class GemmKernels {

    static final String FAMILY = "GemmKernels";

    private GemmKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        return List.of("matmul_forward_v1_f32", "matmul_forward_v1_f64", "matmul_forward_v2_f32",
                "matmul_forward_v3_f32");
    }

    /** The kernel of a dtype and mode: v1 SIMT, v2 TF32, v3 BF16 (float32 only). */
    static String kernel(DType dtype, GemmMode mode) {
        if (dtype == DType.FLOAT64) {
            return "matmul_forward_v1_f64";
        }
        return switch (mode) {
            case FP32 -> "matmul_forward_v1_f32";
            case TF32 -> "matmul_forward_v2_f32";
            case BF16 -> "matmul_forward_v3_f32";
        };
    }

    static Tensor matmul(CudaBackend be, Tensor a, Tensor b, GemmMode mode, boolean allowCublas) {
        int rank = a.rank();
        int m = a.size(rank - 2);
        int k = a.size(rank - 1);
        int n = b.size(rank - 1);
        int[] outDims = a.shape().toArray();
        outDims[rank - 1] = n;
        Shape outShape = Shape.of(outDims);
        if (outShape.numel() == 0) {
            return be.empty(outShape, a.dtype());
        }
        if (k == 0) {
            return be.zeros(outShape, a.dtype());
        }
        Tensor out = be.empty(outShape, a.dtype());
        int batch = outShape.numel() / (m * n);
        int[] batchDims = new int[rank - 2];
        int[] aStrides = new int[rank - 2];
        int[] bStrides = new int[rank - 2];
        for (int d = 0; d < rank - 2; d++) {
            batchDims[d] = a.size(d);
            aStrides[d] = a.stride(d);
            bStrides[d] = b.stride(d);
        }
        StridedDesc ab = StridedDesc.of(batchDims, new int[][] {aStrides}, new int[] {a.offset()})[0];
        StridedDesc bb = StridedDesc.of(batchDims, new int[][] {bStrides}, new int[] {b.offset()})[0];
        int ars = a.stride(rank - 2);
        if (batch > 1 && bb.broadcast() && ab.rank() == 1 && ab.stride(0) == m * ars) {
            // b is shared and a's batch rows continue its matrix rows: one (batch * M) product.
            m *= batch;
            batch = 1;
            ab = StridedDesc.scalar(a.offset());
            bb = StridedDesc.scalar(b.offset());
        }
        boolean f64 = a.dtype() == DType.FLOAT64;
        CublasGemm cublas = allowCublas && mode != GemmMode.BF16 ? be.cublas() : null;
        if (cublas != null && ab.rank() <= 1 && bb.rank() <= 1) {
            long aBatch = ab.rank() == 1 ? ab.stride(0) : 0;
            long bBatch = bb.rank() == 1 ? bb.stride(0) : 0;
            if (cublas.multiply(f64, mode == GemmMode.TF32, batch, m, n, k,
                    CudaBackend.storage(a).pointer(), a.offset(), aBatch, ars, a.stride(rank - 1),
                    CudaBackend.storage(b).pointer(), b.offset(), bBatch, b.stride(rank - 2),
                    b.stride(rank - 1), CudaBackend.storage(out).pointer(), 0)) {
                return out;
            }
        }
        String kernel = kernel(a.dtype(), mode);
        int threads = kernel.contains("_v1_") ? 256 : 128;
        be.launch("matmul", FAMILY, kernel,
                LaunchConfig.tiles((m + 63) / 64, (n + 63) / 64, batch, threads),
                new KernelArgs().i32(batch).i32(m).i32(n).i32(k)
                        .ptr(CudaBackend.storage(a)).strided(ab).i32(ars).i32(a.stride(rank - 1))
                        .ptr(CudaBackend.storage(b)).strided(bb).i32(b.stride(rank - 2))
                        .i32(b.stride(rank - 1)).ptr(CudaBackend.storage(out)));
        return out;
    }
}
