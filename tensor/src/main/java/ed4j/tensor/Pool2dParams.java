package ed4j.tensor;

/**
 * Geometry of a 2-d pooling window (floor rounding of the output size, like PyTorch's default
 * {@code ceil_mode=False}). For average pooling, {@code countIncludePad} divides by the whole
 * window, padding included, as PyTorch does by default.
 */
public record Pool2dParams(
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW,
        boolean countIncludePad) {

    public Pool2dParams {
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException(
                    "pool2d: kernel size must be positive, got (" + kernelH + ", " + kernelW + ")");
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException(
                    "pool2d: stride must be positive, got (" + strideH + ", " + strideW + ")");
        }
        if (padH < 0 || padW < 0 || 2 * padH > kernelH || 2 * padW > kernelW) {
            throw new IllegalArgumentException(
                    "pool2d: padding must be between 0 and half the kernel size, got ("
                            + padH + ", " + padW + ") for kernel (" + kernelH + ", " + kernelW
                            + ")");
        }
    }

    /** A square window with padding counted in the divisor. */
    public static Pool2dParams of(int kernel, int stride, int padding) {
        return new Pool2dParams(kernel, kernel, stride, stride, padding, padding, true);
    }

    /** Output height for an input height. */
    public int outH(int inH) {
        return (inH + 2 * padH - kernelH) / strideH + 1;
    }

    /** Output width for an input width. */
    public int outW(int inW) {
        return (inW + 2 * padW - kernelW) / strideW + 1;
    }
}
