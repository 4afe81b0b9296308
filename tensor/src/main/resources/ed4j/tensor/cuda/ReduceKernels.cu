// Reductions, reductions with an index (max, min, median along one dim), softmax and its
// gradient, and the one-pass sum behind a scaled softmax's scale gradient.
// Launched by ed4j.tensor.cuda.ReduceKernels; CPU reference: ed4j.tensor.cpu.ReduceKernels.
//
// Reductions over a set of dims see x as (outer, inner): outer = kept dims, inner = reduced
// dims, described by two Strided descriptors over x's storage (kept carries x's offset, red has
// offset 0); element (o, j) is x[strided_offset(kept, o) + strided_offset(red, j)].
//
// Two paths, both deterministic (fixed split points, fixed combination order):
//   reduce_parts: blocks of 256 threads, one per (output, part of the inner range); a shared
//     memory tree combines the threads; each block writes one double partial;
//   reduce_finish: one thread per output combines its parts in order and writes the result;
//   reduce_rows: one thread per output reduces its whole inner range in order, for short rows
//     or when neighbouring outputs are neighbours in memory (coalesced reads).
// Sums accumulate in double, as on the CPU.
//
// Row kernels (argreduce, median, softmax and its gradient) see x as rows along one dim: the row
// heads are a Strided descriptor over the other dims (row-major), the row step an int. One warp
// per row. sum_times_log reduces a product over the whole index space, as reduce_parts does.
#include "common.cuh"

// Ordinals of ed4j.tensor.ReduceOp (checked by CudaSourceTest).
enum ReduceCode { R_SUM, R_MEAN, R_AMAX, R_AMIN };

// Ordinals of ed4j.tensor.IndexReduceOp (checked by CudaSourceTest).
enum IndexReduceCode { I_MAX, I_MIN, I_MEDIAN };

#define REDUCE_THREADS 256

__device__ __forceinline__ double reduce_init(int op) {
    return op == R_AMAX ? -INFINITY : (op == R_AMIN ? INFINITY : 0.0);
}

__device__ __forceinline__ double reduce_combine(int op, double a, double b) {
    switch (op) {
        case R_AMAX: return java_max(a, b);
        case R_AMIN: return java_min(a, b);
        default: return a + b;
    }
}

// ---- reductions over dims -------------------------------------------------------------------

template <typename T>
__device__ void reduce_parts_body(int op, int outer, int inner, int parts, const T* x,
                                  const Strided& kept, const Strided& red, double* partial) {
    __shared__ double buf[REDUCE_THREADS];
    int chunk = (inner + parts - 1) / parts;
    for (long long b = blockIdx.x; b < (long long) outer * parts; b += gridDim.x) {
        int o = (int) (b / parts);
        int p = (int) (b % parts);
        int start = p * chunk;
        int end = min(inner, start + chunk);
        int base = strided_offset(kept, o);
        double acc = reduce_init(op);
        for (int j = start + threadIdx.x; j < end; j += blockDim.x) {
            acc = reduce_combine(op, acc, (double) x[base + strided_offset(red, j)]);
        }
        buf[threadIdx.x] = acc;
        __syncthreads();
        for (int s = REDUCE_THREADS / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) {
                buf[threadIdx.x] = reduce_combine(op, buf[threadIdx.x], buf[threadIdx.x + s]);
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) partial[b] = buf[0];
        __syncthreads();
    }
}

extern "C" __global__ void __launch_bounds__(REDUCE_THREADS)
reduce_parts_forward_v1_f32(int op, int outer, int inner, int parts, const float* x,
                            Strided kept, Strided red, double* partial) {
    reduce_parts_body<float>(op, outer, inner, parts, x, kept, red, partial);
}

extern "C" __global__ void __launch_bounds__(REDUCE_THREADS)
reduce_parts_forward_v1_f64(int op, int outer, int inner, int parts, const double* x,
                            Strided kept, Strided red, double* partial) {
    reduce_parts_body<double>(op, outer, inner, parts, x, kept, red, partial);
}

