package ed4j.tensor.cpu;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * 2-d convolution (cross-correlation) and its two adjoints.
 *
 * <p>Shapes: x {@code (N, C, H, W)}, weight {@code (K, C/G, R, S)} with G groups, output
 * {@code (N, K, P, Q)}. Each image and group is one GEMM over the unfolded input ("im2col"):
 * {@code cols (C/G*R*S, P*Q)}, {@code out = W_g (K/G, C/G*R*S) @ cols}. The backward passes are
 * {@code gradW_g += gradOut_g @ cols^T} and {@code gradCols = W_g^T @ gradOut_g} folded back
 * ("col2im"). Depthwise convolutions (one input and one output channel per group) run as a
 * direct loop instead, and 1x1 stride-1 convolutions without padding skip the unfolding.
 */
final class ConvKernels {

    private ConvKernels() {}

    // ---- forward -------------------------------------------------------------------------------

    static Tensor conv2d(CpuBackend be, Tensor x, Tensor w, Tensor bias, Conv2dParams p) {
        Geometry g = new Geometry(x.shape(), w.shape(), p);
        Tensor xc = x.contiguous();
        Tensor wc = w.contiguous();
        Tensor out = be.empty(Shape.of(g.n, g.k, g.p, g.q), x.dtype());
        if (g.depthwise()) {
            Depthwise.forward(be, xc, wc, out, g);
        } else {
            for (int n = 0; n < g.n; n++) {
                for (int grp = 0; grp < g.groups; grp++) {
                    Tensor cols = columns(be, xc, n, grp, g);
                    Tensor wg = wc.narrow(0, grp * g.kg, g.kg).reshape(g.kg, g.rows());
                    Tensor y = Gemm.matmul(be, wg, cols);
                    be.copyInto(out.select(0, n).narrow(0, grp * g.kg, g.kg)
                            .reshape(g.kg, g.p * g.q), y);
                }
            }
        }
        if (bias != null) {
            Tensor b = bias.reshape(1, g.k, 1, 1).expand(g.n, g.k, g.p, g.q);
            be.copyInto(out, be.binary(ed4j.tensor.BinaryOp.ADD, out, b));
        }
        return out;
    }

    // ---- backward ------------------------------------------------------------------------------

    static Tensor backwardInput(CpuBackend be, Tensor gradOut, Tensor w, Shape inputShape,
            Conv2dParams p) {
        Geometry g = new Geometry(inputShape, w.shape(), p);
        Tensor go = gradOut.contiguous();
        Tensor wc = w.contiguous();
        Tensor gradX = be.empty(inputShape, gradOut.dtype());
        if (g.depthwise()) {
            Depthwise.backwardInput(be, go, wc, gradX, g);
            return gradX;
        }
        for (int n = 0; n < g.n; n++) {
            for (int grp = 0; grp < g.groups; grp++) {
                Tensor wg = wc.narrow(0, grp * g.kg, g.kg).reshape(g.kg, g.rows());
                Tensor gy = go.select(0, n).narrow(0, grp * g.kg, g.kg).reshape(g.kg, g.p * g.q);
                Tensor cols = Gemm.matmul(be, wg.mT(), gy);
                fold(cols, gradX, n, grp, g);
            }
        }
        return gradX;
    }

    static Tensor backwardWeight(CpuBackend be, Tensor gradOut, Tensor x, Shape weightShape,
            Conv2dParams p) {
        Geometry g = new Geometry(x.shape(), weightShape, p);
        Tensor go = gradOut.contiguous();
        Tensor xc = x.contiguous();
        if (g.depthwise()) {
            return Depthwise.backwardWeight(be, go, xc, weightShape, g);
        }
        // Accumulate in double so that long sums over N*P*Q keep their precision.
        Tensor gradW = be.empty(Shape.of(g.k, g.rows()), DType.FLOAT64);
        for (int n = 0; n < g.n; n++) {
            for (int grp = 0; grp < g.groups; grp++) {
                Tensor cols = columns(be, xc, n, grp, g);
                Tensor gy = go.select(0, n).narrow(0, grp * g.kg, g.kg).reshape(g.kg, g.p * g.q);
                Tensor part = Gemm.matmul(be, gy, cols.mT());
                Tensor slot = gradW.narrow(0, grp * g.kg, g.kg);
                be.copyInto(slot, be.binary(ed4j.tensor.BinaryOp.ADD, slot,
                        be.cast(part, DType.FLOAT64)));
            }
        }
        return be.cast(gradW, gradOut.dtype()).reshape(weightShape.toArray());
    }

    // ---- unfolding -----------------------------------------------------------------------------

