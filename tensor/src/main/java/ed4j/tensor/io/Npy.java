package ed4j.tensor.io;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * NumPy's {@code .npy} array files and {@code .npz} archives of them.
 *
 * <p>Reading accepts format versions 1.0, 2.0 and 3.0, C and Fortran order, 0-d and empty
 * arrays, little- and big-endian data, and the element types {@code f2 f4 f8 i1 i2 i4 i8 u1 u2
 * u4 b1}; they are converted as {@link ElementType} describes (float32 for floats up to 32 bits,
 * float64, int64 for integers and booleans). Writing produces version 1.0 files, byte for byte
 * as {@code numpy.save} of NumPy 1.24 does, in {@code <f4}, {@code <f8} or {@code <i8}.
 *
 * <p>Files are untrusted: the header is at most {@link #MAX_HEADER_BYTES} bytes and must be the
 * dictionary literal NumPy writes; the shape has at most {@link #MAX_RANK} dims and at most
 * 2^31-1 elements; and the data must fill the rest of the file (or zip member) exactly. Every
 * problem ends in an {@link IOException} whose message starts with the file name.
 */
public final class Npy {

    /** The longest header accepted (NumPy itself refuses headers over 10000 bytes). */
    public static final int MAX_HEADER_BYTES = 65536;

    /** The largest rank accepted (NumPy allows 32, NumPy 2 allows 64). */
    public static final int MAX_RANK = 64;

    /** The most members an {@code .npz} archive may hold. */
    public static final int MAX_NPZ_MEMBERS = 65536;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;

    private Npy() {}

    /** What an {@code .npy} header says about the array that follows it. */
    private record Header(ElementType type, ByteOrder order, boolean fortran, int[] shape,
            int numel, long dataStart) {

        long dataBytes() {
            return (long) numel * type.byteSize();
        }

        Tensor toTensor(Object data) {
            if (!fortran || shape.length < 2) {
                return TensorBytes.tensor(data, Shape.of(shape));
            }
            // Fortran order is row-major order of the reversed shape, then the dims reversed.
            int r = shape.length;
            int[] reversed = new int[r];
            int[] order = new int[r];
            for (int i = 0; i < r; i++) {
                reversed[i] = shape[r - 1 - i];
                order[i] = r - 1 - i;
            }
            return TensorBytes.tensor(data, Shape.of(reversed)).permute(order).contiguous();
        }
    }

    // =========================================================================================
    // Reading
    // =========================================================================================

    /**
     * Reads one {@code .npy} file.
     *
     * @throws IOException naming the file when it cannot be read or is not a well-formed array
     */
    public static Tensor read(Path file) throws IOException {
        String where = file.toString();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            Header h = readHeader(Channels.newInputStream(ch.position(0)), size, where);
            long available = size - h.dataStart();
            if (available != h.dataBytes()) {
                throw new IOException(where + ": " + describe(h) + " needs " + h.dataBytes()
                        + " bytes of data after the " + h.dataStart() + "-byte header, but the"
                        + " file has " + available + (available < h.dataBytes() ? " (truncated)"
                        : " (trailing bytes)"));
            }
            Object data = TensorBytes.read(ch, h.dataStart(), h.type(), h.order(), h.numel());
            return h.toTensor(data);
        } catch (EOFException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads an {@code .npy} file held in memory; {@code name} stands for the file in messages.
     *
     * @throws IOException naming {@code name} when the bytes are not a well-formed array
     */
    public static Tensor read(byte[] content, String name) throws IOException {
        try {
            return readStream(new ByteArrayInputStream(content), content.length, true, name);
        } catch (EOFException e) {
            throw new IOException(name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads every array of an {@code .npz} archive (stored or deflated members), keyed by member
     * name without the {@code .npy} suffix, in archive order.
     *
     * @throws IOException naming the file and member when the archive or an array is malformed
     */
    public static LinkedHashMap<String, Tensor> readNpz(Path file) throws IOException {
        String where = file.toString();
        long fileSize = Files.size(file);
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        ZipMembers.Budget budget = new ZipMembers.Budget(fileSize);
        try (ZipFile zip = ZipMembers.open(file, where)) {
            for (ZipEntry e : ZipMembers.entries(zip, MAX_NPZ_MEMBERS, where)) {
                String member = where + "!" + e.getName();
                if (e.isDirectory() || !e.getName().endsWith(".npy")) {
                    throw new IOException(member + ": not an .npy member");
                }
                String key = e.getName().substring(0, e.getName().length() - 4);
                if (out.containsKey(key)) {
                    throw new IOException(member + ": duplicate member '" + key + "'");
                }
                long size = budget.charge(e, member);
                try (InputStream in = ZipMembers.stream(zip, e, member)) {
                    out.put(key, readStream(in, size, e.getMethod() == ZipEntry.STORED, member));
                }
            }
        } catch (EOFException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // Errors of the inflater name no file.
            throw e.getMessage() != null && e.getMessage().startsWith(where) ? e
                    : new IOException(where + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Reads an array of {@code size} bytes; {@code backed} as in {@link TensorBytes#read}. */
    private static Tensor readStream(InputStream in, long size, boolean backed, String where)
            throws IOException {
        Header h = readHeader(in, size, where);
        if (size - h.dataStart() != h.dataBytes()) {
            throw new IOException(where + ": " + describe(h) + " needs " + h.dataBytes()
                    + " bytes of data, but " + (size - h.dataStart())
                    + " bytes follow the header");
        }
        Object data = TensorBytes.read(in, h.type(), h.order(), h.numel(), backed);
        if (in.read() >= 0) {
            throw new IOException(where + ": member continues after " + size + " bytes");
        }
        return h.toTensor(data);
    }

    private static Header readHeader(InputStream in, long size, String where) throws IOException {
        byte[] pre = new byte[8];
        if (in.readNBytes(pre, 0, 8) != 8 || !startsWithMagic(pre)) {
            throw new IOException(where + ": not an .npy file (missing the \\x93NUMPY magic)");
        }
        int major = pre[6] & 0xff;
        int minor = pre[7] & 0xff;
        int lenBytes = major == 1 ? 2 : 4;
        if (minor != 0 || major < 1 || major > 3) {
            throw new IOException(where + ": unsupported .npy format version " + major + "."
                    + minor + " (supported: 1.0, 2.0, 3.0)");
        }
        byte[] lenField = new byte[lenBytes];
        if (in.readNBytes(lenField, 0, lenBytes) != lenBytes) {
            throw new IOException(where + ": truncated .npy header");
        }
        ByteBuffer lb = ByteBuffer.wrap(lenField).order(ByteOrder.LITTLE_ENDIAN);
        long headerLen = lenBytes == 2 ? lb.getShort() & 0xffff : lb.getInt() & 0xffffffffL;
        long dataStart = 8 + lenBytes + headerLen;
        if (headerLen > MAX_HEADER_BYTES || dataStart > size) {
            throw new IOException(where + ": header length " + headerLen + " is "
                    + (headerLen > MAX_HEADER_BYTES ? "over the limit of " + MAX_HEADER_BYTES
                            : "past the end of the data (" + size + " bytes)"));
        }
        byte[] text = new byte[(int) headerLen];
        if (in.readNBytes(text, 0, text.length) != text.length) {
            throw new IOException(where + ": truncated .npy header");
        }
        String header = new String(text,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return HeaderParser.parse(header, dataStart, where);
    }

    private static boolean startsWithMagic(byte[] b) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(Header h) {
        return "array of shape " + Shape.of(h.shape()) + " and type " + h.type();
    }

    /**
     * Parses the header: the Python literal {@code {'descr': '<f4', 'fortran_order': False,
     * 'shape': (2, 3), }} followed by whitespace. Only that grammar is accepted.
     */
    private static final class HeaderParser {
        private final String s;
        private final String where;
        private int pos;

        private HeaderParser(String s, String where) {
            this.s = s;
            this.where = where;
        }

        static Header parse(String text, long dataStart, String where) throws IOException {
            HeaderParser p = new HeaderParser(text, where);
            String descr = null;
            Boolean fortran = null;
            int[] shape = null;
            p.skipSpace();
            p.expect('{');
            while (true) {
                p.skipSpace();
                if (p.peek() == '}') {
                    p.pos++;
                    break;
                }
                String key = p.string();
                p.skipSpace();
                p.expect(':');
                p.skipSpace();
                switch (key) {
                    case "descr" -> {
                        if (descr != null) {
                            throw p.error("duplicate key 'descr'");
                        }
                        if (p.peek() == '[') {
                            throw p.error("structured dtypes are not supported");
                        }
                        descr = p.string();
                    }
                    case "fortran_order" -> {
                        if (fortran != null) {
                            throw p.error("duplicate key 'fortran_order'");
                        }
                        fortran = p.bool();
                    }
                    case "shape" -> {
                        if (shape != null) {
                            throw p.error("duplicate key 'shape'");
                        }
                        shape = p.shape();
                    }
                    default -> throw p.error("unexpected key '" + key + "'");
                }
                p.skipSpace();
                if (p.peek() == ',') {
                    p.pos++;
                } else if (p.peek() != '}') {
                    throw p.error("expected ',' or '}'");
                }
            }
            p.skipSpace();
            if (p.pos != text.length()) {
                throw p.error("unexpected text after the header dictionary");
            }
            if (descr == null || fortran == null || shape == null) {
                throw new IOException(where + ": header lacks "
                        + (descr == null ? "'descr'" : fortran == null ? "'fortran_order'"
                                : "'shape'"));
            }
            long numel = 1;
            for (int d : shape) {
                numel *= d;
                if (numel > Integer.MAX_VALUE) {
                    throw new IOException(where + ": shape " + p.shapeText(shape)
                            + " has more than 2^31-1 elements, the engine's limit");
                }
            }
            ElementType type = elementType(descr, where);
            ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN
                    : ByteOrder.LITTLE_ENDIAN;
            return new Header(type, order, fortran, shape, (int) numel, dataStart);
        }

        private static ElementType elementType(String descr, String where) throws IOException {
            ElementType t = descr.length() != 3 ? null : switch (descr.substring(1)) {
                case "f2" -> ElementType.FLOAT16;
                case "f4" -> ElementType.FLOAT32;
                case "f8" -> ElementType.FLOAT64;
                case "i1" -> ElementType.INT8;
                case "i2" -> ElementType.INT16;
                case "i4" -> ElementType.INT32;
                case "i8" -> ElementType.INT64;
                case "u1" -> ElementType.UINT8;
                case "u2" -> ElementType.UINT16;
                case "u4" -> ElementType.UINT32;
                case "b1" -> ElementType.BOOL;
                default -> null;
            };
            char o = descr.isEmpty() ? '?' : descr.charAt(0);
            boolean orderOk = o == '<' || o == '>' || (o == '|' && t != null && t.byteSize() == 1);
            if (t == null || !orderOk) {
                throw new IOException(where + ": unsupported dtype '" + descr + "' (supported:"
                        + " f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 b1 with byte order '<' or '>',"
                        + " or '|' for one-byte types)");
            }
            return t;
        }

        private char peek() throws IOException {
            if (pos >= s.length()) {
                throw error("header ends early");
            }
            return s.charAt(pos);
        }

        private void expect(char c) throws IOException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        private String string() throws IOException {
            char q = peek();
            if (q != '\'' && q != '"') {
                throw error("expected a quoted string");
            }
            int end = s.indexOf(q, pos + 1);
            if (end < 0 || s.substring(pos + 1, end).indexOf('\\') >= 0 || end - pos > 256) {
                throw error("malformed string");
            }
            String v = s.substring(pos + 1, end);
            pos = end + 1;
            return v;
        }

        private boolean bool() throws IOException {
            if (s.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw error("expected True or False");
        }

        private int[] shape() throws IOException {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                if (dims.size() == MAX_RANK) {
                    throw error("more than " + MAX_RANK + " dims");
                }
                dims.add(dim());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != ')') {
                    throw error("expected ',' or ')' in the shape");
                } else if (dims.size() == 1) {
                    throw error("a one-element shape needs a trailing comma");
                }
            }
            int[] out = new int[dims.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = dims.get(i);
            }
            return out;
        }

        private int dim() throws IOException {
            int start = pos;
            long v = 0;
            while (pos < s.length() && Character.isDigit(s.charAt(pos))
                    && s.charAt(pos) < 128) {
                v = v * 10 + (s.charAt(pos) - '0');
                if (v > Integer.MAX_VALUE) {
                    throw error("dimension too large");
                }
                pos++;
            }
            if (pos == start) {
                throw error("expected a non-negative integer in the shape");
            }
            if (pos < s.length() && s.charAt(pos) == 'L') {
                pos++; // Python 2 long literal
            }
            return (int) v;
        }

        private String shapeText(int[] shape) {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                b.append(i > 0 ? ", " : "").append(shape[i]);
            }
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }

        private IOException error(String what) {
            int from = Math.max(0, pos - 20);
            int to = Math.min(s.length(), pos + 20);
            return new IOException(where + ": malformed .npy header at character " + pos + ": "
                    + what + " (near \"" + s.substring(from, to).replace("\n", "\\n") + "\")");
        }
    }

    // =========================================================================================
    // Writing
    // =========================================================================================

    /**
     * Writes {@code t} as a version 1.0 {@code .npy} file in C order: float32 as {@code <f4},
     * float64 as {@code <f8}, int64 as {@code <i8}. The file is replaced atomically.
     */
    public static void write(Path file, Tensor t) throws IOException {
        byte[] header = header(t.dtype(), t.shape());
        AtomicFiles.write(file, ch -> {
            ByteBuffer hb = ByteBuffer.wrap(header);
            while (hb.hasRemaining()) {
                ch.write(hb);
            }
            TensorBytes.write(ch, t, ElementType.of(t.dtype()), ByteOrder.LITTLE_ENDIAN);
        });
    }

    /** Magic, version 1.0, length and padded header text of an array, as NumPy 1.24 writes. */
    static byte[] header(DType dtype, Shape shape) {
        String descr = switch (dtype) {
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
            case INT64 -> "<i8";
        };
        int[] dims = shape.toArray();
        StringBuilder h = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < dims.length; i++) {
            h.append(i > 0 ? ", " : "").append(dims[i]);
        }
        h.append(dims.length == 1 ? ",), }" : "), }");
        // NumPy leaves room for the first dim to grow in place.
        if (dims.length > 0) {
            h.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(dims[0]).length()));
        }
        int pad = ALIGN - (MAGIC.length + 2 + 2 + h.length() + 1) % ALIGN;
        h.append(" ".repeat(pad)).append('\n');
        byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + text.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
        return b.array();
    }
}
