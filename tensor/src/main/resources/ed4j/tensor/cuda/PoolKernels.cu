// 2-d average and max pooling and their gradients. Launched by ed4j.tensor.cuda.PoolKernels;
// CPU reference: ed4j.tensor.cpu.PoolKernels.
//
// Shapes: x (N, C, H, W) strided, out (N, C, OH, OW) contiguous; window kH x kW, stride sH, sW,
// padding pH, pW; window (oy, ox) covers rows oy*sH - pH .. +kH-1 and likewise columns. One
// thread per output element (forward), per input element (average-pooling gradient, which
// gathers the windows that cover the element instead of scattering into it, so no atomics are
// needed) or per plane (max-pooling gradient). Sums run in a fixed order.
#include "common.cuh"

// The order is PoolKernels.geometry() on the Java side.
struct PoolGeom {
    int n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, include_pad;
};

// First and last (inclusive) window index along one axis whose window covers input index i.
__device__ __forceinline__ void covering(int i, int pad, int k, int s, int out, int& lo,
                                         int& hi) {
    int first = i + pad - k + 1;
    lo = first <= 0 ? 0 : (first + s - 1) / s;
    hi = min(out - 1, (i + pad) / s);
}

__device__ __forceinline__ double avg_divisor(const PoolGeom& g, int oy, int ox) {
    if (g.include_pad) return (double) g.kh * g.kw;
    int h0 = oy * g.sh - g.ph;
    int w0 = ox * g.sw - g.pw;
    int rows = min(h0 + g.kh, g.h) - max(h0, 0);
    int cols = min(w0 + g.kw, g.w) - max(w0, 0);
    return (double) rows * cols;
}

template <typename T>
__device__ void avgpool_forward(const PoolGeom& g, const T* x, const Nchw& xs, T* out) {
    ED4J_GRID_LOOP(e, (long long) g.n * g.c * g.oh * g.ow) {
        int t = (int) e_ll;
        int ox = t % g.ow;
        t /= g.ow;
        int oy = t % g.oh;
        t /= g.oh;
        int ch = t % g.c;
        int img = t / g.c;
        int h0 = oy * g.sh - g.ph;
        int w0 = ox * g.sw - g.pw;
        double sum = 0.0;
        for (int r = max(h0, 0); r < min(h0 + g.kh, g.h); ++r)
            for (int q = max(w0, 0); q < min(w0 + g.kw, g.w); ++q)
                sum += (double) x[nchw_offset(xs, img, ch, r, q)];
        out[e_ll] = (T) (sum / avg_divisor(g, oy, ox));
    }
}

extern "C" __global__ void avgpool2d_forward_v1_f32(PoolGeom g, const float* x, Nchw xs,
                                                    float* out) {
    avgpool_forward<float>(g, x, xs, out);
}

extern "C" __global__ void avgpool2d_forward_v1_f64(PoolGeom g, const double* x, Nchw xs,
                                                    double* out) {
    avgpool_forward<double>(g, x, xs, out);
}

template <typename T>
__device__ void avgpool_backward(const PoolGeom& g, const T* gy, const Nchw& gs, T* gx) {
    ED4J_GRID_LOOP(e, (long long) g.n * g.c * g.h * g.w) {
        int t = (int) e_ll;
        int ix = t % g.w;
        t /= g.w;
        int iy = t % g.h;
        t /= g.h;
        int ch = t % g.c;
        int img = t / g.c;
        int ylo, yhi, xlo, xhi;
        covering(iy, g.ph, g.kh, g.sh, g.oh, ylo, yhi);
        covering(ix, g.pw, g.kw, g.sw, g.ow, xlo, xhi);
        double sum = 0.0;
        for (int oy = ylo; oy <= yhi; ++oy)
            for (int ox = xlo; ox <= xhi; ++ox)
                sum += (double) gy[nchw_offset(gs, img, ch, oy, ox)] / avg_divisor(g, oy, ox);
        gx[e_ll] = (T) sum;
    }
}

