// Bilinear resampling and its gradient. Launched by ed4j.tensor.cuda.ResampleKernels; CPU
// reference: ed4j.tensor.cpu.ResampleKernels (PyTorch 1.13's source coordinates).
//
// Shapes: x (N, C, H, W) strided, out (N, C, OH, OW) contiguous; planes = N * C. Along each axis
// output d reads sources i0 <= i1 with weights l0 + l1 = 1; the value is
// l0y * (l0x * x00 + l1x * x01) + l1y * (l0x * x10 + l1x * x11), in double.
// The forward pass computes the axis terms itself, exactly as the CPU does; the gradient reads
// them from tables the host computes (ResampleKernels.Axis), together with, for every input
// index, the range of outputs that read it, so that each input element gathers its gradient.
#include "common.cuh"

// PyTorch's scale, rounded to float for float32 tensors as PyTorch computes it in that type.
__device__ __forceinline__ double axis_ratio(int a, int b, bool f32) {
    return f32 ? (double) ((float) a / (float) b) : (double) a / b;
}

// Source indices and weights of output d along an axis of length in resampled to out; the
// multiply and subtract are rounded separately (no fused multiply-add), as in Java.
__device__ __forceinline__ void axis_terms(int in, int out, int align, bool f32, int d, int& i0,
                                           int& i1, double& l0, double& l1) {
    if (in == out) {
        i0 = d;
        i1 = d;
        l0 = 1.0;
        l1 = 0.0;
        return;
    }
    double src;
    if (align) {
        double scale = out > 1 ? axis_ratio(in - 1, out - 1, f32) : 0.0;
        src = __dmul_rn(scale, (double) d);
    } else {
        double scale = axis_ratio(in, out, f32);
        src = fmax(__dsub_rn(__dmul_rn(scale, d + 0.5), 0.5), 0.0);
    }
    int a = (int) src;
    i0 = a;
    i1 = a < in - 1 ? a + 1 : a;
    double frac = __dsub_rn(src, (double) a);
    if (f32) {
        float f = (float) frac;
        l1 = f;
        l0 = (float) (1.0 - (double) f);
    } else {
        l1 = frac;
        l0 = 1.0 - frac;
    }
}

template <typename T>
__device__ void bilinear_forward(int planes, int c, int h, int w, int oh, int ow, int align,
                                 const T* x, const Nchw& xs, T* out) {
    const bool f32 = sizeof(T) == 4;
    ED4J_GRID_LOOP(e, (long long) planes * oh * ow) {
        int t = (int) e_ll;
        int j = t % ow;
        t /= ow;
        int i = t % oh;
        int q = t / oh;
        int img = q / c;
        int ch = q % c;
        int y0, y1, x0, x1;
        double ly0, ly1, lx0, lx1;
        axis_terms(h, oh, align, f32, i, y0, y1, ly0, ly1);
        axis_terms(w, ow, align, f32, j, x0, x1, lx0, lx1);
        double r0 = lx0 * (double) x[nchw_offset(xs, img, ch, y0, x0)]
                    + lx1 * (double) x[nchw_offset(xs, img, ch, y0, x1)];
        double r1 = lx0 * (double) x[nchw_offset(xs, img, ch, y1, x0)]
                    + lx1 * (double) x[nchw_offset(xs, img, ch, y1, x1)];
        out[e_ll] = (T) (ly0 * r0 + ly1 * r1);
    }
}

extern "C" __global__ void bilinear2d_forward_v1_f32(int planes, int c, int h, int w, int oh,
                                                     int ow, int align, const float* x, Nchw xs,
                                                     float* out) {
    bilinear_forward<float>(planes, c, h, w, oh, ow, align, x, xs, out);
}

extern "C" __global__ void bilinear2d_forward_v1_f64(int planes, int c, int h, int w, int oh,
                                                     int ow, int align, const double* x, Nchw xs,
                                                     double* out) {
    bilinear_forward<double>(planes, c, h, w, oh, ow, align, x, xs, out);
}

// idx: i0 (OH), i1 (OH), lo (H), hi (H) of the y axis, then i0 (OW), i1 (OW), lo (W), hi (W)
// of the x axis; wts: l0 (OH), l1 (OH), l0 (OW), l1 (OW). Outputs [lo[p], hi[p]) of an axis are
// the only ones whose i0 or i1 is p.
__device__ __forceinline__ double axis_weight(const long long* i0, const long long* i1,
                                              const double* l0, const double* l1, int d, int p) {
    return (i0[d] == p ? l0[d] : 0.0) + (i1[d] == p ? l1[d] : 0.0);
}

template <typename T>
__device__ void bilinear_backward(int planes, int c, int h, int w, int oh, int ow, const T* gy,
                                  const Nchw& gs, const long long* idx, const double* wts,
                                  T* gx) {
    const long long* yi0 = idx;
    const long long* yi1 = yi0 + oh;
    const long long* ylo = yi1 + oh;
    const long long* yhi = ylo + h;
    const long long* xi0 = yhi + h;
    const long long* xi1 = xi0 + ow;
    const long long* xlo = xi1 + ow;
    const long long* xhi = xlo + w;
    const double* yl0 = wts;
    const double* yl1 = yl0 + oh;
    const double* xl0 = yl1 + oh;
    const double* xl1 = xl0 + ow;
    ED4J_GRID_LOOP(e, (long long) planes * h * w) {
        int t = (int) e_ll;
        int px = t % w;
        t /= w;
        int py = t % h;
        int q = t / h;
        int img = q / c;
        int ch = q % c;
        double sum = 0.0;
        for (int i = (int) ylo[py]; i < (int) yhi[py]; ++i) {
            double wy = axis_weight(yi0, yi1, yl0, yl1, i, py);
            if (wy == 0.0) continue;
            double row = 0.0;
            for (int j = (int) xlo[px]; j < (int) xhi[px]; ++j) {
                double wx = axis_weight(xi0, xi1, xl0, xl1, j, px);
                row += wx * (double) gy[nchw_offset(gs, img, ch, i, j)];
            }
            sum += wy * row;
        }
        gx[e_ll] = (T) sum;
    }
}

extern "C" __global__ void bilinear2d_backward_v1_f32(int planes, int c, int h, int w, int oh,
                                                      int ow, const float* gy, Nchw gs,
                                                      const long long* idx, const double* wts,
                                                      float* gx) {
    bilinear_backward<float>(planes, c, h, w, oh, ow, gy, gs, idx, wts, gx);
}

extern "C" __global__ void bilinear2d_backward_v1_f64(int planes, int c, int h, int w, int oh,
                                                      int ow, const double* gy, Nchw gs,
                                                      const long long* idx, const double* wts,
                                                      double* gx) {
    bilinear_backward<double>(planes, c, h, w, oh, ow, gy, gs, idx, wts, gx);
}
