// Elementwise kernels over strided operands: unary and binary functions, clamp, where, cast,
// copy, fill, an in-place add, and the fused Adam step. Launched by
// ed4j.tensor.cuda.ElementwiseKernels; CPU reference: ed4j.tensor.cpu.ElementwiseKernels and
// (Adam) ed4j.tensor.cpu.OptimizerKernels.
//
// n is the element count of the result, which is contiguous unless a Strided descriptor is
// given for it (copy and fill write into views). float32 math runs in float with CUDA's
// IEEE-rounded functions (no fast-math); float64 in double.
#include "common.cuh"

// Ordinals of ed4j.tensor.UnaryOp (checked by CudaSourceTest).
enum UnaryCode {
    U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_ABS, U_SIGN, U_SIGMOID, U_TANH, U_RELU, U_GELU,
    U_GELU_DERIVATIVE, U_ERF, U_SIN, U_COS, U_RECIPROCAL, U_SQUARE, U_IS_NAN
};

// Ordinals of ed4j.tensor.BinaryOp (checked by CudaSourceTest).
enum BinaryCode {
    B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAXIMUM, B_MINIMUM, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE
};

template <typename T>
__device__ __forceinline__ T unary_op(int op, T x) {
    const T one = (T) 1;
    const T inv_sqrt2 = (T) 0.70710678118654752440;
    const T inv_sqrt_2pi = (T) 0.39894228040143267794;
    switch (op) {
        case U_NEG: return -x;
        case U_EXP: return m_exp(x);
        case U_LOG: return m_log(x);
        case U_SQRT: return m_sqrt(x);
        case U_RSQRT: return one / m_sqrt(x);
        case U_ABS: return m_abs(x);
        // Math.signum: NaN and signed zeros pass through.
        case U_SIGN: return x > (T) 0 ? one : (x < (T) 0 ? -one : x);
        case U_SIGMOID:
            // Written so that neither branch overflows exp.
            if (x >= (T) 0) return one / (one + m_exp(-x));
            else {
                T e = m_exp(x);
                return e / (one + e);
            }
        case U_TANH: return m_tanh(x);
        // NOTE: NaN stays NaN, like torch.relu.
        case U_RELU: return x < (T) 0 ? (T) 0 : x;
        // Phi through erfc keeps the left tail accurate, as the CPU backend does.
        case U_GELU: return x * ((T) 0.5 * m_erfc(-x * inv_sqrt2));
        case U_GELU_DERIVATIVE:
            return (T) 0.5 * m_erfc(-x * inv_sqrt2) + x * (inv_sqrt_2pi * m_exp((T) -0.5 * x * x));
        case U_ERF: return m_erf(x);
        case U_SIN: return m_sin(x);
        case U_COS: return m_cos(x);
        case U_RECIPROCAL: return one / x;
        case U_SQUARE: return x * x;
        case U_IS_NAN: return x != x ? one : (T) 0;
        default: return x;
    }
}

// Math.pow, which differs from C's pow for a NaN exponent and for |x| == 1 with an infinite one.
template <typename T>
__device__ __forceinline__ T java_pow(T x, T y) {
    if (y != y) return y;
    if (isinf(y) && m_abs(x) == (T) 1) return y - y;
    return m_pow(x, y);
}

template <typename T>
__device__ __forceinline__ T binary_op(int op, T x, T y) {
    switch (op) {
        case B_ADD: return x + y;
        case B_SUB: return x - y;
        case B_MUL: return x * y;
        case B_DIV: return x / y;
        case B_POW: return java_pow(x, y);
        case B_MAXIMUM: return java_max(x, y);
        case B_MINIMUM: return java_min(x, y);
        case B_EQ: return x == y ? (T) 1 : (T) 0;
        case B_NE: return x != y ? (T) 1 : (T) 0;
        case B_LT: return x < y ? (T) 1 : (T) 0;
        case B_LE: return x <= y ? (T) 1 : (T) 0;
        case B_GT: return x > y ? (T) 1 : (T) 0;
        case B_GE: return x >= y ? (T) 1 : (T) 0;
        default: return x;
    }
}

// ---- unary, binary, clamp -------------------------------------------------------------------

template <typename T>
__device__ void unary_body(int op, int n, const T* x, const Strided& dx, T* out) {
    ED4J_GRID_LOOP(i, n) {
        out[i_ll] = unary_op<T>(op, x[strided_offset(dx, (int) i_ll)]);
    }
}

extern "C" __global__ void unary_forward_v1_f32(int op, int n, const float* x, Strided dx,
                                                float* out) {
    unary_body<float>(op, n, x, dx, out);
}