extern "C" __global__ void avgpool2d_backward_v1_f32(PoolGeom g, const float* gy, Nchw gs,
                                                     float* gx) {
    avgpool_backward<float>(g, gy, gs, gx);
}

extern "C" __global__ void avgpool2d_backward_v1_f64(PoolGeom g, const double* gy, Nchw gs,
                                                     double* gx) {
    avgpool_backward<double>(g, gy, gs, gx);
}

// PyTorch's scan: the candidate changes on a strictly greater value or on a NaN, so the first
// maximum wins ties and the last NaN wins when there is one; the value is read back from the
// chosen element (-0.0 stays -0.0). Padding acts as -infinity: a window of -infinity reports its
// first element inside the input.
template <typename T>
__device__ void maxpool_forward(const PoolGeom& g, const T* x, const Nchw& xs, T* out,
                                long long* indices) {
    ED4J_GRID_LOOP(e, (long long) g.n * g.c * g.oh * g.ow) {
        int t = (int) e_ll;
        int ox = t % g.ow;
        t /= g.ow;
        int oy = t % g.oh;
        t /= g.oh;
        int ch = t % g.c;
        int img = t / g.c;
        int h0 = oy * g.sh - g.ph;
        int w0 = ox * g.sw - g.pw;
        int hs = max(h0, 0);
        int ws = max(w0, 0);
        T best = (T) -INFINITY;
        int at = hs * g.w + ws;
        for (int r = hs; r < min(h0 + g.kh, g.h); ++r)
            for (int q = ws; q < min(w0 + g.kw, g.w); ++q) {
                T v = x[nchw_offset(xs, img, ch, r, q)];
                if (v > best || v != v) {
                    best = v;
                    at = r * g.w + q;
                }
            }
        out[e_ll] = x[nchw_offset(xs, img, ch, at / g.w, at % g.w)];
        indices[e_ll] = at;
    }
}

extern "C" __global__ void maxpool2d_forward_v1_f32(PoolGeom g, const float* x, Nchw xs,
                                                    float* out, long long* indices) {
    maxpool_forward<float>(g, x, xs, out, indices);
}

extern "C" __global__ void maxpool2d_forward_v1_f64(PoolGeom g, const double* x, Nchw xs,
                                                    double* out, long long* indices) {
    maxpool_forward<double>(g, x, xs, out, indices);
}

// The backward pass knows only the indices, not the windows, so it cannot gather: one thread
// owns a whole plane and adds the output gradients into it in output order, as the CPU does, so
// outputs that share an index add up without atomics. gx is zero on entry.
// LIMITATION: parallel over the N * C planes only.
template <typename T>
__device__ void maxpool_backward(int planes, int c, int oh, int ow, int plane_size, const T* gy,
                                 const Nchw& gs, const long long* indices, const Nchw& is,
                                 T* gx) {
    ED4J_GRID_LOOP(q, planes) {
        int img = (int) q_ll / c;
        int ch = (int) q_ll % c;
        T* dst = gx + q_ll * plane_size;
        for (int oy = 0; oy < oh; ++oy)
            for (int ox = 0; ox < ow; ++ox) {
                long long at = indices[nchw_offset(is, img, ch, oy, ox)];
                dst[at] += gy[nchw_offset(gs, img, ch, oy, ox)];
            }
    }
}

extern "C" __global__ void maxpool2d_backward_v1_f32(int planes, int c, int oh, int ow,
                                                     int plane_size, const float* gy, Nchw gs,
                                                     const long long* indices, Nchw is,
                                                     float* gx) {
    maxpool_backward<float>(planes, c, oh, ow, plane_size, gy, gs, indices, is, gx);
}

extern "C" __global__ void maxpool2d_backward_v1_f64(int planes, int c, int oh, int ow,
                                                     int plane_size, const double* gy, Nchw gs,
                                                     const long long* indices, Nchw is,
                                                     double* gx) {
    maxpool_backward<double>(planes, c, oh, ow, plane_size, gy, gs, indices, is, gx);
}
