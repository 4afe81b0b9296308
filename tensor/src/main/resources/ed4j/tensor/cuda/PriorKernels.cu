// The fused prior-divergence kernel of the ED losses and its gradient. Launched by
// ed4j.tensor.cuda.PriorKernels; CPU reference: ed4j.tensor.cpu.PriorKernels, whose Javadoc has
// the formulas.
//
// Shapes: attn (B, H, L, L) contiguous from attn_off, seen as rows = B*H*L rows of L; a, b
// (rows) contiguous from their offsets; out (rows, 5). Tokens lie on a gh x gw grid (L = gh*gw)
// in row-major order. One warp per row. The prior of query token i = (ri, ci) factorises:
// P_ij = ey[rj] ex[cj] / (sum ey * sum ex), ey[r] = exp(-(ri - r)^2 a), ex[c] = exp(-(ci - c)^2 b),
// so a row needs gh + gw exponentials, kept in the warp's slice of shared memory
// ((gh + gw) doubles per warp, sized by the host). Everything runs in double.
#include "common.cuh"

// Fills the warp's ey, ex and returns 1 / (sum ey * sum ex).
__device__ __forceinline__ double prior_row(int i, int gh, int gw, double a, double b, double* ey,
                                            double* ex) {
    const int lane = threadIdx.x & 31;
    const int ri = i / gw;
    const int ci = i % gw;
    __syncwarp();
    double sy = 0.0;
    for (int r = lane; r < gh; r += 32) {
        double v = exp(-(double) (ri - r) * (ri - r) * a);
        ey[r] = v;
        sy += v;
    }
    double sx = 0.0;
    for (int c = lane; c < gw; c += 32) {
        double v = exp(-(double) (ci - c) * (ci - c) * b);
        ex[c] = v;
        sx += v;
    }
    __syncwarp();
    return 1.0 / (warp_sum(sy) * warp_sum(sx));
}

template <typename T>
__device__ void prior_forward(int rows, int l, int gw, const T* attn, int attn_off, const T* a,
                              int a_off, const T* b, int b_off, double eps, T* out) {
    extern __shared__ double smem[];
    const int lane = threadIdx.x & 31;
    const int gh = l / gw;
    double* ey = smem + (threadIdx.x >> 5) * (gh + gw);
    double* ex = ey + gh;
    ED4J_WARP_LOOP(row, rows) {
        int i = (int) (row_ll % l);
        double inv = prior_row(i, gh, gw, (double) a[a_off + row_ll], (double) b[b_off + row_ll],
                               ey, ex);
        const T* at = attn + attn_off + row_ll * l;
        double kl_pa = 0.0;
        double kl_ap = 0.0;
        double ent = 0.0;
        for (int j = lane; j < l; j += 32) {
            double p = ey[j / gw] * inv * ex[j % gw];
            double av = (double) at[j];
            double la = log(av + eps);
            double lp = log(p + eps);
            kl_pa += p * (lp - la);
            kl_ap += av * (la - lp);
            ent -= av * la;
        }
        kl_pa = warp_sum(kl_pa);
        kl_ap = warp_sum(kl_ap);
        ent = warp_sum(ent);
        if (lane == 0) {
            T* o = out + row_ll * 5;
            o[0] = (T) kl_pa;
            o[1] = (T) kl_ap;
            o[2] = (T) ent;
            o[3] = (T) kl_pa;
            o[4] = (T) kl_ap;
        }
    }
}

extern "C" __global__ void prior_divergence_forward_v1_f32(int rows, int l, int gw,
                                                           const float* attn, int attn_off,
                                                           const float* a, int a_off,
                                                           const float* b, int b_off, double eps,
                                                           float* out) {
    prior_forward<float>(rows, l, gw, attn, attn_off, a, a_off, b, b_off, eps, out);
}