extern "C" __global__ void unary_forward_v1_f64(int op, int n, const double* x, Strided dx,
                                                double* out) {
    unary_body<double>(op, n, x, dx, out);
}

template <typename T>
__device__ void binary_body(int op, int n, const T* a, const Strided& da, const T* b,
                            const Strided& db, T* out) {
    ED4J_GRID_LOOP(i, n) {
        int k = (int) i_ll;
        out[i_ll] = binary_op<T>(op, a[strided_offset(da, k)], b[strided_offset(db, k)]);
    }
}

extern "C" __global__ void binary_forward_v1_f32(int op, int n, const float* a, Strided da,
                                                 const float* b, Strided db, float* out) {
    binary_body<float>(op, n, a, da, b, db, out);
}

extern "C" __global__ void binary_forward_v1_f64(int op, int n, const double* a, Strided da,
                                                 const double* b, Strided db, double* out) {
    binary_body<double>(op, n, a, da, b, db, out);
}

// NOTE: NaN passes through unchanged, as in torch.clamp; bounds compare in double, as on the CPU.
template <typename T>
__device__ void clamp_body(int n, const T* x, const Strided& dx, double lo, double hi, T* out) {
    ED4J_GRID_LOOP(i, n) {
        T v = x[strided_offset(dx, (int) i_ll)];
        double d = (double) v;
        out[i_ll] = d < lo ? (T) lo : (d > hi ? (T) hi : v);
    }
}

extern "C" __global__ void clamp_forward_v1_f32(int n, const float* x, Strided dx, double lo,
                                                double hi, float* out) {
    clamp_body<float>(n, x, dx, lo, hi, out);
}

extern "C" __global__ void clamp_forward_v1_f64(int n, const double* x, Strided dx, double lo,
                                                double hi, double* out) {
    clamp_body<double>(n, x, dx, lo, hi, out);
}

// ---- where ----------------------------------------------------------------------------------

template <typename C, typename T>
__device__ void where_body(int n, const C* cond, const Strided& dc, const T* a, const Strided& da,
                           const T* b, const Strided& db, T* out) {
    ED4J_GRID_LOOP(i, n) {
        int k = (int) i_ll;
        // A NaN condition is true (NaN != 0), as on the CPU.
        out[i_ll] = cond[strided_offset(dc, k)] != (C) 0 ? a[strided_offset(da, k)]
                                                          : b[strided_offset(db, k)];
    }
}

#define ED4J_WHERE(CN, C, TN, T)                                                              \
    extern "C" __global__ void where_forward_v1_##CN##_##TN(int n, const C* cond, Strided dc,  \
                                                           const T* a, Strided da, const T* b, \
                                                           Strided db, T* out) {               \
        where_body<C, T>(n, cond, dc, a, da, b, db, out);                                      \
    }

ED4J_WHERE(f32, float, f32, float)
ED4J_WHERE(f32, float, f64, double)
ED4J_WHERE(f32, float, i64, long long)
ED4J_WHERE(f64, double, f32, float)
ED4J_WHERE(f64, double, f64, double)
ED4J_WHERE(f64, double, i64, long long)
ED4J_WHERE(i64, long long, f32, float)
ED4J_WHERE(i64, long long, f64, double)
ED4J_WHERE(i64, long long, i64, long long)

// ---- cast -----------------------------------------------------------------------------------

// Through double, as the CPU backend converts: int64 to float32 rounds via double, floating to
// int64 truncates toward zero like Java's (long) cast.
template <typename S, typename D>
__device__ void cast_body(int n, const S* x, const Strided& dx, D* out) {
    ED4J_GRID_LOOP(i, n) {
        out[i_ll] = from_double<D>((double) x[strided_offset(dx, (int) i_ll)]);
    }
}

// int64 to int64 is an exact copy.
template <>
__device__ void cast_body<long long, long long>(int n, const long long* x, const Strided& dx,
                                                long long* out) {
    ED4J_GRID_LOOP(i, n) {
        out[i_ll] = x[strided_offset(dx, (int) i_ll)];
    }
}

#define ED4J_CAST(SN, S, DN, D)                                                               \
    extern "C" __global__ void cast_forward_v1_##SN##_##DN(int n, const S* x, Strided dx,      \
                                                          D* out) {                            \
        cast_body<S, D>(n, x, dx, out);                                                        \
    }

ED4J_CAST(f32, float, f32, float)
ED4J_CAST(f32, float, f64, double)
ED4J_CAST(f32, float, i64, long long)
ED4J_CAST(f64, double, f32, float)
ED4J_CAST(f64, double, f64, double)
ED4J_CAST(f64, double, i64, long long)
ED4J_CAST(i64, long long, f32, float)
ED4J_CAST(i64, long long, f64, double)
ED4J_CAST(i64, long long, i64, long long)