template <typename T>
__device__ void reduce_finish_body(int op, int outer, int inner, int parts, const double* partial,
                                   T* out) {
    ED4J_GRID_LOOP(o, outer) {
        double acc = reduce_init(op);
        for (int p = 0; p < parts; ++p) acc = reduce_combine(op, acc, partial[o_ll * parts + p]);
        out[o_ll] = (T) (op == R_MEAN ? acc / inner : acc);
    }
}

extern "C" __global__ void reduce_finish_forward_v1_f32(int op, int outer, int inner, int parts,
                                                        const double* partial, float* out) {
    reduce_finish_body<float>(op, outer, inner, parts, partial, out);
}

extern "C" __global__ void reduce_finish_forward_v1_f64(int op, int outer, int inner, int parts,
                                                        const double* partial, double* out) {
    reduce_finish_body<double>(op, outer, inner, parts, partial, out);
}

template <typename T>
__device__ void reduce_rows_body(int op, int outer, int inner, const T* x, const Strided& kept,
                                 const Strided& red, T* out) {
    ED4J_GRID_LOOP(o, outer) {
        int base = strided_offset(kept, (int) o_ll);
        double acc = reduce_init(op);
        for (int j = 0; j < inner; ++j) {
            acc = reduce_combine(op, acc, (double) x[base + strided_offset(red, j)]);
        }
        out[o_ll] = (T) (op == R_MEAN ? acc / inner : acc);
    }
}

extern "C" __global__ void reduce_rows_forward_v1_f32(int op, int outer, int inner,
                                                      const float* x, Strided kept, Strided red,
                                                      float* out) {
    reduce_rows_body<float>(op, outer, inner, x, kept, red, out);
}

extern "C" __global__ void reduce_rows_forward_v1_f64(int op, int outer, int inner,
                                                      const double* x, Strided kept, Strided red,
                                                      double* out) {
    reduce_rows_body<double>(op, outer, inner, x, kept, red, out);
}

// ---- max and min along a dim, with the index ------------------------------------------------

// The candidate of one lane: idx == n means none. Order: a NaN beats any number (the first NaN
// wins), else the larger (max) or smaller (min) value, ties to the smaller index; the CPU scan
// keeps the first extreme element and stops at the first NaN, which is the same element.
template <typename T>
__device__ __forceinline__ bool arg_better(bool max, T v, int i, T w, int j, int n) {
    if (j == n) return i != n;
    if (i == n) return false;
    bool vn = v != v;
    bool wn = w != w;
    if (vn || wn) return vn && (!wn || i < j);
    if (v == w) return i < j;
    return max ? v > w : v < w;
}

template <typename T>
__device__ void argreduce_body(int op, int rows, int n, const T* x, const Strided& heads,
                               int stride, T* values, long long* indices) {
    const int lane = threadIdx.x & 31;
    const bool max = op == I_MAX;
    ED4J_WARP_LOOP(row, rows) {
        int base = strided_offset(heads, (int) row_ll);
        T best = (T) 0;
        int at = n;
        for (int j = lane; j < n; j += 32) {
            T v = x[base + j * stride];
            if (arg_better(max, v, j, best, at, n)) {
                best = v;
                at = j;
            }
        }
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            T v = __shfl_xor_sync(0xffffffffu, best, o);
            int j = __shfl_xor_sync(0xffffffffu, at, o);
            if (arg_better(max, v, j, best, at, n)) {
                best = v;
                at = j;
            }
        }
        if (lane == 0) {
            values[row_ll] = best;
            indices[row_ll] = at;
        }
    }
}

extern "C" __global__ void argreduce_forward_v1_f32(int op, int rows, int n, const float* x,
                                                    Strided heads, int stride, float* values,
                                                    long long* indices) {
    argreduce_body<float>(op, rows, n, x, heads, stride, values, indices);
}

extern "C" __global__ void argreduce_forward_v1_f64(int op, int rows, int n, const double* x,
                                                    Strided heads, int stride, double* values,
                                                    long long* indices) {
    argreduce_body<double>(op, rows, n, x, heads, stride, values, indices);
}

