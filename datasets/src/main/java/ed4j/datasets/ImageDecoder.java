package ed4j.datasets;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.FileImageInputStream;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, BMP and JPEG files to 8-bit RGB the way {@code PIL.Image.open(f).convert("RGB")}
 * of Pillow 9.4 does, so that pixels fed to a model equal those of the Python reference.
 *
 * <p>The JDK's ImageIO decodes; this class then maps its raw raster samples (never {@code
 * getRGB}, which would colour-convert grayscale) to RGB with PIL's rules, checked against PIL
 * by the fixture tests:
 *
 * <ul>
 *   <li>grayscale (with or without alpha) is replicated to three channels; alpha is dropped
 *       without compositing;
 *   <li>palette images (PNG palette, 1/2/4-bit gray, BMP palette) map through their palette;
 *   <li>CMYK JPEG converts with PIL's {@code 255 - K - C (255 - K) / 255} per channel;
 *   <li>16-bit grayscale PNG becomes PIL mode {@code I} and {@code I -> RGB} <em>clips</em> to
 *       [0, 255]: 1000 becomes 255, 100 stays 100 (no scaling);
 *   <li>16-bit RGB, RGBA and gray+alpha PNG keep the high byte of each sample ({@code v >> 8});
 *   <li>samples of fewer than 8 bits (16-bit 5-5-5 or 5-6-5 BMP) scale as {@code v * 255 /
 *       (2^bits - 1)}, rounded down.
 * </ul>
 *
 * <p>Every failure is an {@link InvalidSampleException} naming the file. Truncated JPEG data,
 * which ImageIO only reports as a warning, is an error here as it is in PIL.
 *
 * <p>Thread-safe: each call uses its own ImageIO reader.
 */