// ---- copy and fill into views ---------------------------------------------------------------

template <typename T>
__device__ void copy_body(int n, const T* src, const Strided& ds, T* dst, const Strided& dd) {
    ED4J_GRID_LOOP(i, n) {
        int k = (int) i_ll;
        dst[strided_offset(dd, k)] = src[strided_offset(ds, k)];
    }
}

#define ED4J_COPY(TN, T)                                                                      \
    extern "C" __global__ void copy_forward_v1_##TN(int n, const T* src, Strided ds, T* dst,   \
                                                   Strided dd) {                               \
        copy_body<T>(n, src, ds, dst, dd);                                                     \
    }

ED4J_COPY(f32, float)
ED4J_COPY(f64, double)
ED4J_COPY(i64, long long)

template <typename T>
__device__ void fill_body(int n, T* dst, const Strided& dd, double value) {
    T v = from_double<T>(value);
    ED4J_GRID_LOOP(i, n) {
        dst[strided_offset(dd, (int) i_ll)] = v;
    }
}

#define ED4J_FILL(TN, T)                                                                      \
    extern "C" __global__ void fill_forward_v1_##TN(int n, T* dst, Strided dd, double value) { \
        fill_body<T>(n, dst, dd, value);                                                       \
    }

ED4J_FILL(f32, float)
ED4J_FILL(f64, double)
ED4J_FILL(i64, long long)

// dst += src in place; dst holds each of its elements once (no broadcast view).
template <typename T>
__device__ void add_into_body(int n, T* dst, const Strided& dd, const T* src, const Strided& ds) {
    ED4J_GRID_LOOP(i, n) {
        int k = (int) i_ll;
        int at = strided_offset(dd, k);
        dst[at] = dst[at] + src[strided_offset(ds, k)];
    }
}

extern "C" __global__ void add_into_forward_v1_f32(int n, float* dst, Strided dd,
                                                   const float* src, Strided ds) {
    add_into_body<float>(n, dst, dd, src, ds);
}

extern "C" __global__ void add_into_forward_v1_f64(int n, double* dst, Strided dd,
                                                   const double* src, Strided ds) {
    add_into_body<double>(n, dst, dd, src, ds);
}

// One Adam step in place over contiguous parameter, gradient and moments (element offsets po,
// go, mo, vo), in PyTorch's order of operations: g = grad + wd * p; m = b1 m + c1 g;
// v = b2 v + c2 g g; p -= step * m / (sqrt(v) / bc + eps). Float32 state is updated in float32
// with every product and sum rounded on its own (no fused multiply-add), as the CPU does.
__device__ __forceinline__ float adam_mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double adam_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float adam_add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double adam_add(double a, double b) { return __dadd_rn(a, b); }

template <typename T>
__device__ void adam_body(int n, T* p, int po, const T* g, int go, T* m, int mo, T* v, int vo,
                          double b1, double c1, double b2, double c2, double wd, double step,
                          double bc, double eps) {
    const T tb1 = (T) b1, tc1 = (T) c1, tb2 = (T) b2, tc2 = (T) c2, twd = (T) wd;
    const T tstep = (T) step, tbc = (T) bc, teps = (T) eps;
    ED4J_GRID_LOOP(i, n) {
        T pi = p[po + i_ll];
        T gi = adam_add(g[go + i_ll], adam_mul(twd, pi));
        T mi = adam_add(adam_mul(m[mo + i_ll], tb1), adam_mul(tc1, gi));
        T vi = adam_add(adam_mul(v[vo + i_ll], tb2), adam_mul(adam_mul(tc2, gi), gi));
        m[mo + i_ll] = mi;
        v[vo + i_ll] = vi;
        p[po + i_ll] = pi - adam_mul(tstep, mi / adam_add(m_sqrt(vi) / tbc, teps));
    }
}

extern "C" __global__ void adam_forward_v1_f32(int n, float* p, int po, const float* g, int go,
                                               float* m, int mo, float* v, int vo, double b1,
                                               double c1, double b2, double c2, double wd,
                                               double step, double bc, double eps) {
    adam_body<float>(n, p, po, g, go, m, mo, v, vo, b1, c1, b2, c2, wd, step, bc, eps);
}

extern "C" __global__ void adam_forward_v1_f64(int n, double* p, int po, const double* g, int go,
                                               double* m, int mo, double* v, int vo, double b1,
                                               double c1, double b2, double c2, double wd,
                                               double step, double bc, double eps) {
    adam_body<double>(n, p, po, g, go, m, mo, v, vo, b1, c1, b2, c2, wd, step, bc, eps);
}
