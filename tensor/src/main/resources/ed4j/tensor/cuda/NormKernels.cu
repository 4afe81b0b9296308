// Layer normalisation and its gradients. Launched by ed4j.tensor.cuda.NormKernels; CPU
// reference: ed4j.tensor.cpu.NormKernels.
//
// Shapes: x (R, D) contiguous from offset xoff (D = normalized elements, R rows); weight and
// bias (D) or absent; mean and rstd (R). Forward, one warp per row, all in double:
// mean = sum(x) / D, var = sum((x - mean)^2) / D (biased), rstd = 1 / sqrt(var + eps),
// y = (x - mean) * rstd * weight + bias.
// Backward, with xhat = (x - mean) * rstd and gw = gradOut * weight:
//   gradInput = rstd * (gw - mean(gw) - xhat * mean(gw * xhat))      one warp per row;
//   gradWeight = sum over rows of gradOut * xhat, gradBias = sum of gradOut: partial sums over
//   fixed blocks of rows (grid y), then summed in block order (deterministic).
#include "common.cuh"

template <typename T>
__device__ void layernorm_forward(int rows, int d, const T* x, int xoff, const T* w, int woff,
                                  int has_w, const T* b, int boff, int has_b, double eps, T* y,
                                  T* mean, T* rstd) {
    const int lane = threadIdx.x & 31;
    ED4J_WARP_LOOP(row, rows) {
        long long base = xoff + row_ll * d;
        double s = 0.0;
        for (int j = lane; j < d; j += 32) s += (double) x[base + j];
        double m = warp_sum(s) / d;
        double q = 0.0;
        for (int j = lane; j < d; j += 32) {
            double t = (double) x[base + j] - m;
            q += t * t;
        }
        double rs = 1.0 / sqrt(warp_sum(q) / d + eps);
        for (int j = lane; j < d; j += 32) {
            double v = ((double) x[base + j] - m) * rs;
            if (has_w) v *= (double) w[woff + j];
            if (has_b) v += (double) b[boff + j];
            y[row_ll * d + j] = (T) v;
        }
        if (lane == 0) {
            mean[row_ll] = (T) m;
            rstd[row_ll] = (T) rs;
        }
    }
}

extern "C" __global__ void layernorm_forward_v1_f32(int rows, int d, const float* x, int xoff,
                                                    const float* w, int woff, int has_w,
                                                    const float* b, int boff, int has_b,
                                                    double eps, float* y, float* mean,
                                                    float* rstd) {
    layernorm_forward<float>(rows, d, x, xoff, w, woff, has_w, b, boff, has_b, eps, y, mean,
                             rstd);
}

extern "C" __global__ void layernorm_forward_v1_f64(int rows, int d, const double* x, int xoff,
                                                    const double* w, int woff, int has_w,
                                                    const double* b, int boff, int has_b,
                                                    double eps, double* y, double* mean,
                                                    double* rstd) {
    layernorm_forward<double>(rows, d, x, xoff, w, woff, has_w, b, boff, has_b, eps, y, mean,
                              rstd);
}

// The inputs of the backward pass, each contiguous from its offset. Kernels take them as separate
// arguments (no struct mixing pointers and ints crosses the launch boundary).
template <typename T>
struct NormSaved {
    const T* gy;
    int goff;
    const T* x;
    int xoff;
    const T* mean;
    int moff;
    const T* rstd;
    int roff;
};

template <typename T>
__device__ void layernorm_backward(int rows, int d, const NormSaved<T>& s, const T* w, int woff,
                                   int has_w, T* gx) {
    const int lane = threadIdx.x & 31;
    ED4J_WARP_LOOP(row, rows) {
        long long base = row_ll * d;
        double m = (double) s.mean[s.moff + row_ll];
        double rs = (double) s.rstd[s.roff + row_ll];
        double sg = 0.0;
        double sgx = 0.0;
        for (int j = lane; j < d; j += 32) {
            double g = (double) s.gy[s.goff + base + j];
            if (has_w) g *= (double) w[woff + j];
            double xh = ((double) s.x[s.xoff + base + j] - m) * rs;
            sg += g;
            sgx += g * xh;
        }
        double mean_g = warp_sum(sg) / d;
        double mean_gx = warp_sum(sgx) / d;
        for (int j = lane; j < d; j += 32) {
            double g = (double) s.gy[s.goff + base + j];
            if (has_w) g *= (double) w[woff + j];
            double xh = ((double) s.x[s.xoff + base + j] - m) * rs;
            gx[base + j] = (T) (rs * (g - mean_g - xh * mean_gx));
        }
    }
}

