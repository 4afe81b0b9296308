// The tile cores of the project's GEMM: one thread block computes a 64 x 64 tile of
// C (M, N) = A (M, K) x B (K, N) over a range of K. Used by GemmKernels.cu (matmul) and
// ConvKernels.cu (convolution as implicit GEMM).
//
// Operands are read through loader objects, so the same core serves strided matrices and the
// implicit column matrix of a convolution:
//   la(i, k) -> A element, lb(k, j) -> B element (called only for 0 <= i < M, 0 <= j < N,
//   k_begin <= k < k_end; outside, the tile holds zeros); st(i, j, v) stores a result.
// A loader's k_fastest says which of its coordinates walks memory with unit step, so that the
// threads of a warp load neighbouring elements.
//
// gemm_simt: 256 threads, each accumulating a 4 x 4 block of the tile (rows ty + 16 r, columns
// tx + 16 c) with fused multiply-adds in ascending k, in the accumulator type (float for
// float32, double for float64). Results do not depend on the launch, only on K's split.
//
// gemm_wmma: 128 threads (4 warps of 32 x 32), tensor cores through WMMA with float
// accumulators: TF32 inputs (m16n16k8) or BF16 inputs (m16n16k16), rounded to nearest when
// the tile is staged in shared memory. Needs compute capability 8.0.
#pragma once

#include <cuda_bf16.h>
#include <mma.h>

#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16
#define GEMM_SIMT_THREADS 256
#define GEMM_WMMA_THREADS 128

