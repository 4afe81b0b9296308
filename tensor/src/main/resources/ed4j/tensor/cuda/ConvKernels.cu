// 2-d convolution (cross-correlation) and its two gradients as implicit GEMMs: the column
// matrix of im2col is never stored; the B loader computes each of its elements from the input.
// Launched by ed4j.tensor.cuda.ConvKernels; CPU reference: ed4j.tensor.cpu.ConvKernels.
//
// Shapes: x (N, Cin, H, W), weight (Cout, Cin/G, kH, kW), out (N, Cout, OH, OW), G groups;
// per group Cg = Cin/G input and Og = Cout/G output channels, P = OH * OW output positions,
// Kc = Cg * kH * kW rows of the column matrix, r = (ci * kH + ky) * kW + kx.
//   forward          per (image, group):  out (Og, P)  = W_g (Og, Kc) x col (Kc, P) [+ bias]
//                    [+ residual] [then ReLU] (the epilogue of a frozen ResNet block)
//   input gradient   per (image, group):  gx (Cg, H*W) = W_g^T-by-tap (Cg, Og*kH*kW) x
//                    gy-by-tap (Og*kH*kW, H*W): the transposed convolution written as a gather,
//                    so every input gradient element is one dot product (no atomics);
//   weight gradient  per (group, K slice): gw (Og, Kc) = gy (Og, N*P) x col^T (N*P, Kc); the
//                    N*P reduction may be cut into slices that write partial results, summed in
//                    slice order by splitk_sum (deterministic).
// Inputs are strided (Nchw descriptors); results are contiguous.
#include "common.cuh"
#include "gemm_tile.cuh"

// The sizes of one convolution; the order is ConvKernels.geometry() on the Java side.
struct ConvGeom {
    int n, cin, h, w, cout, kh, kw, oh, ow, groups, sh, sw, ph, pw, dh, dw;
};

// ---- forward --------------------------------------------------------------------------------

template <typename T>
struct ConvWeightRows {  // W_g (Og, Kc): (i, r) -> weight[g * Og + i, ci, ky, kx]
    const T* w;
    Nchw ws;
    int c0;  // first output channel of the group
    int kh, kw;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int i, int r) const {
        int kk = kh * kw;
        int ci = r / kk;
        int t = r - ci * kk;
        int ky = t / kw;
        int kx = t - ky * kw;
        return w[nchw_offset(ws, c0 + i, ci, ky, kx)];
    }
};

template <typename T>
struct ConvColumns {  // col (Kc, P): (r, p) -> x[img, g * Cg + ci, iy, ix] or 0 in the padding
    const T* x;
    Nchw xs;
    int img, ci0;
    ConvGeom g;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int r, int p) const {
        int kk = g.kh * g.kw;
        int ci = r / kk;
        int t = r - ci * kk;
        int ky = t / g.kw;
        int kx = t - ky * g.kw;
        int oy = p / g.ow;
        int ox = p - oy * g.ow;
        int iy = oy * g.sh - g.ph + ky * g.dh;
        int ix = ox * g.sw - g.pw + kx * g.dw;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) return (T) 0;
        return x[nchw_offset(xs, img, ci0 + ci, iy, ix)];
    }
};

// out[img, c0 + i, p] (+ bias[c0 + i]), contiguous; then, as the CPU's epilogue does, one op
// after the other in T: + res[img, c0 + i, oy, ox] (a strided tensor of the output's shape),
// then max(., 0).
template <typename T>
struct ConvOutStore {
    T* out;
    const T* bias;
    int has_bias;
    long long base;  // offset of out[img, c0, 0]
    int positions;
    int c0;
    const T* res;
    Nchw rs;
    int has_res;
    int relu;
    int img;
    int ow;
    template <typename Acc>
    __device__ __forceinline__ void operator()(int i, int p, Acc v) const {
        if (has_bias) v += (Acc) bias[c0 + i];
        T y = (T) v;
        if (has_res) {
            int oy = p / ow;
            y = y + res[nchw_offset(rs, img, c0 + i, oy, p - oy * ow)];
        }
        if (relu) y = y < (T) 0 ? (T) 0 : y;
        out[base + (long long) i * positions + p] = y;
    }
};

