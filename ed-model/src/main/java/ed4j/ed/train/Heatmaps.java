package ed4j.ed.train;

import ed4j.datasets.ByteImage;
import ed4j.tensor.io.AtomicFiles;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Heat-map colouring, overlays and PNG output for visual inspection. */
public final class Heatmaps {

    private Heatmaps() {}

    /** A blue-cyan-yellow-red ramp ("jet") for {@code t} in [0, 1], as 0xRRGGBB. */
    public static int jet(double t) {
        double v = Math.max(0, Math.min(1, t));
        double r = clamp(1.5 - Math.abs(4 * v - 3));
        double g = clamp(1.5 - Math.abs(4 * v - 2));
        double b = clamp(1.5 - Math.abs(4 * v - 1));
        return ((int) Math.round(r * 255) << 16) | ((int) Math.round(g * 255) << 8)
                | (int) Math.round(b * 255);
    }

    private static double clamp(double x) {
        return Math.max(0, Math.min(1, x));
    }

    /** The RGB image as a {@link BufferedImage}. */
    public static BufferedImage toImage(ByteImage rgb) {
        BufferedImage img = new BufferedImage(rgb.width(), rgb.height(),
                BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < rgb.width(); x++) {
                int r = rgb.get(x, y, 0);
                int g = rgb.get(x, y, rgb.channels() > 1 ? 1 : 0);
                int b = rgb.get(x, y, rgb.channels() > 2 ? 2 : 0);
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return img;
    }

    /**
     * The image with the map blended on top ({@code alpha} of heat colour), the map scaled from
     * {@code [lo, hi]} to the colour ramp.
     */
    public static BufferedImage overlay(ByteImage rgb, float[] map, double lo, double hi,
            double alpha) {
        BufferedImage base = toImage(rgb);
        int w = rgb.width();
        double span = hi > lo ? hi - lo : 1;
        for (int y = 0; y < rgb.height(); y++) {
            for (int x = 0; x < w; x++) {
                int heat = jet((map[y * w + x] - lo) / span);
                int px = base.getRGB(x, y);
                base.setRGB(x, y, blend(px, heat, alpha));
            }
        }
        return base;
    }

    private static int blend(int a, int b, double alpha) {
        int r = (int) Math.round(((a >> 16) & 255) * (1 - alpha) + ((b >> 16) & 255) * alpha);
        int g = (int) Math.round(((a >> 8) & 255) * (1 - alpha) + ((b >> 8) & 255) * alpha);
        int bl = (int) Math.round((a & 255) * (1 - alpha) + (b & 255) * alpha);
        return (r << 16) | (g << 8) | bl;
    }

    /** Writes a PNG through a temporary file renamed into place. */
    public static void writePng(BufferedImage img, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer available for " + file);
        }
        AtomicFiles.write(file, out.toByteArray());
    }
}
