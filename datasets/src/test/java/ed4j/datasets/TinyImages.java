package ed4j.datasets;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes tiny test images and data set folders. */
final class TinyImages {

    private TinyImages() {}

    /** A deterministic RGB image whose samples depend on position and {@code seed}. */
    static ByteImage rgb(int w, int h, int seed) {
        byte[] b = new byte[w * h * 3];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 7 + seed * 31 + (i / 3) % 5 * 40);
        }
        return ByteImage.of(w, h, 3, b);
    }

    /** A gray mask with a filled rectangle of {@code level} in the middle. */
    static ByteImage mask(int w, int h, int level) {
        byte[] b = new byte[w * h];
        for (int y = h / 4; y < 3 * h / 4; y++) {
            for (int x = w / 4; x < 3 * w / 4; x++) {
                b[y * w + x] = (byte) level;
            }
        }
        return ByteImage.of(w, h, 1, b);
    }

    static Path png(Path file, ByteImage image) throws IOException {
        Files.createDirectories(file.getParent());
        PngWriter.write(image, file);
        return file;
    }

    /** Writes a 24-bit BMP (or 8-bit gray-palette BMP for one channel) with ImageIO. */
    static Path bmp(Path file, ByteImage image) throws IOException {
        Files.createDirectories(file.getParent());
        int type = image.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY
                : BufferedImage.TYPE_3BYTE_BGR;
        BufferedImage bi = new BufferedImage(image.width(), image.height(), type);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                for (int c = 0; c < image.channels(); c++) {
                    bi.getRaster().setSample(x, y, c, image.get(x, y, c));
                }
            }
        }
        if (!ImageIO.write(bi, "bmp", file.toFile())) {
            throw new IOException("no BMP writer");
        }
        return file;
    }

    /**
     * A tiny MVTec AD class: 3 train good, 2 test good, 2 test {@code crack} with masks, 1 test
     * {@code hole} with a mask; images 20x16.
     */
    static void mvtecClass(Path root, String cls) throws IOException {
        Path c = root.resolve(cls);
        for (int i = 0; i < 3; i++) {
            png(c.resolve("train/good/" + String.format("%03d.png", i)), rgb(20, 16, i));
        }
        for (int i = 0; i < 2; i++) {
            png(c.resolve("test/good/" + String.format("%03d.png", i)), rgb(20, 16, 10 + i));
            png(c.resolve("test/crack/" + String.format("%03d.png", i)), rgb(20, 16, 20 + i));
            png(c.resolve("ground_truth/crack/" + String.format("%03d_mask.png", i)),
                    mask(20, 16, 255));
        }
        png(c.resolve("test/hole/000.png"), rgb(20, 16, 30));
        png(c.resolve("ground_truth/hole/000_mask.png"), mask(20, 16, 255));
    }
}