extern "C" __global__ void prior_divergence_forward_v1_f64(int rows, int l, int gw,
                                                           const double* attn, int attn_off,
                                                           const double* a, int a_off,
                                                           const double* b, int b_off,
                                                           double eps, double* out) {
    prior_forward<double>(rows, l, gw, attn, attn_off, a, a_off, b, b_off, eps, out);
}

// gradAttn row j: -g0 P/(A+eps) + g1 (la - lp + A/(A+eps)) - g2 (la + A/(A+eps)).
// With gP_j = g3 (lp - la + P/(P+eps)) - g4 A/(P+eps) and dot = sum_j gP_j P_j, the prior's
// logits get dz_j = P_j (gP_j - dot), so da = -sum_j dz_j dy_j = -(sum P gP dy - dot sum P dy)
// and likewise db with dx: one pass over the row accumulates the four sums.
template <typename T>
__device__ void prior_backward(int rows, int l, int gw, const T* gout, int g_off, const T* attn,
                               int attn_off, const T* a, int a_off, const T* b, int b_off,
                               double eps, T* gattn, T* ga, T* gb) {
    extern __shared__ double smem[];
    const int lane = threadIdx.x & 31;
    const int gh = l / gw;
    double* ey = smem + (threadIdx.x >> 5) * (gh + gw);
    double* ex = ey + gh;
    ED4J_WARP_LOOP(row, rows) {
        int i = (int) (row_ll % l);
        int ri = i / gw;
        int ci = i % gw;
        double inv = prior_row(i, gh, gw, (double) a[a_off + row_ll], (double) b[b_off + row_ll],
                               ey, ex);
        const T* g = gout + g_off + row_ll * 5;
        double g0 = (double) g[0];
        double g1 = (double) g[1];
        double g2 = (double) g[2];
        double g3 = (double) g[3];
        double g4 = (double) g[4];
        const T* at = attn + attn_off + row_ll * l;
        T* gat = gattn + row_ll * l;
        double dot = 0.0;
        double sy = 0.0;
        double sx = 0.0;
        double py = 0.0;
        double px = 0.0;
        for (int j = lane; j < l; j += 32) {
            double p = ey[j / gw] * inv * ex[j % gw];
            double av = (double) at[j];
            double la = log(av + eps);
            double lp = log(p + eps);
            double ra = av / (av + eps);
            gat[j] = (T) (-g0 * p / (av + eps) + g1 * (la - lp + ra) - g2 * (la + ra));
            double gp = g3 * (lp - la + p / (p + eps)) - g4 * av / (p + eps);
            int dr = ri - j / gw;
            int dc = ci - j % gw;
            double dy = (double) dr * dr;
            double dx = (double) dc * dc;
            dot += gp * p;
            sy += gp * p * dy;
            sx += gp * p * dx;
            py += p * dy;
            px += p * dx;
        }
        dot = warp_sum(dot);
        sy = warp_sum(sy);
        sx = warp_sum(sx);
        py = warp_sum(py);
        px = warp_sum(px);
        if (lane == 0) {
            ga[row_ll] = (T) -(sy - dot * py);
            gb[row_ll] = (T) -(sx - dot * px);
        }
    }
}

extern "C" __global__ void prior_divergence_backward_v1_f32(
    int rows, int l, int gw, const float* gout, int g_off, const float* attn, int attn_off,
    const float* a, int a_off, const float* b, int b_off, double eps, float* gattn, float* ga,
    float* gb) {
    prior_backward<float>(rows, l, gw, gout, g_off, attn, attn_off, a, a_off, b, b_off, eps,
                          gattn, ga, gb);
}

extern "C" __global__ void prior_divergence_backward_v1_f64(
    int rows, int l, int gw, const double* gout, int g_off, const double* attn, int attn_off,
    const double* a, int a_off, const double* b, int b_off, double eps, double* gattn,
    double* ga, double* gb) {
    prior_backward<double>(rows, l, gw, gout, g_off, attn, attn_off, a, a_off, b, b_off, eps,
                           gattn, ga, gb);
}
