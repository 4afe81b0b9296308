package ed4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.HalfFloats;
import ed4j.tensor.io.TensorBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path tmp;

    @Test
    void readsEveryDtypeOfTheMixedFixture() throws IOException {
        try (SafeTensors st = SafeTensors.open(Fixtures.path("safetensors/mixed.safetensors"))) {
            assertEquals(List.of("empty", "flag", "h.bf16", "h.bf16.expected", "h.f16",
                    "h.f16.expected", "i32", "idx", "scalar", "u8", "w.f32", "w.f64"),
                    st.names());
            assertEquals(Map.of("format", "pt", "note", "\u00fcn\u00efcode \"quoted\"\n\ttab",
                    "empty", ""), st.metadata());
            assertEquals(List.of("empty", "format", "note"), List.copyOf(st.metadata().keySet()));

            Tensor f32 = st.get("w.f32");
            assertEquals(DType.FLOAT32, f32.dtype());
            assertEquals(Shape.of(2, 3), f32.shape());
            assertArrayEquals(Fixtures.base(6, 0.25, -2.5), f32.toDoubleArray(), 0.0);
            Tensor f64 = st.get("w.f64");
            assertEquals(DType.FLOAT64, f64.dtype());
            assertArrayEquals(Fixtures.base(3, 0.5, 1.0), f64.toDoubleArray(), 0.0);
            assertArrayEquals(new long[] {1L << 62, Long.MIN_VALUE, Long.MAX_VALUE, -1},
                    st.get("idx").toLongArray());
            assertEquals(Shape.of(2, 2), st.get("idx").shape());
            assertArrayEquals(new long[] {Integer.MIN_VALUE, 0, Integer.MAX_VALUE},
                    st.get("i32").toLongArray());
            assertArrayEquals(new long[] {0, 255}, st.get("u8").toLongArray());
            assertArrayEquals(new long[] {1, 0}, st.get("flag").toLongArray());
            Fixtures.assertSameBits("F16", st.get("h.f16.expected").toFloatArray(),
                    st.get("h.f16").toFloatArray());
            Fixtures.assertSameBits("BF16", st.get("h.bf16.expected").toFloatArray(),
                    st.get("h.bf16").toFloatArray());
            assertEquals(DType.FLOAT32, st.get("h.bf16").dtype());
            Tensor scalar = st.get("scalar");
            assertEquals(Shape.scalar(), scalar.shape());
            assertEquals(-1.75, scalar.item());
            assertEquals(Shape.of(0, 4), st.get("empty").shape());

            SafeTensors.TensorInfo info = st.info("w.f64");
            assertEquals(SafeTensors.Dtype.F64, info.dtype());
            assertArrayEquals(new long[] {3}, info.shape());
            assertEquals(24, info.end() - info.begin());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> st.get("nope"));
            assertTrue(e.getMessage().contains("no tensor 'nope'"), e.getMessage());
        }
    }

    @Test
    void writesTheReferenceLayoutByteForByte() throws IOException {
        Path out = tmp.resolve("attn.safetensors");
        SafeTensors.write(out, Map.of("attn.0", Tensor.arange(6, DType.FLOAT32).reshape(1, 2, 3)));
        assertArrayEquals(Fixtures.bytes("safetensors/attn.safetensors"), Files.readAllBytes(out));

        SafeTensors.write(out, Map.of(), Map.of("framework", "pt"));
        assertArrayEquals(Fixtures.bytes("safetensors/metadata_only.safetensors"),
                Files.readAllBytes(out));
        SafeTensors.write(out, Map.of());
        assertArrayEquals(Fixtures.bytes("safetensors/empty.safetensors"),
                Files.readAllBytes(out));

        // Sorted by descending dtype (I64, F64, F32), then by UTF-8 name: Z < a < b < é.
        Map<String, Tensor> order = new LinkedHashMap<>();
        order.put("b", Tensor.of(new float[] {1}, 1));
        order.put("a", Tensor.of(new float[] {2}, 1));
        order.put("c", Tensor.ofLongs(new long[] {3}, 1));
        order.put("d", Tensor.of(new double[] {4}, 1));
        order.put("\u00e9", Tensor.of(new float[] {5}, 1));
        order.put("Z", Tensor.of(new float[] {6}, 1));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("k2", "v2");
        meta.put("k1", "v1");
        SafeTensors.write(out, order, meta);
        assertArrayEquals(Fixtures.bytes("safetensors/order.safetensors"),
                Files.readAllBytes(out));
    }

    @Test
    void halfAndBfloat16WritesMatchPytorchRounding() throws IOException {
        Tensor src = SafeTensors.readAll(Fixtures.path("safetensors/half_src.safetensors"))
                .get("h");
        Path out = tmp.resolve("h.safetensors");
        SafeTensors.write(out, Map.of("h", src), Map.of(), SafeTensors.Dtype.F16);
        assertArrayEquals(Fixtures.bytes("safetensors/half_f16.safetensors"),
                Files.readAllBytes(out));
        SafeTensors.write(out, Map.of("h", src), Map.of(), SafeTensors.Dtype.BF16);
        assertArrayEquals(Fixtures.bytes("safetensors/half_bf16.safetensors"),
                Files.readAllBytes(out));
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(out, Map.of("h", src), Map.of(), SafeTensors.Dtype.I64));
    }

    @Test
    void roundTripsEveryWritableDtypeScalarsEmptyTensorsAndMetadata() throws IOException {
        Generator gen = new Generator(5);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("f32", Tensor.randn(gen, Shape.of(3, 4, 5), DType.FLOAT32));
        tensors.put("f64", Tensor.randn(gen, Shape.of(6), DType.FLOAT64));
        tensors.put("i64", Tensor.ofLongs(new long[] {Long.MIN_VALUE, 0, Long.MAX_VALUE}, 3));
        tensors.put("scalar", Tensor.scalar(0.125, DType.FLOAT32));
        tensors.put("scalar64", Tensor.scalar(-3, DType.INT64));
        tensors.put("empty", Tensor.zeros(Shape.of(2, 0), DType.FLOAT64));
        tensors.put("transposed", Tensor.randn(gen, Shape.of(3, 5), DType.FLOAT32).mT());
        Map<String, String> meta = Map.of("format", "pt", "quote\"\\", "line\nfeed\u0001",
                "\u4e2d\u6587", "\ud83d\ude00");
        Path out = tmp.resolve("rt.safetensors");
        SafeTensors.write(out, tensors, meta);
        try (SafeTensors st = SafeTensors.open(out)) {
            assertEquals(meta, st.metadata());
            assertEquals(List.of("empty", "f32", "f64", "i64", "scalar", "scalar64",
                    "transposed"), st.names());
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor back = st.get(e.getKey());
                Fixtures.assertSameValues(e.getKey(), e.getValue(), back, e.getValue().dtype());
            }
        }
        for (SafeTensors.Dtype d : new SafeTensors.Dtype[] {SafeTensors.Dtype.F16,
                SafeTensors.Dtype.BF16}) {
            Tensor x = tensors.get("f32");
            SafeTensors.write(out, Map.of("x", x, "s", tensors.get("scalar")), Map.of(), d);
            Map<String, Tensor> back = SafeTensors.readAll(out);
            float[] v = x.toFloatArray();
            float[] expected = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                expected[i] = d == SafeTensors.Dtype.F16
                        ? HalfFloats.halfToFloat(HalfFloats.floatToHalf(v[i]))
                        : HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(v[i]));
            }
            Fixtures.assertSameBits(d.name(), expected, back.get("x").toFloatArray());
            assertEquals(Shape.scalar(), back.get("s").shape());
        }
    }

    @Test
    void largeTensorsAreReadThroughMappedWindows() throws IOException {
        int n = (int) (TensorBytes.MAP_THRESHOLD_BYTES / 8) + 777;
        Tensor t = Tensor.arange(n, DType.FLOAT64);
        Path out = tmp.resolve("big.safetensors");
        SafeTensors.write(out, Map.of("big", t, "small", Tensor.ones(3)));
        Map<String, Tensor> back = SafeTensors.readAll(out);
        double[] v = back.get("big").toDoubleArray();
        assertEquals(n, v.length);
        for (int i = 0; i < n; i += 4099) {
            assertEquals(i, v[i]);
        }
        assertEquals(n - 1, v[n - 1]);
        assertArrayEquals(new float[] {1, 1, 1}, back.get("small").toFloatArray());
    }

    /** A file with {@code header} (padded to 8 bytes) followed by {@code dataBytes} zeros. */
    private Path craft(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        while (b.position() < 8 + padded) {
            b.put((byte) ' ');
        }
        Path p = tmp.resolve("model.safetensors");
        Files.write(p, b.array());
        return p;
    }

    private String openError(Path p) {
        IOException e = assertThrows(IOException.class, () -> SafeTensors.open(p).close());
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void invalidHeadersAreRejectedWithMessagesNamingFileAndTensor() throws IOException {
        String m = openError(craft("{\"conv1.weight\":{\"dtype\":\"F32\",\"shape\":[64,3,7,7],"
                + "\"data_offsets\":[0,100]}}", 100));
        assertTrue(m.endsWith("model.safetensors: tensor 'conv1.weight' data_offsets [0, 100]"
                + " do not match shape (64, 3, 7, 7) of F32 (37632 bytes)"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        assertTrue(m.contains("tensor 'b' data_offsets [4, 12] do not start where tensor 'a'"
                + " ends (8)"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                12));
        assertTrue(m.contains("do not start at 0"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                9));
        assertTrue(m.contains("the tensors cover 8 bytes but the file holds 9 bytes"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                4));
        assertTrue(m.contains("cover 8 bytes but the file holds 4"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"Q7\",\"shape\":[],\"data_offsets\":[0,0]}}", 0));
        assertTrue(m.contains("unknown dtype 'Q7'"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[4,8]}}", 8));
        assertTrue(m.contains("tensor 'a' appears twice"), m);
        m = openError(craft("{\"__metadata__\":{\"k\":1}}", 0));
        assertTrue(m.contains("__metadata__ value of 'k' is not a string"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,"
                + "4294967296],\"data_offsets\":[0,4]}}", 4));
        assertTrue(m.contains("overflows 64 bits"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4));
        assertTrue(m.contains("malformed JSON header"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],"
                + "\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                + "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}", 4));
        assertTrue(m.contains("nesting deeper than 64"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
                + " x", 4));
        assertTrue(m.contains("unexpected text after the JSON value"), m);
        m = openError(craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
                8));
        assertTrue(m.contains("data_offsets of 'a' has more than 2 entries"), m);

        Path huge = tmp.resolve("huge.safetensors");
        Files.write(huge, new byte[] {0, 0, 0, 0, 0, 0, 0, 0x40, '{', '}'});
        m = openError(huge);
        assertTrue(m.contains("header length 4611686018427387904 exceeds the limit"), m);
        Files.write(huge, new byte[] {(byte) 0xf0, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        assertTrue(openError(huge).contains("extends past the end of the file"));
        Files.write(huge, new byte[] {2, 0, 0, 0, 0, 0, 0, 0, (byte) 0xc3, (byte) 0x28});
        assertTrue(openError(huge).contains("not valid UTF-8"));
    }

    @Test
    void unreadableDtypesAreListedButNotRead() throws IOException {
        Path p = craft("{\"f8\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]},"
                + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[2,10]},"
                + "\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[10,14],"
                + "\"extra\":{\"ignored\":[1,2.5e-3,true,null,\"s\"]}}}", 14);
        try (SafeTensors st = SafeTensors.open(p)) {
            assertEquals(List.of("f8", "ok", "u64"), st.names());
            IOException e = assertThrows(IOException.class, () -> st.get("f8"));
            assertTrue(e.getMessage().contains("tensor 'f8' has dtype F8_E4M3, which the"
                    + " engine cannot hold"), e.getMessage());
            assertThrows(IOException.class, () -> st.get("u64"));
            assertArrayEquals(new float[] {0}, st.get("ok").toFloatArray());
        }
    }

    @Test
    void writeRejectsReservedAndInvalidNames() {
        Path out = tmp.resolve("x.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(out, Map.of("__metadata__", Tensor.ones(1))));
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(out, Map.of("bad\ud800", Tensor.ones(1))));
        assertTrue(Files.notExists(out));
    }
}
