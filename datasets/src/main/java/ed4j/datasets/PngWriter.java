package ed4j.datasets;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A small PNG encoder for 8-bit gray and RGB images: the {@code Sub} filter on every row and the
 * fastest deflate level. It writes the synthetic data sets several times faster than ImageIO's
 * encoder, and its bytes do not depend on the JDK version.
 */
final class PngWriter {

    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngWriter() {}

    /** Writes {@code image} (1 or 3 channels) to {@code file}. */
    static void write(ByteImage image, Path file) throws IOException {
        int c = image.channels();
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException(
                    "PngWriter: needs 1 or 3 channels, got " + c + " for " + file);
        }
        int w = image.width();
        int h = image.height();
        byte[] src = image.raw();
        int rowLen = w * c;
        byte[] filtered = new byte[h * (rowLen + 1)];
        for (int y = 0; y < h; y++) {
            int in = y * rowLen;
            int out = y * (rowLen + 1);
            filtered[out] = 1; // filter type Sub: each byte minus the byte one pixel left
            for (int i = 0; i < rowLen; i++) {
                int left = i >= c ? src[in + i - c] : 0;
                filtered[out + 1 + i] = (byte) (src[in + i] - left);
            }
        }
        Deflater deflater = new Deflater(Deflater.BEST_SPEED);
        ByteArrayOutputStream idat = new ByteArrayOutputStream(filtered.length / 2 + 64);
        try {
            deflater.setInput(filtered);
            deflater.finish();
            byte[] buf = new byte[1 << 16];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                idat.write(buf, 0, n);
            }
        } finally {
            deflater.end();
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream(13);
        DataOutputStream hd = new DataOutputStream(header);
        hd.writeInt(w);
        hd.writeInt(h);
        hd.writeByte(8); // bit depth
        hd.writeByte(c == 1 ? 0 : 2); // colour type: gray or RGB
        hd.writeByte(0); // deflate
        hd.writeByte(0); // adaptive filtering
        hd.writeByte(0); // no interlace
        try (OutputStream os = Files.newOutputStream(file)) {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os));
            out.write(SIGNATURE);
            chunk(out, "IHDR", header.toByteArray());
            chunk(out, "IDAT", idat.toByteArray());
            chunk(out, "IEND", new byte[0]);
            out.flush();
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeInt(data.length);
        out.write(t);
        out.write(data);
        out.writeInt((int) crc.getValue());
    }
}