template <typename T, typename Acc, class LA, class LB, class ST>
__device__ void gemm_simt(int M, int N, int k_begin, int k_end, int m0, int n0, const LA& la,
                          const LB& lb, const ST& st) {
    __shared__ T As[GEMM_BK][GEMM_BM + 4];
    __shared__ T Bs[GEMM_BK][GEMM_BN + 4];
    const int tid = threadIdx.x;
    const int tx = tid % 16;
    const int ty = tid / 16;
    Acc acc[4][4];
#pragma unroll
    for (int r = 0; r < 4; ++r)
#pragma unroll
        for (int c = 0; c < 4; ++c) acc[r][c] = (Acc) 0;

    for (int k0 = k_begin; k0 < k_end; k0 += GEMM_BK) {
#pragma unroll
        for (int l = 0; l < (GEMM_BM * GEMM_BK) / GEMM_SIMT_THREADS; ++l) {
            int e = tid + l * GEMM_SIMT_THREADS;
            int ii = la.k_fastest ? e / GEMM_BK : e % GEMM_BM;
            int kk = la.k_fastest ? e % GEMM_BK : e / GEMM_BM;
            int i = m0 + ii;
            int k = k0 + kk;
            As[kk][ii] = (i < M && k < k_end) ? la(i, k) : (T) 0;
        }
#pragma unroll
        for (int l = 0; l < (GEMM_BN * GEMM_BK) / GEMM_SIMT_THREADS; ++l) {
            int e = tid + l * GEMM_SIMT_THREADS;
            int jj = lb.k_fastest ? e / GEMM_BK : e % GEMM_BN;
            int kk = lb.k_fastest ? e % GEMM_BK : e / GEMM_BN;
            int j = n0 + jj;
            int k = k0 + kk;
            Bs[kk][jj] = (j < N && k < k_end) ? lb(k, j) : (T) 0;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GEMM_BK; ++kk) {
            Acc a[4];
            Acc b[4];
#pragma unroll
            for (int r = 0; r < 4; ++r) a[r] = (Acc) As[kk][ty + 16 * r];
#pragma unroll
            for (int c = 0; c < 4; ++c) b[c] = (Acc) Bs[kk][tx + 16 * c];
#pragma unroll
            for (int r = 0; r < 4; ++r)
#pragma unroll
                for (int c = 0; c < 4; ++c) acc[r][c] = fma(a[r], b[c], acc[r][c]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int r = 0; r < 4; ++r) {
        int i = m0 + ty + 16 * r;
#pragma unroll
        for (int c = 0; c < 4; ++c) {
            int j = n0 + tx + 16 * c;
            if (i < M && j < N) st(i, j, acc[r][c]);
        }
    }
}

// Input element type and fragment shape of the two tensor-core modes.
template <bool BF16>
struct WmmaIn;

template <>
struct WmmaIn<false> {
    typedef float type;
    typedef nvcuda::wmma::precision::tf32 frag;
    static const int KS = 8;
    static __device__ __forceinline__ float convert(float v) {
        return nvcuda::wmma::__float_to_tf32(v);
    }
};

template <>
struct WmmaIn<true> {
    typedef __nv_bfloat16 type;
    typedef __nv_bfloat16 frag;
    static const int KS = 16;
    static __device__ __forceinline__ __nv_bfloat16 convert(float v) {
        return __float2bfloat16(v);
    }
};

// Shared-memory leading dims, chosen so that every fragment pointer is 32-byte aligned and the
// row step is a multiple of 8 elements (16 bytes).
#define WMMA_LDA (GEMM_BK + 8)
#define WMMA_LDB (GEMM_BN + 8)
#define WMMA_LDC (GEMM_BN + 4)

template <bool BF16, class LA, class LB, class ST>
__device__ void gemm_wmma(int M, int N, int K, int m0, int n0, const LA& la, const LB& lb,
                          const ST& st) {
    using namespace nvcuda;
    typedef typename WmmaIn<BF16>::type In;
    typedef typename WmmaIn<BF16>::frag Frag;
    const int KS = WmmaIn<BF16>::KS;
    __shared__ __align__(32) In As[GEMM_BM * WMMA_LDA];
    __shared__ __align__(32) In Bs[GEMM_BK * WMMA_LDB];
    __shared__ __align__(32) float Cs[GEMM_BM * WMMA_LDC];
    const int tid = threadIdx.x;
    const int warp = tid / 32;
    const int wy = warp / 2;
    const int wx = warp % 2;

    wmma::fragment<wmma::accumulator, 16, 16, WmmaIn<BF16>::KS, float> acc[2][2];
#pragma unroll
    for (int a = 0; a < 2; ++a)
#pragma unroll
        for (int b = 0; b < 2; ++b) wmma::fill_fragment(acc[a][b], 0.0f);

    for (int k0 = 0; k0 < K; k0 += GEMM_BK) {
#pragma unroll
        for (int l = 0; l < (GEMM_BM * GEMM_BK) / GEMM_WMMA_THREADS; ++l) {
            int e = tid + l * GEMM_WMMA_THREADS;
            int ii = la.k_fastest ? e / GEMM_BK : e % GEMM_BM;
            int kk = la.k_fastest ? e % GEMM_BK : e / GEMM_BM;
            int i = m0 + ii;
            int k = k0 + kk;
            float v = (i < M && k < K) ? la(i, k) : 0.0f;
            As[ii * WMMA_LDA + kk] = WmmaIn<BF16>::convert(v);
        }
#pragma unroll
        for (int l = 0; l < (GEMM_BN * GEMM_BK) / GEMM_WMMA_THREADS; ++l) {
            int e = tid + l * GEMM_WMMA_THREADS;
            int jj = lb.k_fastest ? e / GEMM_BK : e % GEMM_BN;
            int kk = lb.k_fastest ? e % GEMM_BK : e / GEMM_BN;
            int j = n0 + jj;
            int k = k0 + kk;
            float v = (j < N && k < K) ? lb(k, j) : 0.0f;
            Bs[kk * WMMA_LDB + jj] = WmmaIn<BF16>::convert(v);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < GEMM_BK; kk += KS) {
            wmma::fragment<wmma::matrix_a, 16, 16, WmmaIn<BF16>::KS, Frag, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, WmmaIn<BF16>::KS, Frag, wmma::row_major> fb[2];
#pragma unroll
            for (int a = 0; a < 2; ++a) {
                wmma::load_matrix_sync(fa[a], As + (wy * 32 + 16 * a) * WMMA_LDA + kk, WMMA_LDA);
            }
#pragma unroll
            for (int b = 0; b < 2; ++b) {
                wmma::load_matrix_sync(fb[b], Bs + kk * WMMA_LDB + wx * 32 + 16 * b, WMMA_LDB);
            }
#pragma unroll
            for (int a = 0; a < 2; ++a)
#pragma unroll
                for (int b = 0; b < 2; ++b) wmma::mma_sync(acc[a][b], fa[a], fb[b], acc[a][b]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int a = 0; a < 2; ++a)
#pragma unroll
        for (int b = 0; b < 2; ++b) {
            wmma::store_matrix_sync(Cs + (wy * 32 + 16 * a) * WMMA_LDC + wx * 32 + 16 * b,
                                    acc[a][b], WMMA_LDC, wmma::mem_row_major);
        }
    __syncthreads();
    for (int e = tid; e < GEMM_BM * GEMM_BN; e += GEMM_WMMA_THREADS) {
        int i = m0 + e / GEMM_BN;
        int j = n0 + e % GEMM_BN;
        if (i < M && j < N) st(i, j, Cs[(e / GEMM_BN) * WMMA_LDC + e % GEMM_BN]);
    }
    // Cs is rewritten by the next tile of the same block only after every thread read it.
    __syncthreads();
}

// ---- loaders and stores shared by the families ----------------------------------------------

// A strided matrix: element (r, c) at p[r * rs + c * cs].
template <typename T>
struct StridedMatrix {
    const T* p;
    int rs;
    int cs;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int r, int c) const { return p[r * rs + c * cs]; }
};

// A row-major result with row stride ld.
template <typename T>
struct RowMajorStore {
    T* p;
    int ld;
    template <typename Acc>
    __device__ __forceinline__ void operator()(int i, int j, Acc v) const {
        p[(long long) i * ld + j] = (T) v;
    }
};
