package ed4j.ed.metrics;

import java.util.Arrays;

/**
 * Connected regions of a binary {@code (H, W)} mask under 8-connectivity (pixels touching at
 * an edge or a corner belong together), as {@code scipy.ndimage.label(mask, np.ones((3, 3)))}
 * in the official MVTec AD evaluation and OpenCV's {@code connectedComponents} (default
 * connectivity 8) in anomalib.
 *
 * <p>Regions are numbered 1, 2, ... in the raster order of their first pixel (top row first,
 * left to right), which is also SciPy's numbering; background is 0. Each region is filled from
 * its first pixel with an explicit stack, so memory is one {@code int[H*W]} stack besides the
 * label array, whatever the region shapes.
 */
public final class ConnectedComponents {

    private ConnectedComponents() {}

    /**
     * Labels the regions of {@code mask} (true = foreground) into {@code labels}, both row-major
     * {@code (height, width)}, and returns the number of regions.
     *
     * @throws IllegalArgumentException when an array's length is not {@code height * width}
     */
    public static int label(boolean[] mask, int height, int width, int[] labels) {
        check(mask.length, labels.length, height, width);
        Arrays.fill(labels, 0);
        int[] stack = new int[mask.length];
        int count = 0;
        for (int start = 0; start < mask.length; start++) {
            if (!mask[start] || labels[start] != 0) {
                continue;
            }
            int id = ++count;
            labels[start] = id;
            int top = 0;
            stack[top++] = start;
            while (top > 0) {
                int p = stack[--top];
                int y = p / width;
                int x = p - y * width;
                for (int yy = Math.max(0, y - 1); yy <= Math.min(height - 1, y + 1); yy++) {
                    for (int xx = Math.max(0, x - 1); xx <= Math.min(width - 1, x + 1); xx++) {
                        int q = yy * width + xx;
                        if (mask[q] && labels[q] == 0) {
                            labels[q] = id;
                            stack[top++] = q;
                        }
                    }
                }
            }
        }
        return count;
    }

    /**
     * Labels the regions of a ground-truth mask in which any nonzero byte is foreground (MVTec
     * masks use 255); see {@link #label(boolean[], int, int, int[])}.
     */
    public static int label(byte[] mask, int height, int width, int[] labels) {
        boolean[] fg = new boolean[mask.length];
        for (int i = 0; i < mask.length; i++) {
            fg[i] = mask[i] != 0;
        }
        return label(fg, height, width, labels);
    }

    private static void check(int mask, int labels, int height, int width) {
        if (height < 1 || width < 1 || (long) height * width != mask || labels != mask) {
            throw new IllegalArgumentException("ConnectedComponents.label: a " + height + " x "
                    + width + " mask needs " + ((long) height * width) + " mask values and"
                    + " labels, got " + mask + " and " + labels);
        }
    }
}
