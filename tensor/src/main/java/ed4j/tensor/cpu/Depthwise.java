package ed4j.tensor.cpu;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Depthwise convolution, one input and one output channel per group (ED's 3x3 convolution in
 * the feed-forward block). Shapes: x {@code (N, C, H, W)}, weight {@code (C, 1, R, S)}, output
 * {@code (N, C, P, Q)}. Each plane is loaded into a double buffer, computed there and stored,
 * so one loop serves both float dtypes; planes run in parallel and each output element is
 * summed in a fixed order.
 */
final class Depthwise {

    private Depthwise() {}

    static void forward(CpuBackend be, Tensor x, Tensor w, Tensor out, ConvKernels.Geometry g) {
        CpuStorage xs = (CpuStorage) x.storage();
        CpuStorage ws = (CpuStorage) w.storage();
        CpuStorage os = (CpuStorage) out.storage();
        int hw = g.h * g.w;
        int pq = g.p * g.q;
        int k2 = g.r * g.s;
        be.parallel().forRange(g.n * g.c, 1, (i0, i1) -> {
            double[] plane = new double[hw];
            double[] ker = new double[k2];
            double[] res = new double[pq];
            for (int i = i0; i < i1; i++) {
                int c = i % g.c;
                ElementwiseKernels.load(xs, x.offset() + i * hw, 1, plane, hw);
                ElementwiseKernels.load(ws, w.offset() + c * k2, 1, ker, k2);
                for (int oy = 0; oy < g.p; oy++) {
                    for (int ox = 0; ox < g.q; ox++) {
                        double acc = 0;
                        for (int kr = 0; kr < g.r; kr++) {
                            int iy = oy * g.sh - g.ph + kr * g.dh;
                            if (iy < 0 || iy >= g.h) {
                                continue;
                            }
                            for (int ks = 0; ks < g.s; ks++) {
                                int ix = ox * g.sw - g.pw + ks * g.dw;
                                if (ix >= 0 && ix < g.w) {
                                    acc += ker[kr * g.s + ks] * plane[iy * g.w + ix];
                                }
                            }
                        }
                        res[oy * g.q + ox] = acc;
                    }
                }
                ElementwiseKernels.store(os, out.offset() + i * pq, res, pq);
            }
        });
    }

    static void backwardInput(CpuBackend be, Tensor gy, Tensor w, Tensor gradX,
            ConvKernels.Geometry g) {
        CpuStorage gs = (CpuStorage) gy.storage();
        CpuStorage ws = (CpuStorage) w.storage();
        CpuStorage xs = (CpuStorage) gradX.storage();
        int hw = g.h * g.w;
        int pq = g.p * g.q;
        int k2 = g.r * g.s;
        be.parallel().forRange(g.n * g.c, 1, (i0, i1) -> {
            double[] grad = new double[pq];
            double[] ker = new double[k2];
            double[] res = new double[hw];
            for (int i = i0; i < i1; i++) {
                int c = i % g.c;
                ElementwiseKernels.load(gs, gy.offset() + i * pq, 1, grad, pq);
                ElementwiseKernels.load(ws, w.offset() + c * k2, 1, ker, k2);
                java.util.Arrays.fill(res, 0);
                for (int oy = 0; oy < g.p; oy++) {
                    for (int ox = 0; ox < g.q; ox++) {
                        double v = grad[oy * g.q + ox];
                        for (int kr = 0; kr < g.r; kr++) {
                            int iy = oy * g.sh - g.ph + kr * g.dh;
                            if (iy < 0 || iy >= g.h) {
                                continue;
                            }
                            for (int ks = 0; ks < g.s; ks++) {
                                int ix = ox * g.sw - g.pw + ks * g.dw;
                                if (ix >= 0 && ix < g.w) {
                                    res[iy * g.w + ix] += ker[kr * g.s + ks] * v;
                                }
                            }
                        }
                    }
                }
                ElementwiseKernels.store(xs, gradX.offset() + i * hw, res, hw);
            }
        });
    }

    static Tensor backwardWeight(CpuBackend be, Tensor gy, Tensor x, Shape weightShape,
            ConvKernels.Geometry g) {
        Tensor gradW = be.empty(weightShape, gy.dtype());
        CpuStorage gs = (CpuStorage) gy.storage();
        CpuStorage xs = (CpuStorage) x.storage();
        CpuStorage ws = (CpuStorage) gradW.storage();
        int hw = g.h * g.w;
        int pq = g.p * g.q;
        int k2 = g.r * g.s;
        be.parallel().forRange(g.c, 1, (c0, c1) -> {
            double[] grad = new double[pq];
            double[] plane = new double[hw];
            double[] acc = new double[k2];
            for (int c = c0; c < c1; c++) {
                java.util.Arrays.fill(acc, 0);
                for (int n = 0; n < g.n; n++) {
                    int i = n * g.c + c;
                    ElementwiseKernels.load(gs, gy.offset() + i * pq, 1, grad, pq);
                    ElementwiseKernels.load(xs, x.offset() + i * hw, 1, plane, hw);
                    for (int kr = 0; kr < g.r; kr++) {
                        for (int ks = 0; ks < g.s; ks++) {
                            double sum = 0;
                            for (int oy = 0; oy < g.p; oy++) {
                                int iy = oy * g.sh - g.ph + kr * g.dh;
                                if (iy < 0 || iy >= g.h) {
                                    continue;
                                }
                                for (int ox = 0; ox < g.q; ox++) {
                                    int ix = ox * g.sw - g.pw + ks * g.dw;
                                    if (ix >= 0 && ix < g.w) {
                                        sum += grad[oy * g.q + ox] * plane[iy * g.w + ix];
                                    }
                                }
                            }
                            acc[kr * g.s + ks] += sum;
                        }
                    }
                }
                ElementwiseKernels.store(ws, c * k2, acc, k2);
            }
        });
        return gradW;
    }
}
