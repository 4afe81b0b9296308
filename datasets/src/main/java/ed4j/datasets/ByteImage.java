package ed4j.datasets;

import java.util.Arrays;

/**
 * An 8-bit image with {@code C} interleaved channels: the sample of channel {@code c} at column
 * {@code x} and row {@code y} is {@code data[(y * W + x) * C + c] & 0xFF}. Images of this project
 * have 3 channels (RGB) or 1 (grayscale, used for masks).
 *
 * <p>Immutable as far as this API goes: the array is copied in and out, except by the package's
 * own transforms, which build a fresh array and hand it over.
 */
public final class ByteImage {

    private final int width;
    private final int height;
    private final int channels;
    private final byte[] data;

    private ByteImage(int width, int height, int channels, byte[] data) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = data;
    }

    /**
     * An image over a copy of {@code data}, which holds {@code height * width * channels} samples
     * in row-major, channel-interleaved order (H, W, C).
     */
    public static ByteImage of(int width, int height, int channels, byte[] data) {
        checkSize(width, height, channels, data.length);
        return new ByteImage(width, height, channels, data.clone());
    }

    /** An image that takes ownership of {@code data} without copying (package use only). */
    static ByteImage wrap(int width, int height, int channels, byte[] data) {
        checkSize(width, height, channels, data.length);
        return new ByteImage(width, height, channels, data);
    }

    private static void checkSize(int width, int height, int channels, int length) {
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException(
                    "ByteImage: width, height and channels must be positive, got " + width + "x"
                            + height + "x" + channels);
        }
        if ((long) width * height * channels != length) {
            throw new IllegalArgumentException(
                    "ByteImage: " + length + " samples do not fill " + width + "x" + height
                            + " pixels of " + channels + " channels");
        }
    }

    /** Width W in pixels. */
    public int width() {
        return width;
    }

    /** Height H in pixels. */
    public int height() {
        return height;
    }

    /** Number of interleaved channels C. */
    public int channels() {
        return channels;
    }

    /** The sample of channel {@code c} at column {@code x}, row {@code y}, in [0, 255]. */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * channels + c] & 0xFF;
    }

    /** A copy of the samples in (H, W, C) order. */
    public byte[] toArray() {
        return data.clone();
    }

    /** The samples without a copy, for the package's transforms; callers must not modify it. */
    byte[] raw() {
        return data;
    }

    /** Whether the two images have the same size, channels and samples. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ByteImage other
                && width == other.width
                && height == other.height
                && channels == other.channels
                && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * width + height) + channels) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "ByteImage(" + width + "x" + height + "x" + channels + ")";
    }
}
