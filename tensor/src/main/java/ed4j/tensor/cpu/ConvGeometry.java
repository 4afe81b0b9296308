package ed4j.tensor.cpu;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.Shape;

/**
 * Sizes of one 2-d convolution: input {@code (N, Cin, H, W)}, weight {@code (Cout, Cin/groups,
 * kH, kW)}, output {@code (N, Cout, OH, OW)}, with stride, padding and dilation per axis.
 */
record ConvGeometry(int n, int cin, int h, int w, int cout, int kh, int kw, int oh, int ow,
        int groups, int sh, int sw, int ph, int pw, int dh, int dw) {

    static ConvGeometry of(Shape input, Shape weight, Conv2dParams p) {
        int kh = weight.size(2);
        int kw = weight.size(3);
        return new ConvGeometry(input.size(0), input.size(1), input.size(2), input.size(3),
                weight.size(0), kh, kw, p.outH(input.size(2), kh), p.outW(input.size(3), kw),
                p.groups(), p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(),
                p.dilationW());
    }

    int cinG() {
        return cin / groups;
    }

    int coutG() {
        return cout / groups;
    }

    /** Rows of the column matrix of one group: {@code Cin/groups * kH * kW}. */
    int colRows() {
        return cinG() * kh * kw;
    }

    /** Output positions per image: {@code OH * OW}. */
    int positions() {
        return oh * ow;
    }

    /** One filter per channel: {@code groups == Cin == Cout}. */
    boolean depthwise() {
        return groups == cin && cout == cin;
    }

    /** A 1x1 kernel with stride 1 and no padding: the convolution is a plain matrix product. */
    boolean pointwise() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0;
    }

    /** First output column whose input column for kernel column {@code kx} is inside the input. */
    int validOxLo(int kx) {
        return Math.max(0, -Math.floorDiv(kx * dw - pw, sw));
    }

    /** One past the last output column whose input column for {@code kx} is inside the input. */
    int validOxHi(int kx) {
        return Math.min(ow, Math.floorDiv(w - 1 + pw - kx * dw, sw) + 1);
    }
}
