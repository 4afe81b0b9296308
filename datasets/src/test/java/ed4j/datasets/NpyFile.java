package ed4j.datasets;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal test-only reader of NumPy {@code .npy} files (format 1.0/2.0, C order) holding
 * {@code uint8} or little-endian {@code float32} arrays: what the fixture script writes.
 */
final class NpyFile {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    final String descr;
    final int[] shape;
    private final ByteBuffer data;

    private NpyFile(String descr, int[] shape, ByteBuffer data) {
        this.descr = descr;
        this.shape = shape;
        this.data = data;
    }

    static NpyFile read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10 || (b[0] & 0xFF) != 0x93 || b[1] != 'N' || b[2] != 'U') {
            throw new IOException(file + ": not an .npy file");
        }
        int major = b[6];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xFFFF;
            headerStart = 10;
        } else {
            headerLen = bb.getInt(8);
            headerStart = 12;
        }
        String header = new String(b, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException(file + ": unreadable header " + header);
        }
        if (f.group(1).equals("True")) {
            throw new IOException(file + ": Fortran order is not supported");
        }
        int[] shape = Arrays.stream(s.group(1).split(","))
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .mapToInt(Integer::parseInt)
                .toArray();
        String descr = d.group(1);
        if (!descr.equals("|u1") && !descr.equals("<f4")) {
            throw new IOException(file + ": unsupported dtype " + descr);
        }
        ByteBuffer data = ByteBuffer.wrap(b, headerStart + headerLen, b.length - headerStart
                        - headerLen).slice().order(ByteOrder.LITTLE_ENDIAN);
        NpyFile npy = new NpyFile(descr, shape, data);
        int itemSize = descr.equals("|u1") ? 1 : 4;
        if ((long) npy.numel() * itemSize != data.remaining()) {
            throw new IOException(file + ": " + data.remaining() + " data bytes for shape "
                    + Arrays.toString(shape));
        }
        return npy;
    }

    int numel() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    byte[] bytes() {
        if (!descr.equals("|u1")) {
            throw new IllegalStateException("array is " + descr + ", not uint8");
        }
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    float[] floats() {
        if (!descr.equals("<f4")) {
            throw new IllegalStateException("array is " + descr + ", not float32");
        }
        float[] out = new float[numel()];
        data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }
}
