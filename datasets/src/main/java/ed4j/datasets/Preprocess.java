package ed4j.datasets;

/**
 * The geometric part of the reference pipeline: images are resized with PIL's Lanczos filter,
 * masks with PIL's nearest neighbour, both to the same {@code size x size} by {@code mode}.
 *
 * @param mode how the aspect ratio is handled
 * @param size the side {@code s} of the square output, in pixels
 */
public record Preprocess(ResizeMode mode, int size) {

    /** Checks the arguments. */
    public Preprocess {
        if (mode == null) {
            throw new IllegalArgumentException("Preprocess: mode must be given");
        }
        if (size <= 0) {
            throw new IllegalArgumentException("Preprocess: size must be positive, got " + size);
        }
    }

    /** An 8-bit image (any channels) brought to {@code size x size} with Lanczos. */
    public ByteImage image(ByteImage in) {
        return apply(in, false);
    }

    /** A mask (any channels) brought to {@code size x size} with nearest neighbour. */
    public ByteImage mask(ByteImage in) {
        return apply(in, true);
    }

    private ByteImage apply(ByteImage in, boolean nearest) {
        if (mode == ResizeMode.EXACT) {
            return resize(in, size, size, nearest);
        }
        int[] hw = Transforms.shorterSideSize(in.height(), in.width(), size);
        ByteImage resized = resize(in, hw[1], hw[0], nearest);
        return Transforms.centerCrop(resized, size, size);
    }

    private static ByteImage resize(ByteImage in, int w, int h, boolean nearest) {
        if (in.width() == w && in.height() == h) {
            // torchvision returns the image untouched when the size already matches.
            return in;
        }
        return nearest ? PilResample.nearest(in, w, h) : PilResample.lanczos(in, w, h);
    }
}
