package ed4j.nn.io;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.AtomicFiles;
import ed4j.tensor.io.ElementType;
import ed4j.tensor.io.TensorBytes;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
 * tensor name to {@code dtype}, {@code shape} and {@code data_offsets} (plus an optional
 * {@code __metadata__} map of strings), then the data of all tensors, little-endian, C order.
 *
 * <p>Reading: {@link #open} parses and validates the header only; {@link #get} then reads one
 * tensor, through a memory-mapped window for large tensors, so a file is never copied whole onto
 * the heap. F32, F16 and BF16 become float32, F64 float64, and I64, I32, I16, I8, U8, U16, U32
 * and BOOL int64; F8 and U64 tensors can be listed but not read. Writing ({@link #write}) stores
 * float32 as F32 (or F16/BF16 on request), float64 as F64 and int64 as I64, in the layout of the
 * reference implementation, and replaces the file atomically.
 *
 * <p>Files are untrusted. The header is at most {@link #MAX_HEADER_BYTES} bytes of strict JSON;
 * every tensor must have a known dtype, at most {@link #MAX_RANK} dims, and data offsets that
 * match its shape and dtype; together the tensors must cover the data exactly, without gaps or
 * overlaps, up to the end of the file. Any violation ends in an {@link IOException} whose message
 * names the file and the tensor.
 *
 * <p>LIMITATION: a file truncated by another process after {@link #open} can make reading a
 * mapped tensor fail with an {@link InternalError} instead of an {@link IOException}.
 */
public final class SafeTensors implements Closeable {

    /** The largest header accepted, as in the reference implementation (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The largest rank accepted. */
    public static final int MAX_RANK = 64;

    private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

    /** Element types of the format, in the reference implementation's order. */
    public enum Dtype {
        BOOL(1, ElementType.BOOL),
        U8(1, ElementType.UINT8),
        I8(1, ElementType.INT8),
        F8_E5M2(1, null),
        F8_E4M3(1, null),
        I16(2, ElementType.INT16),
        U16(2, ElementType.UINT16),
        F16(2, ElementType.FLOAT16),
        BF16(2, ElementType.BFLOAT16),
        I32(4, ElementType.INT32),
        U32(4, ElementType.UINT32),
        F32(4, ElementType.FLOAT32),
        F64(8, ElementType.FLOAT64),
        I64(8, ElementType.INT64),
        U64(8, null);

        private final int byteSize;
        private final ElementType elementType;

        Dtype(int byteSize, ElementType elementType) {
            this.byteSize = byteSize;
            this.elementType = elementType;
        }

        /** Bytes per element. */
        public int byteSize() {
            return byteSize;
        }

        /** True when tensors of this dtype can be read into the engine. */
        public boolean isReadable() {
            return elementType != null;
        }
    }

    /** Where one tensor lies in the file, as the header states it. */
    public static final class TensorInfo {
        private final String name;
        private final Dtype dtype;
        private final long[] shape;
        private final long begin;
        private final long end;

        TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }

        /** The tensor's name. */
        public String name() {
            return name;
        }

        /** The element type in the file. */
        public Dtype dtype() {
            return dtype;
        }

        /** The sizes of the dims (a copy). */
        public long[] shape() {
            return shape.clone();
        }

        /** Start of the data, in bytes from the end of the header. */
        public long begin() {
            return begin;
        }

        /** End (exclusive) of the data, in bytes from the end of the header. */
        public long end() {
            return end;
        }

        private String shapeText() {
            StringBuilder b = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                b.append(i > 0 ? ", " : "").append(shape[i]);
            }
            return b.append(shape.length == 1 ? ",)" : ")").toString();
        }

        @Override
        public String toString() {
            return "'" + name + "' " + dtype + " " + shapeText() + " data_offsets [" + begin
                    + ", " + end + "]";
        }
    }

    private final String where;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> infos;
    private final List<String> names;
    private final Map<String, String> metadata;

    private SafeTensors(String where, FileChannel channel, long dataStart,
            Map<String, TensorInfo> infos, Map<String, String> metadata) {
        this.where = where;
        this.channel = channel;
        this.dataStart = dataStart;
        this.infos = infos;
        List<String> sorted = new ArrayList<>(infos.keySet());
        sorted.sort(UTF8_ORDER);
        this.names = Collections.unmodifiableList(sorted);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    // =========================================================================================
    // Reading
    // =========================================================================================

    /**
     * Opens a file and validates its header; tensors are read later by {@link #get}.
     *
     * @throws IOException naming the file when it is not a valid safetensors file
     */
    public static SafeTensors open(Path file) throws IOException {
        String where = file.toString();
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            SafeTensors st = parse(where, ch);
            ch = null;
            return st;
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
    }

    /** Reads every tensor of a file, in the order of {@link #names()}. */
    public static LinkedHashMap<String, Tensor> readAll(Path file) throws IOException {
        try (SafeTensors st = open(file)) {
            LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
            for (String name : st.names()) {
                out.put(name, st.get(name));
            }
            return out;
        }
    }

    private static SafeTensors parse(String where, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new IOException(where + ": " + size + " bytes is too small for a safetensors"
                    + " file (the header length alone takes 8)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, where);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new IOException(where + ": header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw new IOException(where + ": header length " + n + " extends past the end of the"
                    + " file (" + size + " bytes)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        readFully(ch, headerBytes, 8, where);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new IOException(where + ": the header is not valid UTF-8", e);
        }
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonReader json = new JsonReader(text, where);
        boolean[] sawMetadata = new boolean[1];
        json.readObject(name -> {
            if (name.equals("__metadata__")) {
                if (sawMetadata[0]) {
                    throw new IOException(where + ": '__metadata__' appears twice in the header");
                }
                sawMetadata[0] = true;
                readMetadata(json, metadata, where);
            } else {
                if (infos.containsKey(name)) {
                    throw new IOException(where + ": tensor '" + name
                            + "' appears twice in the header");
                }
                infos.put(name, readInfo(json, name, where));
            }
        });
        json.end();
        validateLayout(infos, size - 8 - n, where);
        return new SafeTensors(where, ch, 8 + n, infos, metadata);
    }

    private static void readMetadata(JsonReader json, Map<String, String> metadata, String where)
            throws IOException {
        json.readObject(key -> {
            json.skipSpace();
            if (json.peek() != '"') {
                throw new IOException(where + ": __metadata__ value of '" + key
                        + "' is not a string (the format allows only strings)");
            }
            if (metadata.put(key, json.readString()) != null) {
                throw new IOException(where + ": __metadata__ key '" + key + "' appears twice");
            }
        });
    }

    private static TensorInfo readInfo(JsonReader json, String name, String where)
            throws IOException {
        String[] dtype = new String[1];
        long[][] shape = new long[1][];
        long[][] offsets = new long[1][];
        json.readObject(field -> {
            switch (field) {
                case "dtype" -> {
                    requireFirst(dtype[0], field, name, where);
                    dtype[0] = json.readString();
                }
                case "shape" -> {
                    requireFirst(shape[0], field, name, where);
                    shape[0] = json.readCountArray(MAX_RANK, "the shape of '" + name + "'");
                }
                case "data_offsets" -> {
                    requireFirst(offsets[0], field, name, where);
                    offsets[0] = json.readCountArray(2, "the data_offsets of '" + name + "'");
                }
                default -> json.skipValue(); // unknown fields are ignored, as the reference does
            }
        });
        if (dtype[0] == null || shape[0] == null || offsets[0] == null) {
            throw new IOException(where + ": tensor '" + name + "' lacks "
                    + (dtype[0] == null ? "dtype" : shape[0] == null ? "shape" : "data_offsets"));
        }
        if (offsets[0].length != 2) {
            throw new IOException(where + ": tensor '" + name + "' data_offsets must be [begin,"
                    + " end], got " + offsets[0].length + " numbers");
        }
        Dtype d;
        try {
            d = Dtype.valueOf(dtype[0]);
        } catch (IllegalArgumentException e) {
            throw new IOException(where + ": tensor '" + name + "' has unknown dtype '"
                    + dtype[0] + "' (known: " + Arrays.toString(Dtype.values()) + ")");
        }
        return new TensorInfo(name, d, shape[0], offsets[0][0], offsets[0][1]);
    }

    private static void requireFirst(Object seen, String field, String name, String where)
            throws IOException {
        if (seen != null) {
            throw new IOException(where + ": tensor '" + name + "' has '" + field + "' twice");
        }
    }

    /** Offsets must tile {@code [0, dataBytes)} exactly and match each shape and dtype. */
    private static void validateLayout(Map<String, TensorInfo> infos, long dataBytes,
            String where) throws IOException {
        List<TensorInfo> byOffset = new ArrayList<>(infos.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin)
                .thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            long bytes = byteCount(t, where);
            if (t.end < t.begin || t.end - t.begin != bytes) {
                throw new IOException(where + ": tensor '" + t.name + "' data_offsets ["
                        + t.begin + ", " + t.end + "] do not match shape " + t.shapeText()
                        + " of " + t.dtype + " (" + bytes + " bytes)");
            }
            if (t.begin != expected) {
                throw new IOException(where + ": tensor '" + t.name + "' data_offsets ["
                        + t.begin + ", " + t.end + "] " + (previous == null
                                ? "do not start at 0"
                                : "do not start where tensor '" + previous.name + "' ends ("
                                        + expected + ")")
                        + ": the tensors must cover the data without gaps or overlaps");
            }
            expected = t.end;
            previous = t;
        }
        if (expected != dataBytes) {
            throw new IOException(where + ": the tensors cover " + expected + " bytes but the"
                    + " file holds " + dataBytes + " bytes of data after the header");
        }
    }

    private static long byteCount(TensorInfo t, String where) throws IOException {
        try {
            long n = t.dtype.byteSize;
            for (long d : t.shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException e) {
            throw new IOException(where + ": tensor '" + t.name + "' shape " + t.shapeText()
                    + " overflows 64 bits");
        }
    }

    /** Tensor names, sorted by their UTF-8 bytes as the reference implementation lists them. */
    public List<String> names() {
        return names;
    }

    /** The {@code __metadata__} map of the header, in file order (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Where tensor {@code name} lies and what it holds.
     *
     * @throws IllegalArgumentException when the file has no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo t = infos.get(name);
        if (t == null) {
            throw new IllegalArgumentException(where + ": no tensor '" + name + "' (the file has "
                    + infos.size() + " tensors" + (infos.isEmpty() ? ")"
                            : ", for example '" + names.get(0) + "')"));
        }
        return t;
    }

    /**
     * Reads tensor {@code name} into a new contiguous CPU tensor.
     *
     * @throws IllegalArgumentException when the file has no such tensor
     * @throws IOException naming the file and tensor when its dtype cannot be read or it is too
     *     large for the engine
     */
    public Tensor get(String name) throws IOException {
        TensorInfo t = info(name);
        if (!t.dtype.isReadable()) {
            throw new IOException(where + ": tensor '" + name + "' has dtype " + t.dtype
                    + ", which the engine cannot hold");
        }
        int[] dims = new int[t.shape.length];
        long numel = 1;
        for (int i = 0; i < dims.length; i++) {
            numel *= t.shape[i];
            if (t.shape[i] > Integer.MAX_VALUE || numel > Integer.MAX_VALUE) {
                throw new IOException(where + ": tensor '" + name + "' of shape " + t.shapeText()
                        + " has more than 2^31-1 elements, the engine's limit");
            }
            dims[i] = (int) t.shape[i];
        }
        try {
            Object data = TensorBytes.read(channel, dataStart + t.begin, t.dtype.elementType,
                    ByteOrder.LITTLE_ENDIAN, (int) numel);
            return TensorBytes.tensor(data, Shape.of(dims));
        } catch (EOFException e) {
            throw new IOException(where + ": tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Closes the file. */
    @Override
    public void close() throws IOException {
        channel.close();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, String where)
            throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException(where + ": file ended while reading the header");
            }
        }
    }

    // =========================================================================================
    // Writing
    // =========================================================================================

    /** Writes tensors without metadata; see {@link #write(Path, Map, Map, Dtype)}. */
    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        write(file, tensors, Map.of(), Dtype.F32);
    }

    /** Writes tensors and metadata; see {@link #write(Path, Map, Map, Dtype)}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        write(file, tensors, metadata, Dtype.F32);
    }

    /**
     * Writes a safetensors file atomically: float32 tensors as {@code float32As} (F32, F16 or
     * BF16, rounding to nearest even), float64 as F64, int64 as I64. Tensors are laid out as the
     * reference implementation does (by descending dtype, then by name); the {@code
     * __metadata__} entry, written only when {@code metadata} is not empty, lists its keys
     * sorted.
     *
     * @throws IllegalArgumentException for the reserved name {@code __metadata__}, names or
     *     values that are not valid Unicode, or a {@code float32As} other than F32, F16, BF16
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata,
            Dtype float32As) throws IOException {
        if (float32As != Dtype.F32 && float32As != Dtype.F16 && float32As != Dtype.BF16) {
            throw new IllegalArgumentException(
                    "safetensors write: float32 tensors can be stored as F32, F16 or BF16, not "
                            + float32As);
        }
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(tensors.entrySet());
        List<Dtype> dtypes = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : entries) {
            checkUnicode(e.getKey(), "tensor name");
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException(
                        "safetensors write: '__metadata__' is reserved and cannot name a tensor");
            }
        }
        entries.sort(Comparator
                .comparing((Map.Entry<String, Tensor> e) -> storedAs(e.getValue(), float32As))
                .reversed()
                .thenComparing(Map.Entry::getKey, UTF8_ORDER));
        StringBuilder h = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            Map<String, String> sorted = new TreeMap<>(UTF8_ORDER);
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                checkUnicode(e.getKey(), "metadata key");
                checkUnicode(e.getValue(), "metadata value");
                sorted.put(e.getKey(), e.getValue());
            }
            h.append("\"__metadata__\":{");
            boolean first = true;
            for (Map.Entry<String, String> e : sorted.entrySet()) {
                h.append(first ? "" : ",");
                appendJsonString(h, e.getKey()).append(':');
                appendJsonString(h, e.getValue());
                first = false;
            }
            h.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : entries) {
            Dtype d = storedAs(e.getValue(), float32As);
            dtypes.add(d);
            long bytes = (long) e.getValue().numel() * d.byteSize;
            h.append(h.length() > 1 ? "," : "");
            appendJsonString(h, e.getKey()).append(":{\"dtype\":\"").append(d.name())
                    .append("\",\"shape\":[");
            int[] dims = e.getValue().shape().toArray();
            for (int i = 0; i < dims.length; i++) {
                h.append(i > 0 ? "," : "").append(dims[i]);
            }
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes)
                    .append("]}");
            offset += bytes;
        }
        h.append('}');
        byte[] text = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(text);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.write(file, ch -> {
            while (head.hasRemaining()) {
                ch.write(head);
            }
            for (int i = 0; i < entries.size(); i++) {
                TensorBytes.write(ch, entries.get(i).getValue(), dtypes.get(i).elementType,
                        ByteOrder.LITTLE_ENDIAN);
            }
        });
    }

    private static Dtype storedAs(Tensor t, Dtype float32As) {
        return switch (t.dtype()) {
            case FLOAT32 -> float32As;
            case FLOAT64 -> Dtype.F64;
            case INT64 -> Dtype.I64;
        };
    }

    private static void checkUnicode(String s, String what) {
        try {
            StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(
                    "safetensors write: " + what + " '" + s + "' is not valid Unicode");
        }
    }

    /** Appends {@code s} as a JSON string, escaping as serde_json does. */
    private static StringBuilder appendJsonString(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"');
    }
}