template <typename T, int MODE>
__device__ void conv_forward(const ConvGeom& g, const T* x, const Nchw& xs, const T* w,
                             const Nchw& ws, const T* bias, int has_bias, T* out,
                             const T* res, const Nchw& rs, int has_res, int relu) {
    const int cg = g.cin / g.groups;
    const int og = g.cout / g.groups;
    const int positions = g.oh * g.ow;
    const int kc = cg * g.kh * g.kw;
    const int m0 = blockIdx.x * GEMM_BM;
    const int n0 = blockIdx.y * GEMM_BN;
    for (int z = blockIdx.z; z < g.n * g.groups; z += gridDim.z) {
        int img = z / g.groups;
        int grp = z - img * g.groups;
        ConvWeightRows<T> la{w, ws, grp * og, g.kh, g.kw, true};
        ConvColumns<T> lb{x, xs, img, grp * cg, g, false};
        ConvOutStore<T> st{out, bias, has_bias,
                           ((long long) img * g.cout + grp * og) * positions, positions, grp * og,
                           res, rs, has_res, relu, img, g.ow};
        if constexpr (MODE == 1) {
            gemm_simt<T, T>(og, positions, 0, kc, m0, n0, la, lb, st);
        } else {
            gemm_wmma<MODE == 3>(og, positions, kc, m0, n0, la, lb, st);
        }
    }
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
conv2d_forward_v1_f32(ConvGeom g, const float* x, Nchw xs, const float* w, Nchw ws,
                      const float* bias, int has_bias, float* out, const float* res, Nchw rs,
                      int has_res, int relu) {
    conv_forward<float, 1>(g, x, xs, w, ws, bias, has_bias, out, res, rs, has_res, relu);
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
conv2d_forward_v1_f64(ConvGeom g, const double* x, Nchw xs, const double* w, Nchw ws,
                      const double* bias, int has_bias, double* out, const double* res, Nchw rs,
                      int has_res, int relu) {
    conv_forward<double, 1>(g, x, xs, w, ws, bias, has_bias, out, res, rs, has_res, relu);
}

extern "C" __global__ void __launch_bounds__(GEMM_WMMA_THREADS)
conv2d_forward_v2_f32(ConvGeom g, const float* x, Nchw xs, const float* w, Nchw ws,
                      const float* bias, int has_bias, float* out, const float* res, Nchw rs,
                      int has_res, int relu) {
    conv_forward<float, 2>(g, x, xs, w, ws, bias, has_bias, out, res, rs, has_res, relu);
}

extern "C" __global__ void __launch_bounds__(GEMM_WMMA_THREADS)
conv2d_forward_v3_f32(ConvGeom g, const float* x, Nchw xs, const float* w, Nchw ws,
                      const float* bias, int has_bias, float* out, const float* res, Nchw rs,
                      int has_res, int relu) {
    conv_forward<float, 3>(g, x, xs, w, ws, bias, has_bias, out, res, rs, has_res, relu);
}

// ---- input gradient -------------------------------------------------------------------------

template <typename T>
struct ConvWeightTaps {  // (ci, q) with q = (co * kH + ky) * kW + kx -> weight[g*Og + co, ci, ky, kx]
    const T* w;
    Nchw ws;
    int c0;
    int kh, kw;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int ci, int q) const {
        int kk = kh * kw;
        int co = q / kk;
        int t = q - co * kk;
        int ky = t / kw;
        int kx = t - ky * kw;
        return w[nchw_offset(ws, c0 + co, ci, ky, kx)];
    }
};

template <typename T>
struct GradTaps {  // (q, p) with p = iy * W + ix -> gy[img, g*Og + co, oy, ox] when tap (ky, kx)
                   // of output (oy, ox) reads input (iy, ix), else 0
    const T* gy;
    Nchw gs;
    int img, c0;
    ConvGeom g;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int q, int p) const {
        int kk = g.kh * g.kw;
        int co = q / kk;
        int t = q - co * kk;
        int ky = t / g.kw;
        int kx = t - ky * g.kw;
        int iy = p / g.w;
        int ix = p - iy * g.w;
        int ty = iy + g.ph - ky * g.dh;
        int tx = ix + g.pw - kx * g.dw;
        if (ty < 0 || tx < 0) return (T) 0;
        int oy = ty / g.sh;
        int ox = tx / g.sw;
        if (oy * g.sh != ty || ox * g.sw != tx || oy >= g.oh || ox >= g.ow) return (T) 0;
        return gy[nchw_offset(gs, img, c0 + co, oy, ox)];
    }
};

