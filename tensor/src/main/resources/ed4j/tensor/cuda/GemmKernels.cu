// Batched matrix product c (batch, M, N) = a (batch, M, K) x b (batch, K, N), the project's own
// GEMM. Launched by ed4j.tensor.cuda.GemmKernels when cuBLAS is not used; CPU reference:
// ed4j.tensor.cpu.Gemm.
//
// Each operand matrix is strided (row stride, column stride: transposed views are read in
// place); the batch offset of item z is strided_offset(batch descriptor, z), so expanded
// (zero-stride) batch dims cost nothing. c is contiguous. Grid: x = tiles of M, y = tiles of N,
// z = batch items (grid-stride).
//   v1: SIMT, float32 accumulate in float, float64 in double (exact mode).
//   v2: tensor cores, TF32 inputs, float accumulation (float32 only).
//   v3: tensor cores, BF16 inputs, float accumulation (float32 only).
#include "common.cuh"
#include "gemm_tile.cuh"

template <typename T, typename Acc>
__device__ void matmul_simt(int batch, int M, int N, int K, const T* a, const Strided& ab,
                            int ars, int acs, const T* b, const Strided& bb, int brs, int bcs,
                            T* c) {
    const int m0 = blockIdx.x * GEMM_BM;
    const int n0 = blockIdx.y * GEMM_BN;
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        StridedMatrix<T> la{a + strided_offset(ab, z), ars, acs, acs == 1};
        StridedMatrix<T> lb{b + strided_offset(bb, z), brs, bcs, brs == 1};
        RowMajorStore<T> st{c + (long long) z * M * N, N};
        gemm_simt<T, Acc>(M, N, 0, K, m0, n0, la, lb, st);
    }
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
matmul_forward_v1_f32(int batch, int M, int N, int K, const float* a, Strided ab, int ars,
                      int acs, const float* b, Strided bb, int brs, int bcs, float* c) {
    matmul_simt<float, float>(batch, M, N, K, a, ab, ars, acs, b, bb, brs, bcs, c);
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
matmul_forward_v1_f64(int batch, int M, int N, int K, const double* a, Strided ab, int ars,
                      int acs, const double* b, Strided bb, int brs, int bcs, double* c) {
    matmul_simt<double, double>(batch, M, N, K, a, ab, ars, acs, b, bb, brs, bcs, c);
}

template <bool BF16>
__device__ void matmul_wmma(int batch, int M, int N, int K, const float* a, const Strided& ab,
                            int ars, int acs, const float* b, const Strided& bb, int brs,
                            int bcs, float* c) {
    const int m0 = blockIdx.x * GEMM_BM;
    const int n0 = blockIdx.y * GEMM_BN;
    for (int z = blockIdx.z; z < batch; z += gridDim.z) {
        StridedMatrix<float> la{a + strided_offset(ab, z), ars, acs, acs == 1};
        StridedMatrix<float> lb{b + strided_offset(bb, z), brs, bcs, brs == 1};
        RowMajorStore<float> st{c + (long long) z * M * N, N};
        gemm_wmma<BF16>(M, N, K, m0, n0, la, lb, st);
    }
}

extern "C" __global__ void __launch_bounds__(GEMM_WMMA_THREADS)
matmul_forward_v2_f32(int batch, int M, int N, int K, const float* a, Strided ab, int ars,
                      int acs, const float* b, Strided bb, int brs, int bcs, float* c) {
    matmul_wmma<false>(batch, M, N, K, a, ab, ars, acs, b, bb, brs, bcs, c);
}

extern "C" __global__ void __launch_bounds__(GEMM_WMMA_THREADS)
matmul_forward_v3_f32(int batch, int M, int N, int K, const float* a, Strided ab, int ars,
                      int acs, const float* b, Strided bb, int brs, int bcs, float* c) {
    matmul_wmma<true>(batch, M, N, K, a, ab, ars, acs, b, bb, brs, bcs, c);
}