// The lower median (rank (n-1)/2) of each row by counting: candidate c is the answer when fewer
// than k+1 values are below it and more than k are at most it. Lanes try candidates in
// increasing order and keep their first hit; the smallest hit over the warp is the first
// position holding the median, which is the CPU's choice. A NaN anywhere is the answer (the
// first one), as PyTorch propagates NaN.
// LIMITATION: O(n^2 / 32) per row, fine for the short rows medians are taken over.
template <typename T>
__device__ void median_body(int rows, int n, const T* x, const Strided& heads, int stride,
                            T* values, long long* indices) {
    const int lane = threadIdx.x & 31;
    const int k = (n - 1) / 2;
    ED4J_WARP_LOOP(row, rows) {
        int base = strided_offset(heads, (int) row_ll);
        int nan_at = n;
        for (int j = lane; j < n; j += 32) {
            T v = x[base + j * stride];
            if (v != v) {
                nan_at = j;
                break;
            }
        }
        nan_at = warp_min_int(nan_at);
        int at = nan_at;
        if (nan_at == n) {
            int hit = n;
            for (int c = lane; c < n; c += 32) {
                T v = x[base + c * stride];
                int less = 0;
                int equal = 0;
                for (int j = 0; j < n; ++j) {
                    T w = x[base + j * stride];
                    less += w < v;
                    equal += w == v;
                }
                if (less <= k && k < less + equal) {
                    hit = c;
                    break;
                }
            }
            at = warp_min_int(hit);
        }
        if (lane == 0) {
            values[row_ll] = x[base + at * stride];
            indices[row_ll] = at;
        }
    }
}

extern "C" __global__ void median_forward_v1_f32(int rows, int n, const float* x, Strided heads,
                                                 int stride, float* values, long long* indices) {
    median_body<float>(rows, n, x, heads, stride, values, indices);
}

extern "C" __global__ void median_forward_v1_f64(int rows, int n, const double* x, Strided heads,
                                                 int stride, double* values,
                                                 long long* indices) {
    median_body<double>(rows, n, x, heads, stride, values, indices);
}

// ---- softmax and log-softmax ----------------------------------------------------------------

// One warp per row, of scale * x: the maximum (NaN propagates; an all -inf row uses 0), the sum
// of exp(v - max) in double, then exp(v - max) / sum or (v - max) - log(sum). With scale 1 the
// products are x itself.
template <typename T>
__device__ void softmax_body(int rows, int n, const T* x, const Strided& heads, int stride,
                             T* out, const Strided& out_heads, int out_stride, int log_mode,
                             double scale) {
    const int lane = threadIdx.x & 31;
    const T sc = (T) scale;
    ED4J_WARP_LOOP(row, rows) {
        int base = strided_offset(heads, (int) row_ll);
        int obase = strided_offset(out_heads, (int) row_ll);
        T mx = (T) -INFINITY;
        for (int j = lane; j < n; j += 32) mx = java_max(mx, sc * x[base + j * stride]);
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) mx = java_max(mx, __shfl_xor_sync(0xffffffffu, mx, o));
        if (mx == (T) -INFINITY) mx = (T) 0;
        double sum = 0.0;
        for (int j = lane; j < n; j += 32) sum += (double) m_exp(sc * x[base + j * stride] - mx);
        sum = warp_sum(sum);
        if (log_mode) {
            double lse = log(sum);
            for (int j = lane; j < n; j += 32) {
                out[obase + j * out_stride] =
                        (T) ((double) (sc * x[base + j * stride]) - mx - lse);
            }
        } else {
            double inv = 1.0 / sum;
            for (int j = lane; j < n; j += 32) {
                out[obase + j * out_stride] =
                        (T) ((double) m_exp(sc * x[base + j * stride] - mx) * inv);
            }
        }
    }
}

extern "C" __global__ void softmax_forward_v2_f32(int rows, int n, const float* x, Strided heads,
                                                  int stride, float* out, Strided out_heads,
                                                  int out_stride, int log_mode, double scale) {
    softmax_body<float>(rows, n, x, heads, stride, out, out_heads, out_stride, log_mode, scale);
}