extern "C" __global__ void layernorm_backward_v1_f32(int rows, int d, const float* gy, int goff,
                                                     const float* x, int xoff, const float* mean,
                                                     int moff, const float* rstd, int roff,
                                                     const float* w, int woff, int has_w,
                                                     float* gx) {
    NormSaved<float> s{gy, goff, x, xoff, mean, moff, rstd, roff};
    layernorm_backward<float>(rows, d, s, w, woff, has_w, gx);
}

extern "C" __global__ void layernorm_backward_v1_f64(int rows, int d, const double* gy, int goff,
                                                     const double* x, int xoff, const double* mean,
                                                     int moff, const double* rstd, int roff,
                                                     const double* w, int woff, int has_w,
                                                     double* gx) {
    NormSaved<double> s{gy, goff, x, xoff, mean, moff, rstd, roff};
    layernorm_backward<double>(rows, d, s, w, woff, has_w, gx);
}

// Grid (ceil(D / blockDim.x), blocks): block y sums rows [y * per, (y + 1) * per) of column j
// into partial[y * D + j] (gradWeight) and partial[(blocks + y) * D + j] (gradBias).
template <typename T>
__device__ void layernorm_params(int rows, int d, int per, const NormSaved<T>& s,
                                 double* partial) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= d) return;
    int blk = blockIdx.y;
    int end = min(rows, (blk + 1) * per);
    double pw = 0.0;
    double pb = 0.0;
    for (int r = blk * per; r < end; ++r) {
        double g = (double) s.gy[s.goff + (long long) r * d + j];
        double xh = ((double) s.x[s.xoff + (long long) r * d + j] - (double) s.mean[s.moff + r])
                    * (double) s.rstd[s.roff + r];
        pw += g * xh;
        pb += g;
    }
    partial[(long long) blk * d + j] = pw;
    partial[(long long) (gridDim.y + blk) * d + j] = pb;
}

extern "C" __global__ void layernorm_params_backward_v1_f32(int rows, int d, int per,
                                                            const float* gy, int goff,
                                                            const float* x, int xoff,
                                                            const float* mean, int moff,
                                                            const float* rstd, int roff,
                                                            double* partial) {
    NormSaved<float> s{gy, goff, x, xoff, mean, moff, rstd, roff};
    layernorm_params<float>(rows, d, per, s, partial);
}

extern "C" __global__ void layernorm_params_backward_v1_f64(int rows, int d, int per,
                                                            const double* gy, int goff,
                                                            const double* x, int xoff,
                                                            const double* mean, int moff,
                                                            const double* rstd, int roff,
                                                            double* partial) {
    NormSaved<double> s{gy, goff, x, xoff, mean, moff, rstd, roff};
    layernorm_params<double>(rows, d, per, s, partial);
}

template <typename T>
__device__ void layernorm_params_finish(int d, int blocks, const double* partial, T* gw, T* gb) {
    ED4J_GRID_LOOP(j, d) {
        double sw = 0.0;
        double sb = 0.0;
        for (int blk = 0; blk < blocks; ++blk) {
            sw += partial[(long long) blk * d + j_ll];
            sb += partial[(long long) (blocks + blk) * d + j_ll];
        }
        gw[j_ll] = (T) sw;
        gb[j_ll] = (T) sb;
    }
}

extern "C" __global__ void layernorm_params_finish_backward_v1_f32(int d, int blocks,
                                                                   const double* partial,
                                                                   float* gw, float* gb) {
    layernorm_params_finish<float>(d, blocks, partial, gw, gb);
}

extern "C" __global__ void layernorm_params_finish_backward_v1_f64(int d, int blocks,
                                                                   const double* partial,
                                                                   double* gw, double* gb) {
    layernorm_params_finish<double>(d, blocks, partial, gw, gb);
}