template <typename T>
__device__ void conv_input_backward(const ConvGeom& g, const T* gy, const Nchw& gs, const T* w,
                                    const Nchw& ws, T* gx) {
    const int cg = g.cin / g.groups;
    const int og = g.cout / g.groups;
    const int plane = g.h * g.w;
    const int taps = og * g.kh * g.kw;
    const int m0 = blockIdx.x * GEMM_BM;
    const int n0 = blockIdx.y * GEMM_BN;
    for (int z = blockIdx.z; z < g.n * g.groups; z += gridDim.z) {
        int img = z / g.groups;
        int grp = z - img * g.groups;
        ConvWeightTaps<T> la{w, ws, grp * og, g.kh, g.kw, true};
        GradTaps<T> lb{gy, gs, img, grp * og, g, false};
        RowMajorStore<T> st{gx + ((long long) img * g.cin + grp * cg) * plane, plane};
        gemm_simt<T, T>(cg, plane, 0, taps, m0, n0, la, lb, st);
    }
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
conv2d_input_backward_v1_f32(ConvGeom g, const float* gy, Nchw gs, const float* w, Nchw ws,
                             float* gx) {
    conv_input_backward<float>(g, gy, gs, w, ws, gx);
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
conv2d_input_backward_v1_f64(ConvGeom g, const double* gy, Nchw gs, const double* w, Nchw ws,
                             double* gx) {
    conv_input_backward<double>(g, gy, gs, w, ws, gx);
}

// ---- weight gradient ------------------------------------------------------------------------

template <typename T>
struct GradRows {  // (i, s) with s = img * P + p -> gy[img, g*Og + i, oy, ox]
    const T* gy;
    Nchw gs;
    int c0;
    int positions, ow;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int i, int s) const {
        int img = s / positions;
        int p = s - img * positions;
        int oy = p / ow;
        int ox = p - oy * ow;
        return gy[nchw_offset(gs, img, c0 + i, oy, ox)];
    }
};

template <typename T>
struct ColumnsT {  // col^T over images: (s, r) -> x[img, g*Cg + ci, iy, ix] or 0
    const T* x;
    Nchw xs;
    int ci0;
    ConvGeom g;
    bool k_fastest;
    __device__ __forceinline__ T operator()(int s, int r) const {
        int positions = g.oh * g.ow;
        int img = s / positions;
        int p = s - img * positions;
        int kk = g.kh * g.kw;
        int ci = r / kk;
        int t = r - ci * kk;
        int ky = t / g.kw;
        int kx = t - ky * g.kw;
        int oy = p / g.ow;
        int ox = p - oy * g.ow;
        int iy = oy * g.sh - g.ph + ky * g.dh;
        int ix = ox * g.sw - g.pw + kx * g.dw;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) return (T) 0;
        return x[nchw_offset(xs, img, ci0 + ci, iy, ix)];
    }
};