public final class ImageDecoder {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};
    private static final int PNG_COLOR_TYPE_GRAY = 0;

    private ImageDecoder() {}

    /** The width and height of an image in pixels. */
    public record Size(int width, int height) {
        @Override
        public String toString() {
            return width + "x" + height;
        }
    }

    /** The image file formats this decoder accepts. */
    enum Format {
        PNG,
        BMP,
        JPEG
    }

    /**
     * The image in {@code file} as 8-bit RGB (3 channels), converted as PIL's {@code
     * convert("RGB")} does.
     *
     * @throws InvalidSampleException when the file is missing, unreadable, not a PNG, BMP or
     *     JPEG image, or corrupt
     */
    public static ByteImage decodeRgb(Path file) throws InvalidSampleException {
        byte[] bytes = readBytes(file);
        Format format = sniff(file, bytes);
        BufferedImage image = read(file, bytes, format);
        int pngColorType = format == Format.PNG && bytes.length > 25 ? bytes[25] & 0xFF : -1;
        return toRgb(file, image, pngColorType == PNG_COLOR_TYPE_GRAY);
    }

    /**
     * The image in {@code file} as 8-bit grayscale (1 channel), as PIL's {@code convert("L")}
     * gives it: gray sources keep their level, colour sources use PIL's integer luma {@code (R *
     * 19595 + G * 38470 + B * 7471 + 32768) >> 16}.
     *
     * @throws InvalidSampleException as {@link #decodeRgb}
     */
    public static ByteImage decodeGray(Path file) throws InvalidSampleException {
        ByteImage rgb = decodeRgb(file);
        byte[] src = rgb.raw();
        byte[] out = new byte[rgb.width() * rgb.height()];
        for (int i = 0; i < out.length; i++) {
            int r = src[3 * i] & 0xFF;
            int g = src[3 * i + 1] & 0xFF;
            int b = src[3 * i + 2] & 0xFF;
            // Equal channels give back the level exactly, since the weights sum to 65536.
            out[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
        return ByteImage.wrap(rgb.width(), rgb.height(), 1, out);
    }

    /**
     * The size of the image in {@code file}, read from its header without decoding the pixels.
     * Corrupt pixel data is only found by {@link #decodeRgb}.
     *
     * @throws InvalidSampleException when the file is missing, unreadable or not a PNG, BMP or
     *     JPEG image
     */
    public static Size readSize(Path file) throws InvalidSampleException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidSampleException(file, "no such file");
        }
        try (ImageInputStream in = new FileImageInputStream(file.toFile())) {
            byte[] head = new byte[4];
            int n = in.read(head);
            Format format = sniff(file, n <= 0 ? new byte[0] : Arrays.copyOf(head, n));
            in.seek(0);
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidSampleException(file, "no ImageIO decoder for " + format);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new Size(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (InvalidSampleException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new InvalidSampleException(file, "unreadable image header: " + e, e);
        }
    }

    private static byte[] readBytes(Path file) throws InvalidSampleException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidSampleException(file, "no such file", e);
        } catch (IOException e) {
            throw new InvalidSampleException(file, "cannot read file: " + e, e);
        }
    }

    static Format sniff(Path file, byte[] b) throws InvalidSampleException {
        if (b.length >= 4 && b[0] == PNG_MAGIC[0] && b[1] == PNG_MAGIC[1] && b[2] == PNG_MAGIC[2]
                && b[3] == PNG_MAGIC[3]) {
            return Format.PNG;
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return Format.BMP;
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8
                && (b[2] & 0xFF) == 0xFF) {
            return Format.JPEG;
        }
        String what = b.length == 0 ? "an empty file" : "not a PNG, BMP or JPEG image";
        throw new InvalidSampleException(file, what + " (judged by its first bytes)");
    }

    private static BufferedImage read(Path file, byte[] bytes, Format format)
            throws InvalidSampleException {
        try (ImageInputStream in =
                new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidSampleException(file, "no ImageIO decoder for " + format);
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                reader.setInput(in, true, true);
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new InvalidSampleException(
                            file, "corrupt " + format + " image: " + warnings.get(0));
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (InvalidSampleException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO reports damaged data as IIOException, or as runtime exceptions from
            // deep inside its readers (index and argument errors on truncated streams).
            throw new InvalidSampleException(file,
                    "cannot decode " + format + " image (corrupt or unsupported): " + e, e);
        }
    }

    private static ByteImage toRgb(Path file, BufferedImage image, boolean pngGray)
            throws InvalidSampleException {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        byte[] out = new byte[w * h * 3];
        if (cm instanceof IndexColorModel icm) {
            fromPalette(raster, icm, out);
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK
                && raster.getNumBands() == 4) {
            fromCmyk(raster, out);
        } else if (!fastRgb(raster, out)) {
            fromSamples(file, raster, pngGray, out);
        }
        return ByteImage.wrap(w, h, 3, out);
    }

    private static void fromPalette(Raster raster, IndexColorModel icm, byte[] out) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int mapSize = icm.getMapSize();
        byte[] reds = new byte[mapSize];
        byte[] greens = new byte[mapSize];
        byte[] blues = new byte[mapSize];
        icm.getReds(reds);
        icm.getGreens(greens);
        icm.getBlues(blues);
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int i = row[x];
                int o = (y * w + x) * 3;
                // NOTE: an index past the palette reads as black, as in PIL's zero-padded one.
                if (i < mapSize) {
                    out[o] = reds[i];
                    out[o + 1] = greens[i];
                    out[o + 2] = blues[i];
                }
            }
        }
    }

    /**
     * PIL's {@code CMYK -> RGB}: {@code v = (255 - K) - C * (255 - K) / 255} per channel, the
     * product rounded as Pillow's {@code MULDIV255} does.
     */
    private static void fromCmyk(Raster raster, byte[] out) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int nk = 255 - px[4 * x + 3];
                for (int c = 0; c < 3; c++) {
                    int t = px[4 * x + c] * nk + 128;
                    int v = nk - (((t >> 8) + t) >> 8);
                    out[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
    }

    /** Copies 8-bit interleaved RGB or BGR(A) byte rasters directly; false when not such. */
    private static boolean fastRgb(Raster raster, byte[] out) {
        if (raster.getDataBuffer().getDataType() != DataBuffer.TYPE_BYTE
                || !(raster.getSampleModel() instanceof PixelInterleavedSampleModel sm)
                || raster.getNumBands() < 3 || raster.getNumBands() > 4
                || raster.getParent() != null || raster.getDataBuffer().getNumBanks() != 1) {
            return false;
        }
        int[] offsets = sm.getBandOffsets();
        int pixelStride = sm.getPixelStride();
        int rowStride = sm.getScanlineStride();
        byte[] data = ((DataBufferByte) raster.getDataBuffer()).getData();
        int base = raster.getDataBuffer().getOffset();
        int w = raster.getWidth();
        int h = raster.getHeight();
        int r = offsets[0];
        int g = offsets[1];
        int b = offsets[2];
        for (int y = 0; y < h; y++) {
            int in = base + y * rowStride;
            int o = y * w * 3;
            for (int x = 0; x < w; x++, in += pixelStride, o += 3) {
                out[o] = data[in + r];
                out[o + 1] = data[in + g];
                out[o + 2] = data[in + b];
            }
        }
        return true;
    }

    private static void fromSamples(Path file, Raster raster, boolean pngGray, byte[] out)
            throws InvalidSampleException {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        int[] bits = raster.getSampleModel().getSampleSize();
        if (bands < 1 || bands > 4) {
            throw new InvalidSampleException(file, "unsupported image with " + bands + " bands");
        }
        for (int b = 0; b < bands; b++) {
            if (bits[b] > 16) {
                throw new InvalidSampleException(
                        file, "unsupported image with " + bits[b] + "-bit samples");
            }
        }
        boolean gray = bands <= 2;
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = gray ? 0 : c;
            int depth = bits[band];
            int max = (1 << depth) - 1;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0; x < w; x++) {
                    int v = row[x];
                    int level;
                    if (depth == 8) {
                        level = v;
                    } else if (depth == 16) {
                        // NOTE: PIL opens 16-bit gray PNG as mode I and clips I -> RGB; the
                        // other 16-bit PNG modes unpack the high byte (see the class Javadoc).
                        level = pngGray ? Math.min(v, 255) : v >>> 8;
                    } else {
                        level = v * 255 / max;
                    }
                    out[(y * w + x) * 3 + c] = (byte) level;
                }
            }
        }
    }
}
