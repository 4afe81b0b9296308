package ed4j.tensor.cpu;

import java.util.Arrays;

/**
 * The column matrix of a convolution and its adjoint, for one image and one group.
 *
 * <p>Row {@code r = (ci * kH + ky) * kW + kx} of the column matrix and column {@code t} (output
 * position {@code oy * OW + ox}) hold the input element {@code (ci, oy * sH - pH + ky * dH, ox *
 * sW - pW + kx * dW)}, or 0 in the padding. A tile of {@code tw} positions from {@code t0} is
 * stored row-major as {@code col[r * tw + t - t0]}. The input is read through its strides
 * ({@code xc, xy, xx} for channel, row and column); {@link #col2im} adds a column matrix back into
 * a contiguous {@code (Cin, H, W)} gradient.
 */
final class Im2col {

    private Im2col() {}

    /** Fills rows {@code [r0, r1)} of the tile; {@code x} at {@code xOff} is channel 0. */
    static void im2col(ConvGeometry g, float[] x, int xOff, int xc, int xy, int xx, int r0,
            int r1, int t0, int tw, float[] col) {
        int kk = g.kh() * g.kw();
        for (int r = r0; r < r1; r++) {
            int ky = r % kk / g.kw();
            int kx = r % g.kw();
            int chan = xOff + r / kk * xc;
            int lo = g.validOxLo(kx);
            int hi = g.validOxHi(kx);
            int step = g.sw() * xx;
            int d = r * tw;
            for (int pos = t0; pos < t0 + tw; ) {
                int oy = pos / g.ow();
                int ox0 = pos % g.ow();
                int run = Math.min(t0 + tw - pos, g.ow() - ox0);
                int iy = oy * g.sh() - g.ph() + ky * g.dh();
                int a = Math.min(Math.max(lo, ox0), ox0 + run);
                int b = Math.min(Math.max(hi, a), ox0 + run);
                if (iy < 0 || iy >= g.h()) {
                    a = b;
                }
                Arrays.fill(col, d, d + a - ox0, 0f);
                int src = chan + iy * xy + (kx * g.dw() - g.pw()) * xx;
                if (step == 1 && b > a) {
                    System.arraycopy(x, src + a, col, d + a - ox0, b - a);
                } else if (step != 1) {
                    for (int ox = a; ox < b; ox++) {
                        col[d + ox - ox0] = x[src + ox * step];
                    }
                }
                Arrays.fill(col, d + b - ox0, d + run, 0f);
                d += run;
                pos += run;
            }
        }
    }

    /** The float64 twin of {@link #im2col(ConvGeometry, float[], int, int, int, int, int, int,
     * int, int, float[])}. */
    static void im2col(ConvGeometry g, double[] x, int xOff, int xc, int xy, int xx, int r0,
            int r1, int t0, int tw, double[] col) {
        int kk = g.kh() * g.kw();
        for (int r = r0; r < r1; r++) {
            int ky = r % kk / g.kw();
            int kx = r % g.kw();
            int chan = xOff + r / kk * xc;
            int lo = g.validOxLo(kx);
            int hi = g.validOxHi(kx);
            int step = g.sw() * xx;
            int d = r * tw;
            for (int pos = t0; pos < t0 + tw; ) {
                int oy = pos / g.ow();
                int ox0 = pos % g.ow();
                int run = Math.min(t0 + tw - pos, g.ow() - ox0);
                int iy = oy * g.sh() - g.ph() + ky * g.dh();
                int a = Math.min(Math.max(lo, ox0), ox0 + run);
                int b = Math.min(Math.max(hi, a), ox0 + run);
                if (iy < 0 || iy >= g.h()) {
                    a = b;
                }
                Arrays.fill(col, d, d + a - ox0, 0.0);
                int src = chan + iy * xy + (kx * g.dw() - g.pw()) * xx;
                for (int ox = a; ox < b; ox++) {
                    col[d + ox - ox0] = x[src + ox * step];
                }
                Arrays.fill(col, d + b - ox0, d + run, 0.0);
                d += run;
                pos += run;
            }
        }
    }

    /**
     * Adds the tile into the channels {@code [ci0, ci1)} of a contiguous {@code (Cin/groups, H,
     * W)} gradient at {@code gxOff}; each channel is written by one caller, in a fixed order.
     */
    static void col2im(ConvGeometry g, float[] col, int t0, int tw, int ci0, int ci1, float[] gx,
            int gxOff) {
        int kk = g.kh() * g.kw();
        for (int r = ci0 * kk; r < ci1 * kk; r++) {
            int ky = r % kk / g.kw();
            int kx = r % g.kw();
            int plane = gxOff + r / kk * g.h() * g.w();
            int lo = g.validOxLo(kx);
            int hi = g.validOxHi(kx);
            int d = r * tw;
            for (int pos = t0; pos < t0 + tw; ) {
                int oy = pos / g.ow();
                int ox0 = pos % g.ow();
                int run = Math.min(t0 + tw - pos, g.ow() - ox0);
                int iy = oy * g.sh() - g.ph() + ky * g.dh();
                if (iy >= 0 && iy < g.h()) {
                    int a = Math.min(Math.max(lo, ox0), ox0 + run);
                    int b = Math.min(Math.max(hi, a), ox0 + run);
                    int dst = plane + iy * g.w() + kx * g.dw() - g.pw();
                    for (int ox = a; ox < b; ox++) {
                        gx[dst + ox * g.sw()] += col[d + ox - ox0];
                    }
                }
                d += run;
                pos += run;
            }
        }
    }

    /** The float64 twin of {@link #col2im(ConvGeometry, float[], int, int, int, int, float[],
     * int)}. */
    static void col2im(ConvGeometry g, double[] col, int t0, int tw, int ci0, int ci1,
            double[] gx, int gxOff) {
        int kk = g.kh() * g.kw();
        for (int r = ci0 * kk; r < ci1 * kk; r++) {
            int ky = r % kk / g.kw();
            int kx = r % g.kw();
            int plane = gxOff + r / kk * g.h() * g.w();
            int lo = g.validOxLo(kx);
            int hi = g.validOxHi(kx);
            int d = r * tw;
            for (int pos = t0; pos < t0 + tw; ) {
                int oy = pos / g.ow();
                int ox0 = pos % g.ow();
                int run = Math.min(t0 + tw - pos, g.ow() - ox0);
                int iy = oy * g.sh() - g.ph() + ky * g.dh();
                if (iy >= 0 && iy < g.h()) {
                    int a = Math.min(Math.max(lo, ox0), ox0 + run);
                    int b = Math.min(Math.max(hi, a), ox0 + run);
                    int dst = plane + iy * g.w() + kx * g.dw() - g.pw();
                    for (int ox = a; ox < b; ox++) {
                        gx[dst + ox * g.sw()] += col[d + ox - ox0];
                    }
                }
                d += run;
                pos += run;
            }
        }
    }
}
