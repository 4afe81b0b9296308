// Shared definitions of the ED4J CUDA kernels: strided operand descriptors, Java-compatible
// comparisons and conversions, warp reductions and per-dtype math.
//
// Every kernel family (<Family>.cu, launched by ed4j.tensor.cuda.<Family>) includes this file.
// It includes no other local header, so the hash that compile_ptx.sh records for a family covers
// exactly the family's source and the headers it names.
//
// Conventions of all kernels:
//   - element counts, sizes, strides and offsets are int (a tensor holds fewer than 2^31
//     elements); loops over elements use long long so that i + stride never overflows;
//   - float32 kernels end in _f32, float64 in _f64, int64 in _i64;
//   - a pointer argument is the base of a storage; element offsets come separately, inside a
//     Strided descriptor or as an int, so no kernel depends on JCuda's pointer offsets.
#pragma once

#define ED4J_MAXD 8

// One operand of an elementwise kernel, seen over the output's row-major shape: element i of
// the output reads element offset + sum_k idx_k(i) * stride[k] of the operand, where idx_k(i) are
// the row-major coordinates of i in size[0..rank). Sizes are the same for all operands of one
// launch (the host merges dims first, see StridedDesc.java); rank 0 is a scalar.
struct Strided {
    int rank;
    int size[ED4J_MAXD];
    int stride[ED4J_MAXD];
    int offset;
};

__device__ __forceinline__ int strided_offset(const Strided& d, int i) {
    int off = d.offset;
#pragma unroll
    for (int k = ED4J_MAXD - 1; k >= 0; --k) {
        if (k < d.rank) {
            int s = d.size[k];
            int q = i / s;
            off += (i - q * s) * d.stride[k];
            i = q;
        }
    }
    return off;
}

// The four strides and the offset of a 4-d (N, C, H, W) operand.
struct Nchw {
    int offset;
    int sn;
    int sc;
    int sh;
    int sw;
};

__device__ __forceinline__ int nchw_offset(const Nchw& d, int n, int c, int y, int x) {
    return d.offset + n * d.sn + c * d.sc + y * d.sh + x * d.sw;
}

// ---- Java semantics -------------------------------------------------------------------------

// Math.max: NaN wins, +0 is greater than -0.
template <typename T>
__device__ __forceinline__ T java_max(T a, T b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

// Math.min: NaN wins, -0 is less than +0.
template <typename T>
__device__ __forceinline__ T java_min(T a, T b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

// Java's (long) cast of a double: truncation toward zero, NaN to 0, saturation at the ends.
__device__ __forceinline__ long long java_to_long(double v) {
    if (v != v) return 0;
    if (v >= 9.2233720368547758e18) return 0x7fffffffffffffffLL;
    if (v <= -9.2233720368547758e18) return (long long) 0x8000000000000000ULL;
    return (long long) v;
}

// Conversion of a double to each element type as the CPU backend stores it.
template <typename T> __device__ __forceinline__ T from_double(double v);
template <> __device__ __forceinline__ float from_double<float>(double v) { return (float) v; }
template <> __device__ __forceinline__ double from_double<double>(double v) { return v; }
template <> __device__ __forceinline__ long long from_double<long long>(double v) {
    return java_to_long(v);
}

// ---- per-dtype math -------------------------------------------------------------------------

__device__ __forceinline__ float m_exp(float x) { return expf(x); }
__device__ __forceinline__ double m_exp(double x) { return exp(x); }
__device__ __forceinline__ float m_log(float x) { return logf(x); }
__device__ __forceinline__ double m_log(double x) { return log(x); }
__device__ __forceinline__ float m_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double m_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float m_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double m_abs(double x) { return fabs(x); }
__device__ __forceinline__ float m_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double m_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float m_erf(float x) { return erff(x); }
__device__ __forceinline__ double m_erf(double x) { return erf(x); }
__device__ __forceinline__ float m_erfc(float x) { return erfcf(x); }
__device__ __forceinline__ double m_erfc(double x) { return erfc(x); }
__device__ __forceinline__ float m_sin(float x) { return sinf(x); }
__device__ __forceinline__ double m_sin(double x) { return sin(x); }
__device__ __forceinline__ float m_cos(float x) { return cosf(x); }
__device__ __forceinline__ double m_cos(double x) { return cos(x); }
__device__ __forceinline__ float m_pow(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double m_pow(double x, double y) { return pow(x, y); }

// ---- warp reductions ------------------------------------------------------------------------
// Butterfly (xor) shuffles: every lane ends with the same result, combined in a fixed order, so
// the reductions are deterministic.

__device__ __forceinline__ double warp_sum(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// The sum of every thread's v over a block of THREADS threads (a power of two), pairwise in a
// fixed order through shared memory; every thread gets it. All threads of the block must call.
template <int THREADS>
__device__ double block_sum(double v) {
    __shared__ double buf[THREADS];
    buf[threadIdx.x] = v;
    __syncthreads();
    for (int h = THREADS / 2; h > 0; h >>= 1) {
        if (threadIdx.x < h) buf[threadIdx.x] += buf[threadIdx.x + h];
        __syncthreads();
    }
    double s = buf[0];
    __syncthreads();
    return s;
}

__device__ __forceinline__ int warp_min_int(int v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = min(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Threads of a 1-d launch over n elements: a grid-stride loop with a 64-bit counter.
#define ED4J_GRID_LOOP(i, n)                                                                 \
    for (long long i##_ll = (long long) blockIdx.x * blockDim.x + threadIdx.x;               \
         i##_ll < (long long) (n); i##_ll += (long long) gridDim.x * blockDim.x)

// Warps of a launch, one task (row) each: warp w of block b handles tasks w + k * warps.
#define ED4J_WARP_LOOP(row, rows)                                                            \
    for (long long row##_ll = (long long) blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); \
         row##_ll < (long long) (rows); row##_ll += (long long) gridDim.x * (blockDim.x >> 5))
