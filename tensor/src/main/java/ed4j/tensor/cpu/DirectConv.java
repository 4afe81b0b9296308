package ed4j.tensor.cpu;

import static ed4j.tensor.cpu.DirectConvLoops.CHANNELS;

import ed4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Direct float32 convolution for inputs with few channels, such as a backbone's first layer (3
 * channels, 7x7, stride 2). There im2col + GEMM multiplies a thin matrix ({@code Cout} rows,
 * {@code Cin * kH * kW} columns) into one column per output position, and building and packing
 * that column matrix costs about as much as the product.
 *
 * <p>Each image is first split, with its zero padding, into stride phases along x: phase {@code
 * r} of padded row {@code y} holds the padded columns {@code s * i + r}. The input of tap {@code
 * (c, ky, kx)} for the outputs of a row is then one contiguous run of a phase row, and an output
 * row is a sum over taps of such runs times a weight, which {@link DirectConvLoops} computes for
 * four output channels at a time, their partial sums held in registers over all taps. Every
 * output is a chain of fused multiply-adds over the taps in order {@code (c, ky, kx)}, starting
 * from zero; bias, residual and ReLU follow in that order, as {@link ConvKernels} applies them,
 * so results do not depend on the thread count.
 */
final class DirectConv {

    private DirectConv() {}

    /**
     * Whether {@code g} is a convolution this path computes, and one where it pays: one group,
     * dilation 1, at most four input channels, output channels in fours, rows of at least 16
     * outputs. Measured on the 2-core EPYC for the 3-channel 7x7 stride-2 layer at 256 px: about
     * twice as fast as im2col + GEMM.
     */
    static boolean applies(ConvGeometry g) {
        return g.groups() == 1 && g.dh() == 1 && g.dw() == 1 && g.cin() <= 4
                && g.cout() % CHANNELS == 0 && g.ow() >= 16 && !g.pointwise();
    }

    /**
     * Writes the convolution of {@code x (N, Cin, H, W)} (any strides) with {@code w (Cout, Cin,
     * kH, kW)} (any strides), plus {@code bias} when not null, to the contiguous {@code out};
     * then adds {@code residual} (laid out as {@code out}, from {@code resOff}; null for none)
     * and takes the ReLU when {@code relu}.
     */
    static void forward(Parallel par, ConvGeometry g, Tensor x, Tensor w, double[] bias,
            float[] out, float[] residual, int resOff, boolean relu) {
        forward(par, g, x, w, bias, out, residual, resOff, relu, DirectConvLoops.INSTANCE);
    }

    /** As above with the given loops (tests compare the plain and the vector ones). */
    static void forward(Parallel par, ConvGeometry g, Tensor x, Tensor w, double[] bias,
            float[] out, float[] residual, int resOff, boolean relu, DirectConvLoops loops) {
        int s = g.sw();
        int rowsP = (g.oh() - 1) * g.sh() + g.kh();
        int pl = g.ow() + (g.kw() - 1) / s;
        int taps = g.colRows();
        int[] tapOff = new int[taps];
        for (int c = 0, t = 0; c < g.cin(); c++) {
            for (int ky = 0; ky < g.kh(); ky++) {
                for (int kx = 0; kx < g.kw(); kx++, t++) {
                    tapOff[t] = ((c * rowsP + ky) * s + kx % s) * pl + kx / s;
                }
            }
        }
        float[] wt = packWeights(g, w);
        Winograd.Epilogue after = new Winograd.Epilogue(residual, resOff, relu);
        int rowStep = g.sh() * s * pl;
        int plane = g.positions();
        float[] xa = ElementwiseKernels.storage(x).floats();
        float[] phases = PackBuffers.take(g.cin() * rowsP * s * pl);
        try {
            for (int img = 0; img < g.n(); img++) {
                int xOff = x.offset() + img * x.stride(0);
                par.forRange(g.cin() * rowsP, Math.max(1, 4096 / (s * pl)), (r0, r1) -> {
                    for (int r = r0; r < r1; r++) {
                        splitRow(g, x, xa, xOff, r / rowsP, r % rowsP, pl, phases,
                                r * s * pl);
                    }
                });
                int outBase = img * g.cout() * plane;
                par.forRange(g.oh(), 1, (y0, y1) -> {
                    for (int oy = y0; oy < y1; oy++) {
                        int o = outBase + oy * g.ow();
                        for (int co = 0; co < g.cout(); co += CHANNELS) {
                            loops.block(phases, oy * rowStep, tapOff, wt, co * taps, g.ow(), out,
                                    o + co * plane, plane);
                        }
                        epilogue(g, o, plane, bias, out, after);
                    }
                });
            }
        } finally {
            PackBuffers.give(phases);
        }
    }

    /**
     * The weights as {@code [Cout / 4][tap][4]}: each micro-kernel call reads its four channels'
     * weights for tap after tap from one contiguous run.
     */
    private static float[] packWeights(ConvGeometry g, Tensor w) {
        int taps = g.colRows();
        float[] wt = new float[g.cout() * taps];
        float[] wa = ElementwiseKernels.storage(w).floats();
        for (int co = 0; co < g.cout(); co++) {
            int dst = (co / CHANNELS) * CHANNELS * taps + co % CHANNELS;
            for (int c = 0; c < g.cin(); c++) {
                for (int ky = 0; ky < g.kh(); ky++) {
                    for (int kx = 0; kx < g.kw(); kx++, dst += CHANNELS) {
                        wt[dst] = wa[w.offset() + co * w.stride(0) + c * w.stride(1)
                                + ky * w.stride(2) + kx * w.stride(3)];
                    }
                }
            }
        }
        return wt;
    }

    /** Padded row {@code yp} of channel {@code c}, split into its stride phases at {@code dst}. */
    private static void splitRow(ConvGeometry g, Tensor x, float[] xa, int xOff, int c, int yp,
            int pl, float[] phases, int dst) {
        int s = g.sw();
        int y = yp - g.ph();
        if (y < 0 || y >= g.h()) {
            Arrays.fill(phases, dst, dst + s * pl, 0f);
            return;
        }
        int row = xOff + c * x.stride(1) + y * x.stride(2);
        int sx = x.stride(3);
        for (int r = 0; r < s; r++) {
            int d = dst + r * pl;
            for (int i = 0; i < pl; i++) {
                int col = s * i + r - g.pw();
                phases[d + i] = col >= 0 && col < g.w() ? xa[row + col * sx] : 0f;
            }
        }
    }

    /** Bias, then residual and ReLU, on output row {@code o} (channel 0's) of each channel. */
    private static void epilogue(ConvGeometry g, int o, int plane, double[] bias, float[] out,
            Winograd.Epilogue after) {
        if (bias == null && !after.any()) {
            return;
        }
        int ow = g.ow();
        for (int co = 0; co < g.cout(); co++) {
            int from = o + co * plane;
            if (bias != null) {
                float b = (float) bias[co];
                for (int i = from; i < from + ow; i++) {
                    out[i] += b;
                }
            }
            after.apply(out, from, ow);
        }
    }
}