extern "C" __global__ void softmax_forward_v2_f64(int rows, int n, const double* x,
                                                  Strided heads, int stride, double* out,
                                                  Strided out_heads, int out_stride,
                                                  int log_mode, double scale) {
    softmax_body<double>(rows, n, x, heads, stride, out, out_heads, out_stride, log_mode, scale);
}

// The gradient through a softmax from its output y, one warp per row: the dot product of
// gradOut and y in double, then scale * y * (gradOut - dot).
template <typename T>
__device__ void softmax_backward_body(int rows, int n, const T* g, const Strided& g_heads,
                                      int g_stride, const T* y, const Strided& y_heads,
                                      int y_stride, T* out, const Strided& out_heads,
                                      int out_stride, double scale) {
    const int lane = threadIdx.x & 31;
    const T sc = (T) scale;
    ED4J_WARP_LOOP(row, rows) {
        int gb = strided_offset(g_heads, (int) row_ll);
        int yb = strided_offset(y_heads, (int) row_ll);
        int ob = strided_offset(out_heads, (int) row_ll);
        double dot = 0.0;
        for (int j = lane; j < n; j += 32) {
            dot += (double) g[gb + j * g_stride] * (double) y[yb + j * y_stride];
        }
        const T d = (T) warp_sum(dot);
        for (int j = lane; j < n; j += 32) {
            out[ob + j * out_stride] = sc * y[yb + j * y_stride] * (g[gb + j * g_stride] - d);
        }
    }
}

extern "C" __global__ void softmax_backward_v1_f32(int rows, int n, const float* g,
                                                   Strided g_heads, int g_stride, const float* y,
                                                   Strided y_heads, int y_stride, float* out,
                                                   Strided out_heads, int out_stride,
                                                   double scale) {
    softmax_backward_body<float>(rows, n, g, g_heads, g_stride, y, y_heads, y_stride, out,
                                 out_heads, out_stride, scale);
}

extern "C" __global__ void softmax_backward_v1_f64(int rows, int n, const double* g,
                                                   Strided g_heads, int g_stride,
                                                   const double* y, Strided y_heads,
                                                   int y_stride, double* out, Strided out_heads,
                                                   int out_stride, double scale) {
    softmax_backward_body<double>(rows, n, g, g_heads, g_stride, y, y_heads, y_stride, out,
                                  out_heads, out_stride, scale);
}

// ---- sum(a * log(max(y, floor))) ------------------------------------------------------------

// The scale gradient of a scaled softmax from its output: blocks of REDUCE_THREADS reduce fixed
// parts of the index space into double partials (as reduce_parts); reduce_finish adds them in
// order. a and y are described over one index space.
template <typename T>
__device__ void sum_times_log_body(int n, int parts, const T* a, const Strided& da, const T* y,
                                   const Strided& dy, double floor, double* partial) {
    const T low = (T) floor;
    int chunk = (n + parts - 1) / parts;
    for (int p = blockIdx.x; p < parts; p += gridDim.x) {
        int start = p * chunk;
        int end = min(n, start + chunk);
        double acc = 0.0;
        for (int j = start + threadIdx.x; j < end; j += blockDim.x) {
            T v = y[strided_offset(dy, j)];
            acc += (double) a[strided_offset(da, j)] * (double) m_log(java_max(v, low));
        }
        double sum = block_sum<REDUCE_THREADS>(acc);
        if (threadIdx.x == 0) partial[p] = sum;
    }
}

extern "C" __global__ void __launch_bounds__(REDUCE_THREADS)
sum_times_log_forward_v1_f32(int n, int parts, const float* a, Strided da, const float* y,
                             Strided dy, double floor, double* partial) {
    sum_times_log_body<float>(n, parts, a, da, y, dy, floor, partial);
}

extern "C" __global__ void __launch_bounds__(REDUCE_THREADS)
sum_times_log_forward_v1_f64(int n, int parts, const double* a, Strided da, const double* y,
                             Strided dy, double floor, double* partial) {
    sum_times_log_body<double>(n, parts, a, da, y, dy, floor, partial);
}
