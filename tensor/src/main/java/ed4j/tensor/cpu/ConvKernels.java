package ed4j.tensor.cpu;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * 2-d convolution (cross-correlation) and its gradients for {@code x (N, Cin, H, W)} and {@code
 * weight (Cout, Cin/groups, kH, kW)}, float32 and float64, on strided inputs.
 *
 * <p>Five paths for the forward pass, chosen by the geometry ({@link ConvGeometry}, {@link
 * Winograd#applies}, {@link DirectConv#applies}):
 *
 * <ul>
 *   <li>depthwise ({@code groups == Cin == Cout}): direct loops, {@link DepthwiseConv};
 *   <li>float32 3x3, stride 1, one group, with enough output tiles: {@link Winograd};
 *   <li>float32 with at most four input channels (a backbone's first layer): {@link
 *       DirectConv};
 *   <li>1x1, stride 1, no padding: the image itself is the matrix, {@code out[n, g] = W_g (Cout/g,
 *       Cin/g) x x[n, g] (Cin/g, H*W)}, with no copy;
 *   <li>otherwise im2col + GEMM ({@link Im2col}): per image and group, the column matrix is
 *       built tile by tile over output positions, at most {@link #COL_BUDGET} elements per tile,
 *       and multiplied into the output.
 * </ul>
 *
 * <p>Gradients use the same matrices: {@code gradInput} is {@code col2im(W_g^T x gradOut)},
 * {@code gradWeight} is {@code sum_n gradOut[n, g] x col^T}, accumulated image after image.
 * Images (and groups) run in parallel when they are many or small, otherwise one after the other
 * with the GEMM and im2col parallel inside; every sum runs in a fixed order, so results do not
 * depend on the thread count.
 */
final class ConvKernels {

    private ConvKernels() {}

    /** Largest column-matrix tile, in elements (8 MiB of float32). */
    static final int COL_BUDGET = 1 << 21;

    /**
     * Whether float32 3x3 stride-1 convolutions go to {@link Winograd} (true unless the system
     * property {@code ed4j.conv.winograd} is {@code false}); tests switch it to compare.
     */
    static volatile boolean winograd =
            !"false".equals(System.getProperty("ed4j.conv.winograd"));

    /**
     * The loops with which float32 convolutions of inputs with few channels go to {@link
     * DirectConv}, or null to send them to im2col + GEMM (the system property {@code
     * ed4j.conv.direct=false}); tests swap them to compare and to see the path taken.
     */
    static volatile DirectConvLoops direct =
            "false".equals(System.getProperty("ed4j.conv.direct")) ? null
                    : DirectConvLoops.INSTANCE;

    /**
     * {@code relu(conv2d(x, w) + bias + residual)}, with {@code bias} and {@code residual} (the
     * output's shape, any strides) optional and the ReLU only when {@code relu}: the same values
     * as the ops one after the other, in the same order, applied while the output is written
     * (Winograd) or in one pass after it, instead of a pass and a new tensor each.
     */
    static Tensor conv2d(CpuBackend be, Tensor x, Tensor w, Tensor bias, Conv2dParams p,
            Tensor residual, boolean relu) {
        ConvGeometry g = ConvGeometry.of(x.shape(), w.shape(), p);
        if (g.depthwise() && residual == null && !relu && DepthwiseChannelsLast.applies(x)) {
            return DepthwiseChannelsLast.forward(be, g, x, w, bias);
        }
        Tensor out = be.empty(Shape.of(g.n(), g.cout(), g.oh(), g.ow()), x.dtype());
        Tensor res = residual == null || residual.isContiguous() ? residual
                : residual.contiguous();
        if (g.depthwise()) {
            DepthwiseConv.forward(be, g, x, w, bias, out);
            epilogue(be, out, null, res, relu, g);
            return out;
        }
        if (x.dtype() == DType.FLOAT32 && winograd && Winograd.applies(g)) {
            Winograd.forward(be.parallel(), g, x, w, bias == null ? null : bias.toDoubleArray(),
                    ElementwiseKernels.storage(out).floats(),
                    res == null ? null : ElementwiseKernels.storage(res).floats(),
                    res == null ? 0 : res.offset(), relu);
            return out;
        }
        DirectConvLoops loops = direct;
        if (x.dtype() == DType.FLOAT32 && loops != null && DirectConv.applies(g)) {
            DirectConv.forward(be.parallel(), g, x, w, bias == null ? null : bias.toDoubleArray(),
                    ElementwiseKernels.storage(out).floats(),
                    res == null ? null : ElementwiseKernels.storage(res).floats(),
                    res == null ? 0 : res.offset(), relu, loops);
            return out;
        }
        Tensor xv = mergeHw(x);
        Tensor wv = mergedWeight(w);
        Object xa = array(xv);
        Object wa = array(wv);
        Object oa = array(out);
        int k = g.colRows();
        int pos = g.positions();
        Parallel par = be.parallel();
        Gemm.forEachItem(par, g.n() * g.groups(), (long) g.coutG() * k * pos, item -> {
            int img = item / g.groups();
            int grp = item % g.groups();
            int wOff = wv.offset() + grp * g.coutG() * wv.stride(0);
            int xOff = xv.offset() + img * xv.stride(0) + grp * g.cinG() * xv.stride(1);
            int oOff = (img * g.cout() + grp * g.coutG()) * pos;
            if (g.pointwise()) {
                Gemm.multiply(par, wa, wOff, wv.stride(0), wv.stride(3), xa, xOff, xv.stride(1),
                        xv.stride(3), oa, oOff, pos, g.coutG(), k, pos, true);
                return;
            }
            int tile = tileWidth(k, pos);
            Object col = scratch(xa, k * tile);
            for (int t0 = 0; t0 < pos; t0 += tile) {
                int tw = Math.min(tile, pos - t0);
                int start = t0;
                par.forRange(k, Math.max(1, 4096 / tw), (r0, r1) -> im2col(g, xa, xOff, xv,
                        r0, r1, start, tw, col));
                Gemm.multiply(par, wa, wOff, wv.stride(0), wv.stride(3), col, 0, tw, 1, oa,
                        oOff + t0, pos, g.coutG(), k, tw, true);
            }
            recycle(col);
        });
        epilogue(be, out, bias == null ? null : bias.toDoubleArray(), res, relu, g);
        return out;
    }

    static Tensor backwardInput(CpuBackend be, Tensor gradOut, Tensor w, Shape inputShape,
            Conv2dParams p) {
        ConvGeometry g = ConvGeometry.of(inputShape, w.shape(), p);
        if (g.depthwise() && DepthwiseChannelsLast.applies(gradOut)) {
            return DepthwiseChannelsLast.backwardInput(be, g, gradOut, w);
        }
        Tensor gx = be.empty(inputShape, gradOut.dtype());
        if (g.depthwise()) {
            DepthwiseConv.backwardInput(be, g, gradOut, w, gx);
            return gx;
        }
        Tensor gy = mergeHw(gradOut);
        Tensor wv = mergedWeight(w);
        Object ga = array(gy);
        Object wa = array(wv);
        Object xa = array(gx);
        int k = g.colRows();
        int pos = g.positions();
        int plane = g.h() * g.w();
        Parallel par = be.parallel();
        Gemm.forEachItem(par, g.n() * g.groups(), (long) g.coutG() * k * pos, item -> {
            int img = item / g.groups();
            int grp = item % g.groups();
            // W_g^T (k, Cout/g): element (r, co) of the group's weight matrix, transposed.
            int wOff = wv.offset() + grp * g.coutG() * wv.stride(0);
            int gOff = gy.offset() + img * gy.stride(0) + grp * g.coutG() * gy.stride(1);
            int xOff = (img * g.cin() + grp * g.cinG()) * plane;
            if (g.pointwise()) {
                Gemm.multiply(par, wa, wOff, wv.stride(3), wv.stride(0), ga, gOff, gy.stride(1),
                        gy.stride(3), xa, xOff, plane, k, g.coutG(), pos, true);
                return;
            }
            int tile = tileWidth(k, pos);
            for (int t0 = 0; t0 < pos; t0 += tile) {
                int tw = Math.min(tile, pos - t0);
                int start = t0;
                // The product writes all of col before col2im reads it.
                Object col = scratch(xa, k * tw);
                Gemm.multiply(par, wa, wOff, wv.stride(3), wv.stride(0), ga,
                        gOff + t0 * gy.stride(3), gy.stride(1), gy.stride(3), col, 0, tw, k,
                        g.coutG(), tw, true);
                par.forRange(g.cinG(), 1, (c0, c1) -> col2im(g, col, start, tw, c0, c1, xa,
                        xOff));
                recycle(col);
            }
        });
        return gx;
    }

    static Tensor backwardWeight(CpuBackend be, Tensor gradOut, Tensor x, Shape weightShape,
            Conv2dParams p) {
        ConvGeometry g = ConvGeometry.of(x.shape(), weightShape, p);
        Tensor gw = be.empty(weightShape, x.dtype());
        if (g.depthwise() && DepthwiseChannelsLast.applies(gradOut)
                && DepthwiseChannelsLast.applies(x)) {
            DepthwiseChannelsLast.backwardWeight(be, g, gradOut, x, gw);
            return gw;
        }
        if (g.depthwise()) {
            DepthwiseConv.backwardWeight(be, g, gradOut, x, gw);
            return gw;
        }
        Tensor gy = mergeHw(gradOut);
        Tensor xv = mergeHw(x);
        Object ga = array(gy);
        Object xa = array(xv);
        Object wa = array(gw);
        int k = g.colRows();
        int pos = g.positions();
        Parallel par = be.parallel();
        int tile = tileWidth(k, pos);
        Object col = g.pointwise() ? null : scratch(xa, k * tile);
        // Images one after the other: each adds into the same gradient, in image order.
        for (int img = 0; img < g.n(); img++) {
            for (int grp = 0; grp < g.groups(); grp++) {
                int gOff = gy.offset() + img * gy.stride(0) + grp * g.coutG() * gy.stride(1);
                int xOff = xv.offset() + img * xv.stride(0) + grp * g.cinG() * xv.stride(1);
                int wOff = grp * g.coutG() * k;
                if (g.pointwise()) {
                    // gradOut[n, g] (Cout/g, HW) x x[n, g]^T (HW, Cin/g)
                    Gemm.multiply(par, ga, gOff, gy.stride(1), gy.stride(3), xa, xOff,
                            xv.stride(3), xv.stride(1), wa, wOff, k, g.coutG(), pos, k, false);
                    continue;
                }
                for (int t0 = 0; t0 < pos; t0 += tile) {
                    int tw = Math.min(tile, pos - t0);
                    int start = t0;
                    par.forRange(k, Math.max(1, 4096 / tw), (r0, r1) -> im2col(g, xa, xOff, xv,
                            r0, r1, start, tw, col));
                    // gradOut tile (Cout/g, tw) x col^T (tw, k)
                    Gemm.multiply(par, ga, gOff + t0 * gy.stride(3), gy.stride(1), gy.stride(3),
                            col, 0, 1, tw, wa, wOff, k, g.coutG(), tw, k, false);
                }
            }
        }
        recycle(col);
        return gw;
    }

    /** Output positions per column tile: the whole image when it fits the budget. */
    private static int tileWidth(int k, int pos) {
        int t = Math.max(1, COL_BUDGET / Math.max(1, k));
        if (t >= pos) {
            return pos;
        }
        return t >= 64 ? t / 64 * 64 : t;
    }

    private static void im2col(ConvGeometry g, Object x, int xOff, Tensor xv, int r0, int r1,
            int t0, int tw, Object col) {
        if (x instanceof float[] f) {
            Im2col.im2col(g, f, xOff, xv.stride(1), xv.stride(2), xv.stride(3), r0, r1, t0, tw,
                    (float[]) col);
        } else {
            Im2col.im2col(g, (double[]) x, xOff, xv.stride(1), xv.stride(2), xv.stride(3), r0, r1,
                    t0, tw, (double[]) col);
        }
    }

    private static void col2im(ConvGeometry g, Object col, int t0, int tw, int c0, int c1,
            Object gx, int gxOff) {
        if (col instanceof float[] f) {
            Im2col.col2im(g, f, t0, tw, c0, c1, (float[]) gx, gxOff);
        } else {
            Im2col.col2im(g, (double[]) col, t0, tw, c0, c1, (double[]) gx, gxOff);
        }
    }

    /**
     * {@code out = relu((out + bias[co]) + residual)} in one pass over the contiguous {@code out},
     * each part optional ({@code bias} and the contiguous {@code residual} may be null); nothing
     * when none is asked for. The ReLU is {@link Math#max} with +0, as the RELU op.
     */
    private static void epilogue(CpuBackend be, Tensor out, double[] bias, Tensor residual,
            boolean relu, ConvGeometry g) {
        if (bias == null && residual == null && !relu) {
            return;
        }
        Object oa = array(out);
        Object ra = residual == null ? null : array(residual);
        int rOff = residual == null ? 0 : residual.offset();
        int pos = g.positions();
        be.parallel().forRange(g.n() * g.cout(), Math.max(1, 16384 / pos), (s, e) -> {
            for (int plane = s; plane < e; plane++) {
                int from = plane * pos;
                int to = from + pos;
                if (oa instanceof float[] f) {
                    if (bias != null) {
                        float bf = (float) bias[plane % g.cout()];
                        for (int i = from; i < to; i++) {
                            f[i] += bf;
                        }
                    }
                    if (ra != null) {
                        float[] r = (float[]) ra;
                        for (int i = from; i < to; i++) {
                            f[i] += r[rOff + i];
                        }
                    }
                    if (relu) {
                        for (int i = from; i < to; i++) {
                            f[i] = Math.max(f[i], 0f);
                        }
                    }
                } else {
                    double[] d = (double[]) oa;
                    if (bias != null) {
                        double b = bias[plane % g.cout()];
                        for (int i = from; i < to; i++) {
                            d[i] += b;
                        }
                    }
                    if (ra != null) {
                        double[] r = (double[]) ra;
                        for (int i = from; i < to; i++) {
                            d[i] += r[rOff + i];
                        }
                    }
                    if (relu) {
                        for (int i = from; i < to; i++) {
                            d[i] = Math.max(d[i], 0.0);
                        }
                    }
                }
            }
        });
    }

    /**
     * {@code t (N, C, H, W)} itself when its positions {@code y * W + x} sit at multiples of
     * {@code stride(3)} (H and W merge), else a contiguous copy.
     */
    private static Tensor mergeHw(Tensor t) {
        boolean ok = t.size(2) == 1 || t.stride(2) == t.size(3) * t.stride(3);
        return ok ? t : t.contiguous();
    }

    /**
     * The weight itself when it reads as a {@code (Cout, Cin/g * kH * kW)} matrix with column
     * stride {@code stride(3)} (its last three dims merge), else a contiguous copy.
     */
    private static Tensor mergedWeight(Tensor w) {
        int unit = w.stride(3);
        boolean ok = (w.size(2) == 1 || w.stride(2) == w.size(3) * unit)
                && (w.size(1) == 1 || w.stride(1) == w.size(2) * w.size(3) * unit);
        return ok ? w : w.contiguous();
    }

    private static Object array(Tensor t) {
        CpuStorage s = ElementwiseKernels.storage(t);
        return t.dtype() == DType.FLOAT32 ? s.floats() : s.doubles();
    }

    /**
     * A column buffer of at least {@code n} elements that is written completely (by im2col or
     * an overwriting product) before it is read, so it may hold anything: pooled for float32
     * ({@link PackBuffers}).
     */
    private static Object scratch(Object like, int n) {
        return like instanceof float[] ? PackBuffers.take(n) : new double[n];
    }

    private static void recycle(Object col) {
        if (col instanceof float[] f) {
            PackBuffers.give(f);
        }
    }
}
