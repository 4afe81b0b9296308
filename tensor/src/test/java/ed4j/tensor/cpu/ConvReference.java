package ed4j.tensor.cpu;

/**
 * Naive direct convolution in double, as a reference: the forward pass and its exact adjoints,
 * each also returning the magnitude {@code sum |term|} of every result element (the scale of
 * its rounding error). Arrays are row-major; {@code c} holds (N, Cin, H, W, Cout, kH, kW, sH, sW,
 * pH, pW, dH, dW, groups).
 */
final class ConvReference {

    private ConvReference() {}

    static int outH(int[] c) {
        return (c[2] + 2 * c[9] - c[11] * (c[5] - 1) - 1) / c[7] + 1;
    }

    static int outW(int[] c) {
        return (c[3] + 2 * c[10] - c[12] * (c[6] - 1) - 1) / c[8] + 1;
    }

    /** Visits every (output, input, weight) index triple that contributes a product. */
    private interface Visitor {
        void visit(int outIdx, int inIdx, int wIdx);
    }

    private static void forEachTerm(int[] c, Visitor v) {
        int n = c[0];
        int cin = c[1];
        int h = c[2];
        int w = c[3];
        int cout = c[4];
        int kh = c[5];
        int kw = c[6];
        int groups = c[13];
        int cinG = cin / groups;
        int coutG = cout / groups;
        int oh = outH(c);
        int ow = outW(c);
        for (int b = 0; b < n; b++) {
            for (int co = 0; co < cout; co++) {
                int grp = co / coutG;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int o = ((b * cout + co) * oh + oy) * ow + ox;
                        for (int ci = 0; ci < cinG; ci++) {
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * c[7] - c[9] + ky * c[11];
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * c[8] - c[10] + kx * c[12];
                                    if (ix < 0 || ix >= w) {
                                        continue;
                                    }
                                    int in = ((b * cin + grp * cinG + ci) * h + iy) * w + ix;
                                    int wi = ((co * cinG + ci) * kh + ky) * kw + kx;
                                    v.visit(o, in, wi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code out = conv(x, w) + bias}; bias may be null. Returns {out, magnitude}. */
    static double[][] forward(int[] c, double[] x, double[] w, double[] bias) {
        int oh = outH(c);
        int ow = outW(c);
        double[] out = new double[c[0] * c[4] * oh * ow];
        double[] mag = new double[out.length];
        forEachTerm(c, (o, i, k) -> {
            out[o] += x[i] * w[k];
            mag[o] += Math.abs(x[i] * w[k]);
        });
        if (bias != null) {
            for (int o = 0; o < out.length; o++) {
                double b = bias[o / (oh * ow) % c[4]];
                out[o] += b;
                mag[o] += Math.abs(b);
            }
        }
        return new double[][] {out, mag};
    }

    /** Gradient of {@code sum(out * gy)} with respect to x. Returns {gradInput, magnitude}. */
    static double[][] backwardInput(int[] c, double[] gy, double[] w) {
        double[] gx = new double[c[0] * c[1] * c[2] * c[3]];
        double[] mag = new double[gx.length];
        forEachTerm(c, (o, i, k) -> {
            gx[i] += gy[o] * w[k];
            mag[i] += Math.abs(gy[o] * w[k]);
        });
        return new double[][] {gx, mag};
    }

    /** Gradient of {@code sum(out * gy)} with respect to w. Returns {gradWeight, magnitude}. */
    static double[][] backwardWeight(int[] c, double[] gy, double[] x) {
        double[] gw = new double[c[4] * (c[1] / c[13]) * c[5] * c[6]];
        double[] mag = new double[gw.length];
        forEachTerm(c, (o, i, k) -> {
            gw[k] += gy[o] * x[i];
            mag[k] += Math.abs(gy[o] * x[i]);
        });
        return new double[][] {gw, mag};
    }
}
