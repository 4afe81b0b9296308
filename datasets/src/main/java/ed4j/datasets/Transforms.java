package ed4j.datasets;

import ed4j.tensor.Tensor;

/**
 * The torchvision 0.14 transforms of the reference pipeline, on PIL-equal 8-bit images: the
 * output size of {@code Resize(int)}, {@code CenterCrop}, {@code ToTensor} and {@code
 * Normalize}. Sizes follow torchvision's integer rules exactly and tensor values are computed in
 * float32 with the same operations, so they equal torchvision's bit for bit on equal pixels.
 */
public final class Transforms {

    /** ImageNet channel means (R, G, B) used by {@code Normalize}. */
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

    /** ImageNet channel standard deviations (R, G, B) used by {@code Normalize}. */
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    private Transforms() {}

    /** A copy of the ImageNet means (R, G, B) as float32. */
    public static float[] imagenetMean() {
        return IMAGENET_MEAN.clone();
    }

    /** A copy of the ImageNet standard deviations (R, G, B) as float32. */
    public static float[] imagenetStd() {
        return IMAGENET_STD.clone();
    }

    /**
     * The {@code {height, width}} that torchvision's {@code Resize(size)} with a single int gives
     * an image of {@code height x width}: the shorter side becomes {@code size}, the longer
     * {@code (int) (size * long / short)} (truncated, computed in double as Python does).
     */
    public static int[] shorterSideSize(int height, int width, int size) {
        if (height <= 0 || width <= 0 || size <= 0) {
            throw new IllegalArgumentException(
                    "shorterSideSize: sizes must be positive, got image " + height + "x" + width
                            + " and size " + size);
        }
        int shortSide = Math.min(height, width);
        int longSide = Math.max(height, width);
        int newLong = (int) ((double) ((long) size * longSide) / shortSide);
        return width <= height ? new int[] {newLong, size} : new int[] {size, newLong};
    }

    /**
     * torchvision's {@code CenterCrop((cropHeight, cropWidth))}: where the crop is larger than
     * the image, zero padding of {@code (c - s) / 2} before and {@code (c - s + 1) / 2} after;
     * then the offset {@code round((s - c) / 2)} with Python's round-half-to-even.
     */
    public static ByteImage centerCrop(ByteImage in, int cropHeight, int cropWidth) {
        if (cropHeight <= 0 || cropWidth <= 0) {
            throw new IllegalArgumentException(
                    "centerCrop: crop size must be positive, got " + cropHeight + "x" + cropWidth);
        }
        int w = in.width();
        int h = in.height();
        int padLeft = cropWidth > w ? (cropWidth - w) / 2 : 0;
        int padTop = cropHeight > h ? (cropHeight - h) / 2 : 0;
        int paddedW = cropWidth > w ? cropWidth : w;
        int paddedH = cropHeight > h ? cropHeight : h;
        int top = (int) Math.rint((paddedH - cropHeight) / 2.0) - padTop;
        int left = (int) Math.rint((paddedW - cropWidth) / 2.0) - padLeft;
        int c = in.channels();
        byte[] src = in.raw();
        byte[] out = new byte[cropWidth * cropHeight * c];
        for (int y = 0; y < cropHeight; y++) {
            int sy = y + top;
            if (sy < 0 || sy >= h) {
                continue;
            }
            int x0 = Math.max(0, -left);
            int x1 = Math.min(cropWidth, w - left);
            if (x1 > x0) {
                System.arraycopy(
                        src, (sy * w + x0 + left) * c, out, (y * cropWidth + x0) * c,
                        (x1 - x0) * c);
            }
        }
        return ByteImage.wrap(cropWidth, cropHeight, c, out);
    }

    /**
     * torchvision's {@code ToTensor} of an 8-bit image: a float32 tensor (C, H, W) holding
     * {@code v / 255}.
     */
    public static Tensor toTensor(ByteImage image) {
        int c = image.channels();
        int plane = image.width() * image.height();
        byte[] src = image.raw();
        float[] out = new float[c * plane];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < plane; i++) {
                out[ch * plane + i] = (src[i * c + ch] & 0xFF) / 255f;
            }
        }
        return Tensor.of(out, c, image.height(), image.width());
    }

    /**
     * {@code ToTensor} then {@code Normalize(mean, std)} of an RGB image: a float32 tensor (3, H,
     * W) holding {@code (v / 255 - mean[c]) / std[c]}, each step rounded to float32 as in torch.
     */
    public static Tensor toNormalizedTensor(ByteImage rgb, float[] mean, float[] std) {
        if (rgb.channels() != 3 || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException(
                    "toNormalizedTensor: needs 3 channels and 3 means and stds, got "
                            + rgb.channels() + " channels, " + mean.length + " means, "
                            + std.length + " stds");
        }
        int plane = rgb.width() * rgb.height();
        byte[] src = rgb.raw();
        float[] out = new float[3 * plane];
        for (int ch = 0; ch < 3; ch++) {
            // A 256-entry table: the same float operations as per pixel, done once per level.
            float[] table = new float[256];
            for (int v = 0; v < 256; v++) {
                float t = v / 255f;
                table[v] = (t - mean[ch]) / std[ch];
            }
            for (int i = 0; i < plane; i++) {
                out[ch * plane + i] = table[src[i * 3 + ch] & 0xFF];
            }
        }
        return Tensor.of(out, 3, rgb.height(), rgb.width());
    }

    /** {@link #toNormalizedTensor} with the ImageNet statistics. */
    public static Tensor toImagenetTensor(ByteImage rgb) {
        return toNormalizedTensor(rgb, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** A float32 mask tensor (1, H, W): 1 where the gray level is nonzero, else 0. */
    public static Tensor toBinaryMask(ByteImage gray) {
        if (gray.channels() != 1) {
            throw new IllegalArgumentException(
                    "toBinaryMask: needs a 1-channel image, got " + gray.channels());
        }
        byte[] src = gray.raw();
        float[] out = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            out[i] = src[i] != 0 ? 1f : 0f;
        }
        return Tensor.of(out, 1, gray.height(), gray.width());
    }
}