    /** {@code cols (C/G*R*S, P*Q)} of image {@code n}, group {@code grp}. */
    private static Tensor columns(CpuBackend be, Tensor x, int n, int grp, Geometry g) {
        int cg = g.c / g.groups;
        if (g.pointwise()) {
            return x.select(0, n).narrow(0, grp * cg, cg).reshape(cg, g.h * g.w);
        }
        Tensor cols = be.empty(Shape.of(g.rows(), g.p * g.q), x.dtype());
        int xBase = x.offset() + (n * g.c + grp * cg) * g.h * g.w;
        if (x.dtype() == DType.FLOAT32) {
            float[] src = ((CpuStorage) x.storage()).floats();
            float[] dst = ((CpuStorage) cols.storage()).floats();
            be.parallel().forRange(g.rows(), 8, (r0, r1) -> {
                for (int row = r0; row < r1; row++) {
                    int c = row / (g.r * g.s);
                    int kr = row / g.s % g.r;
                    int ks = row % g.s;
                    int o = row * g.p * g.q;
                    int plane = xBase + c * g.h * g.w;
                    for (int oy = 0; oy < g.p; oy++) {
                        int iy = oy * g.sh - g.ph + kr * g.dh;
                        for (int ox = 0; ox < g.q; ox++) {
                            int ix = ox * g.sw - g.pw + ks * g.dw;
                            dst[o++] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w
                                    ? src[plane + iy * g.w + ix] : 0f;
                        }
                    }
                }
            });
        } else {
            double[] src = ((CpuStorage) x.storage()).doubles();
            double[] dst = ((CpuStorage) cols.storage()).doubles();
            be.parallel().forRange(g.rows(), 8, (r0, r1) -> {
                for (int row = r0; row < r1; row++) {
                    int c = row / (g.r * g.s);
                    int kr = row / g.s % g.r;
                    int ks = row % g.s;
                    int o = row * g.p * g.q;
                    int plane = xBase + c * g.h * g.w;
                    for (int oy = 0; oy < g.p; oy++) {
                        int iy = oy * g.sh - g.ph + kr * g.dh;
                        for (int ox = 0; ox < g.q; ox++) {
                            int ix = ox * g.sw - g.pw + ks * g.dw;
                            dst[o++] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w
                                    ? src[plane + iy * g.w + ix] : 0.0;
                        }
                    }
                }
            });
        }
        return cols;
    }

    /**
     * Adds the columns back into the input gradient of image {@code n}, group {@code grp}; each
     * input channel's plane is written by one thread, in a fixed order.
     */
    private static void fold(Tensor cols, Tensor gradX, int n, int grp, Geometry g) {
        int cg = g.c / g.groups;
        int base = (n * g.c + grp * cg) * g.h * g.w;
        int k2 = g.r * g.s;
        Tensor cc = cols.contiguous();
        CpuBackend be = (CpuBackend) gradX.backend();
        if (gradX.dtype() == DType.FLOAT32) {
            float[] src = ((CpuStorage) cc.storage()).floats();
            float[] dst = ((CpuStorage) gradX.storage()).floats();
            int so = cc.offset();
            be.parallel().forRange(cg, 1, (c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    int plane = base + c * g.h * g.w;
                    for (int kk = 0; kk < k2; kk++) {
                        int kr = kk / g.s;
                        int ks = kk % g.s;
                        int o = so + (c * k2 + kk) * g.p * g.q;
                        for (int oy = 0; oy < g.p; oy++) {
                            int iy = oy * g.sh - g.ph + kr * g.dh;
                            for (int ox = 0; ox < g.q; ox++, o++) {
                                int ix = ox * g.sw - g.pw + ks * g.dw;
                                if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
                                    dst[plane + iy * g.w + ix] += src[o];
                                }
                            }
                        }
                    }
                }
            });
        } else {
            double[] src = ((CpuStorage) cc.storage()).doubles();
            double[] dst = ((CpuStorage) gradX.storage()).doubles();
            int so = cc.offset();
            be.parallel().forRange(cg, 1, (c0, c1) -> {
                for (int c = c0; c < c1; c++) {
                    int plane = base + c * g.h * g.w;
                    for (int kk = 0; kk < k2; kk++) {
                        int kr = kk / g.s;
                        int ks = kk % g.s;
                        int o = so + (c * k2 + kk) * g.p * g.q;
                        for (int oy = 0; oy < g.p; oy++) {
                            int iy = oy * g.sh - g.ph + kr * g.dh;
                            for (int ox = 0; ox < g.q; ox++, o++) {
                                int ix = ox * g.sw - g.pw + ks * g.dw;
                                if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
                                    dst[plane + iy * g.w + ix] += src[o];
                                }
                            }
                        }
                    }
                }
            });
        }
    }

    /** The sizes of one convolution, named as in the class comment. */
    static final class Geometry {
        final int n;
        final int c;
        final int h;
        final int w;
        final int k;
        final int kg;
        final int r;
        final int s;
        final int p;
        final int q;
        final int groups;
        final int sh;
        final int sw;
        final int ph;
        final int pw;
        final int dh;
        final int dw;

        Geometry(Shape x, Shape weight, Conv2dParams prm) {
            n = x.size(0);
            c = x.size(1);
            h = x.size(2);
            w = x.size(3);
            k = weight.size(0);
            r = weight.size(2);
            s = weight.size(3);
            groups = prm.groups();
            kg = k / groups;
            sh = prm.strideH();
            sw = prm.strideW();
            ph = prm.padH();
            pw = prm.padW();
            dh = prm.dilationH();
            dw = prm.dilationW();
            p = prm.outH(h, r);
            q = prm.outW(w, s);
        }

        /** Rows of the unfolded input of one group: {@code C/G * R * S}. */
        int rows() {
            return c / groups * r * s;
        }

        boolean depthwise() {
            return groups == c && groups == k && groups > 1;
        }

        boolean pointwise() {
            return r == 1 && s == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
        }
    }
}
