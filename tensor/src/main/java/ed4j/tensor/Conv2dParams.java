package ed4j.tensor;

/**
 * Geometry of a 2-d convolution: {@code out = (in + 2*pad - dilation*(k-1) - 1) / stride + 1}.
 */
public record Conv2dParams(
        int strideH, int strideW, int padH, int padW, int dilationH, int dilationW, int groups) {

    public Conv2dParams {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException(
                    "conv2d: stride must be positive, got (" + strideH + ", " + strideW + ")");
        }
        if (padH < 0 || padW < 0) {
            throw new IllegalArgumentException(
                    "conv2d: padding must be non-negative, got (" + padH + ", " + padW + ")");
        }
        if (dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException(
                    "conv2d: dilation must be positive, got (" + dilationH + ", " + dilationW
                            + ")");
        }
        if (groups < 1) {
            throw new IllegalArgumentException("conv2d: groups must be positive, got " + groups);
        }
    }

    /** Stride 1, no padding, no dilation, one group. */
    public static Conv2dParams defaults() {
        return new Conv2dParams(1, 1, 0, 0, 1, 1, 1);
    }

    /** Square stride and padding, no dilation, one group. */
    public static Conv2dParams of(int stride, int padding) {
        return new Conv2dParams(stride, stride, padding, padding, 1, 1, 1);
    }

    /** A copy with another group count. */
    public Conv2dParams withGroups(int g) {
        return new Conv2dParams(strideH, strideW, padH, padW, dilationH, dilationW, g);
    }

    /** A copy with square dilation. */
    public Conv2dParams withDilation(int d) {
        return new Conv2dParams(strideH, strideW, padH, padW, d, d, groups);
    }

    /** Output height for an input height and a kernel height. */
    public int outH(int inH, int kH) {
        return (inH + 2 * padH - dilationH * (kH - 1) - 1) / strideH + 1;
    }

    /** Output width for an input width and a kernel width. */
    public int outW(int inW, int kW) {
        return (inW + 2 * padW - dilationW * (kW - 1) - 1) / strideW + 1;
    }
}