// dst is gw (Cout, Kc) when slices == 1, else partial (slices, Cout, Kc); chunk is the length of
// a slice of the N*P reduction, a multiple of GEMM_BK.
template <typename T>
__device__ void conv_weight_backward(const ConvGeom& g, int slices, int chunk, const T* gy,
                                     const Nchw& gs, const T* x, const Nchw& xs, T* dst) {
    const int cg = g.cin / g.groups;
    const int og = g.cout / g.groups;
    const int positions = g.oh * g.ow;
    const int kc = cg * g.kh * g.kw;
    const int red = g.n * positions;
    const int m0 = blockIdx.x * GEMM_BM;
    const int n0 = blockIdx.y * GEMM_BN;
    for (int z = blockIdx.z; z < g.groups * slices; z += gridDim.z) {
        int grp = z / slices;
        int slice = z - grp * slices;
        int k_begin = slice * chunk;
        int k_end = min(red, k_begin + chunk);
        GradRows<T> la{gy, gs, grp * og, positions, g.ow, true};
        ColumnsT<T> lb{x, xs, grp * cg, g, true};
        RowMajorStore<T> st{dst + ((long long) slice * g.cout + grp * og) * kc, kc};
        gemm_simt<T, T>(og, kc, k_begin, k_end, m0, n0, la, lb, st);
    }
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
conv2d_weight_backward_v1_f32(ConvGeom g, int slices, int chunk, const float* gy, Nchw gs,
                              const float* x, Nchw xs, float* dst) {
    conv_weight_backward<float>(g, slices, chunk, gy, gs, x, xs, dst);
}

extern "C" __global__ void __launch_bounds__(GEMM_SIMT_THREADS)
conv2d_weight_backward_v1_f64(ConvGeom g, int slices, int chunk, const double* gy, Nchw gs,
                              const double* x, Nchw xs, double* dst) {
    conv_weight_backward<double>(g, slices, chunk, gy, gs, x, xs, dst);
}

// out[e] = sum over s of partial[s * n + e], in slice order, accumulated in double.
template <typename T>
__device__ void splitk_sum(int n, int slices, const T* partial, T* out) {
    ED4J_GRID_LOOP(e, n) {
        double acc = 0.0;
        for (int s = 0; s < slices; ++s) acc += (double) partial[(long long) s * n + e_ll];
        out[e_ll] = (T) acc;
    }
}

extern "C" __global__ void splitk_sum_forward_v1_f32(int n, int slices, const float* partial,
                                                     float* out) {
    splitk_sum<float>(n, slices, partial, out);
}

extern "C" __global__ void splitk_sum_forward_v1_f64(int n, int slices, const double* partial,
                                                     double* out) {
    splitk_sum<double>(n, slices, partial, out);
}

// ---- depthwise convolution (groups == Cin == Cout) ------------------------------------------
//
// A depthwise filter has one input channel, so the implicit GEMM above would use one row of
// each 64 x 64 tile. These kernels compute each result directly instead: one thread per output
// element (forward) or input element (input gradient), taps in ascending (ky, kx); the weight
// gradient takes one block per (channel, tap), each thread summing a strided part of the
// N*OH*OW products in double, then a fixed tree over the block (deterministic).

#define DW_THREADS 256

template <typename T>
__device__ void dw_forward(const ConvGeom& g, const T* x, const Nchw& xs, const T* w,
                           const Nchw& ws, const T* bias, int has_bias, T* out, const T* res,
                           const Nchw& rs, int has_res, int relu) {
    const int positions = g.oh * g.ow;
    const long long total = (long long) g.n * g.cout * positions;
    ED4J_GRID_LOOP(e, total) {
        int p = (int) (e_ll % positions);
        long long nc = e_ll / positions;
        int c = (int) (nc % g.cout);
        int img = (int) (nc / g.cout);
        int oy = p / g.ow;
        int ox = p - oy * g.ow;
        T acc = (T) 0;
        for (int ky = 0; ky < g.kh; ++ky) {
            int iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
                int ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix < 0 || ix >= g.w) continue;
                acc += w[nchw_offset(ws, c, 0, ky, kx)] * x[nchw_offset(xs, img, c, iy, ix)];
            }
        }
        if (has_bias) acc += bias[c];
        if (has_res) acc = acc + res[nchw_offset(rs, img, c, oy, ox)];
        if (relu) acc = acc < (T) 0 ? (T) 0 : acc;
        out[e_ll] = acc;
    }
}

extern "C" __global__ void dwconv_forward_v1_f32(ConvGeom g, const float* x, Nchw xs,
                                                 const float* w, Nchw ws, const float* bias,
                                                 int has_bias, float* out, const float* res,
                                                 Nchw rs, int has_res, int relu) {
    dw_forward<float>(g, x, xs, w, ws, bias, has_bias, out, res, rs, has_res, relu);
}

extern "C" __global__ void dwconv_forward_v1_f64(ConvGeom g, const double* x, Nchw xs,
                                                 const double* w, Nchw ws, const double* bias,
                                                 int has_bias, double* out, const double* res,
                                                 Nchw rs, int has_res, int relu) {
    dw_forward<double>(g, x, xs, w, ws, bias, has_bias, out, res, rs, has_res, relu);
}

