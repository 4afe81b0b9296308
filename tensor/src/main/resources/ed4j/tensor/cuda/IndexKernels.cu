// Gather (also serving indexSelect) and scatter-add (also serving indexAdd). Launched by
// ed4j.tensor.cuda.IndexKernels; CPU reference: ed4j.tensor.cpu.IndexKernels.
//
// gather: out[p] = x[p with its dim coordinate replaced by index[p]] over the index's shape;
//   xd describes x over that shape with a zero stride along dim, to which index[p] * dim_stride
//   is added. indexSelect passes its 1-d index expanded to the output's shape.
// scatter_add: the positions of the index are cut into fibers along dim (all coordinates but
//   dim fixed); one thread owns a fiber and adds source[p] into out at the fiber's index[p], in
//   index order, so repeated indices sum without atomics and results are deterministic. The
//   three fiber descriptors run over the index's shape without dim. An index outside
//   [0, size) is skipped and reported in err = {flag, value}, which the host checks.
#include "common.cuh"

template <typename T>
__device__ void gather_body(int n, const T* x, const Strided& xd, int dim_stride,
                            const long long* index, const Strided& id, T* out) {
    ED4J_GRID_LOOP(i, n) {
        int k = (int) i_ll;
        long long at = index[strided_offset(id, k)];
        out[i_ll] = x[strided_offset(xd, k) + (int) at * dim_stride];
    }
}

#define ED4J_GATHER(TN, T)                                                                    \
    extern "C" __global__ void gather_forward_v1_##TN(int n, const T* x, Strided xd,           \
                                                     int dim_stride, const long long* index,   \
                                                     Strided id, T* out) {                     \
        gather_body<T>(n, x, xd, dim_stride, index, id, out);                                  \
    }

ED4J_GATHER(f32, float)
ED4J_GATHER(f64, double)
ED4J_GATHER(i64, long long)

template <typename T>
__device__ void scatter_add_body(int fibers, int len, int size, const long long* index,
                                 const Strided& ifib, int istride, const T* src,
                                 const Strided& sfib, int sstride, T* out, const Strided& ofib,
                                 int ostride, long long* err) {
    ED4J_GRID_LOOP(f, fibers) {
        int k = (int) f_ll;
        int io = strided_offset(ifib, k);
        int so = strided_offset(sfib, k);
        int oo = strided_offset(ofib, k);
        for (int j = 0; j < len; ++j) {
            long long t = index[io + j * istride];
            if (t < 0 || t >= size) {
                err[1] = t;
                err[0] = 1;
                continue;
            }
            out[oo + (int) t * ostride] += src[so + j * sstride];
        }
    }
}

#define ED4J_SCATTER(TN, T)                                                                   \
    extern "C" __global__ void scatter_add_forward_v1_##TN(                                    \
        int fibers, int len, int size, const long long* index, Strided ifib, int istride,      \
        const T* src, Strided sfib, int sstride, T* out, Strided ofib, int ostride,            \
        long long* err) {                                                                      \
        scatter_add_body<T>(fibers, len, size, index, ifib, istride, src, sfib, sstride, out,  \
                            ofib, ostride, err);                                               \
    }

ED4J_SCATTER(f32, float)
ED4J_SCATTER(f64, double)
ED4J_SCATTER(i64, long long)