// gx[img, c, iy, ix] = sum over the taps (ky, kx) whose output (oy, ox) reads (iy, ix) of
// gy[img, c, oy, ox] * w[c, 0, ky, kx].
template <typename T>
__device__ void dw_input_backward(const ConvGeom& g, const T* gy, const Nchw& gs, const T* w,
                                  const Nchw& ws, T* gx) {
    const int plane = g.h * g.w;
    const long long total = (long long) g.n * g.cin * plane;
    ED4J_GRID_LOOP(e, total) {
        int q = (int) (e_ll % plane);
        long long nc = e_ll / plane;
        int c = (int) (nc % g.cin);
        int img = (int) (nc / g.cin);
        int iy = q / g.w;
        int ix = q - iy * g.w;
        T acc = (T) 0;
        for (int ky = 0; ky < g.kh; ++ky) {
            int ty = iy + g.ph - ky * g.dh;
            if (ty < 0) continue;
            int oy = ty / g.sh;
            if (oy * g.sh != ty || oy >= g.oh) continue;
            for (int kx = 0; kx < g.kw; ++kx) {
                int tx = ix + g.pw - kx * g.dw;
                if (tx < 0) continue;
                int ox = tx / g.sw;
                if (ox * g.sw != tx || ox >= g.ow) continue;
                acc += gy[nchw_offset(gs, img, c, oy, ox)] * w[nchw_offset(ws, c, 0, ky, kx)];
            }
        }
        gx[e_ll] = acc;
    }
}

extern "C" __global__ void dwconv_input_backward_v1_f32(ConvGeom g, const float* gy, Nchw gs,
                                                        const float* w, Nchw ws, float* gx) {
    dw_input_backward<float>(g, gy, gs, w, ws, gx);
}

extern "C" __global__ void dwconv_input_backward_v1_f64(ConvGeom g, const double* gy, Nchw gs,
                                                        const double* w, Nchw ws, double* gx) {
    dw_input_backward<double>(g, gy, gs, w, ws, gx);
}

// gw[c, 0, ky, kx] = sum over img, oy, ox of gy[img, c, oy, ox] * x[img, c, iy, ix] (0 where the
// tap reads padding); block b handles (c, tap) = (b / (kH kW), b % (kH kW)).
template <typename T>
__device__ void dw_weight_backward(const ConvGeom& g, const T* gy, const Nchw& gs, const T* x,
                                   const Nchw& xs, T* gw) {
    const int kk = g.kh * g.kw;
    const int positions = g.oh * g.ow;
    const int red = g.n * positions;
    for (int b = blockIdx.x; b < g.cout * kk; b += gridDim.x) {
        int c = b / kk;
        int t = b - c * kk;
        int ky = t / g.kw;
        int kx = t - ky * g.kw;
        double acc = 0.0;
        for (int s = threadIdx.x; s < red; s += blockDim.x) {
            int img = s / positions;
            int p = s - img * positions;
            int oy = p / g.ow;
            int ox = p - oy * g.ow;
            int iy = oy * g.sh - g.ph + ky * g.dh;
            int ix = ox * g.sw - g.pw + kx * g.dw;
            if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
            acc += (double) gy[nchw_offset(gs, img, c, oy, ox)]
                    * (double) x[nchw_offset(xs, img, c, iy, ix)];
        }
        double sum = block_sum<DW_THREADS>(acc);
        if (threadIdx.x == 0) gw[(long long) c * kk + t] = (T) sum;
    }
}

extern "C" __global__ void __launch_bounds__(DW_THREADS)
dwconv_weight_backward_v1_f32(ConvGeom g, const float* gy, Nchw gs, const float* x, Nchw xs,
                              float* gw) {
    dw_weight_backward<float>(g, gy, gs, x, xs, gw);
}

extern "C" __global__ void __launch_bounds__(DW_THREADS)
dwconv_weight_backward_v1_f64(ConvGeom g, const double* gy, Nchw gs, const double* x, Nchw xs,
                              double* gw) {
    dw_weight_backward<double>(g, gy, gs, x, xs, gw);
}
