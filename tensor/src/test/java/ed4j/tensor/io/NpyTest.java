package ed4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fixtures come from tests/python/fixtures_weights.py (NumPy 1.24). */
class NpyTest {

    @TempDir
    Path tmp;

    static Path fixture(String name) {
        try {
            return Path.of(NpyTest.class.getResource("/fixtures/npy/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + name, e);
        }
    }

    /** arange(n) * scale + shift, the formula the fixture script uses. */
    static double[] base(int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * scale + shift;
        }
        return v;
    }

    private static void assertTensor(Tensor t, DType dtype, Shape shape, double[] values) {
        assertEquals(dtype, t.dtype());
        assertEquals(shape, t.shape());
        assertArrayEquals(values, t.toDoubleArray(), 0.0);
    }

    private static void assertLongs(Tensor t, Shape shape, long... values) {
        assertEquals(DType.INT64, t.dtype());
        assertEquals(shape, t.shape());
        assertArrayEquals(values, t.toLongArray());
    }

    @Test
    void readsFloatFilesInBothByteOrdersAndLayouts() throws IOException {
        double[] v24 = base(24, 0.25, -2.5);
        assertTensor(Npy.read(fixture("f4.npy")), DType.FLOAT32, Shape.of(2, 3, 4), v24);
        assertTensor(Npy.read(fixture("f4_be.npy")), DType.FLOAT32, Shape.of(2, 3, 4), v24);
        assertTensor(Npy.read(fixture("f8.npy")), DType.FLOAT64, Shape.of(2, 3, 4), v24);
        Tensor fortran = Npy.read(fixture("f8_fortran.npy"));
        assertTensor(fortran, DType.FLOAT64, Shape.of(2, 3, 4), v24);
        assertEquals(v24[1 * 12 + 2 * 4 + 3], fortran.get(1, 2, 3));
        assertTensor(Npy.read(fixture("f4_be_fortran.npy")), DType.FLOAT32, Shape.of(3, 5),
                base(15, 0.25, -2.5));
        assertTensor(Npy.read(fixture("f8_1d.npy")), DType.FLOAT64, Shape.of(5),
                base(5, 0.25, -2.5));
        assertTensor(Npy.read(fixture("v2.npy")), DType.FLOAT32, Shape.of(3),
                base(3, 0.25, -2.5));
        assertTensor(Npy.read(fixture("v3.npy")), DType.FLOAT64, Shape.of(2, 2),
                base(4, 0.25, -2.5));
    }

    @Test
    void readsHalfFloatsBitExactly() throws IOException {
        float[] expected = Npy.read(fixture("f2_as_f4.npy")).toFloatArray();
        for (String name : new String[] {"f2.npy", "f2_be.npy"}) {
            Tensor t = Npy.read(fixture(name));
            assertEquals(DType.FLOAT32, t.dtype());
            float[] got = t.toFloatArray();
            assertEquals(expected.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(Float.floatToRawIntBits(expected[i]),
                        Float.floatToRawIntBits(got[i]), name + " element " + i);
            }
        }
    }

    @Test
    void readsIntegerAndBooleanTypesAsInt64() throws IOException {
        long[] i24 = new long[24];
        for (int i = 0; i < 24; i++) {
            i24[i] = i - 7;
        }
        assertLongs(Npy.read(fixture("i8.npy")), Shape.of(2, 3, 4), i24);
        long[] extremes = {1L << 62, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1};
        assertLongs(Npy.read(fixture("i8_be.npy")), Shape.of(5), extremes);
        assertLongs(Npy.read(fixture("i8_extremes.npy")), Shape.of(5), extremes);
        long[] i32 = {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE};
        assertLongs(Npy.read(fixture("i4.npy")), Shape.of(4), i32);
        assertLongs(Npy.read(fixture("i4_be.npy")), Shape.of(4), i32);
        assertLongs(Npy.read(fixture("i2.npy")), Shape.of(2, 2), -32768, -1, 0, 32767);
        assertLongs(Npy.read(fixture("i2_be.npy")), Shape.of(2, 2), -32768, -1, 0, 32767);
        assertLongs(Npy.read(fixture("i1.npy")), Shape.of(4), -128, -1, 0, 127);
        assertLongs(Npy.read(fixture("u1.npy")), Shape.of(4), 0, 1, 128, 255);
        assertLongs(Npy.read(fixture("u2.npy")), Shape.of(3), 0, 1, 65535);
        assertLongs(Npy.read(fixture("u4.npy")), Shape.of(3), 0, 1, 4294967295L);
        assertLongs(Npy.read(fixture("b1.npy")), Shape.of(3), 1, 0, 1);
    }

    @Test
    void readsScalarsAndEmptyArrays() throws IOException {
        assertTensor(Npy.read(fixture("scalar_f8.npy")), DType.FLOAT64, Shape.scalar(),
                new double[] {3.25});
        assertLongs(Npy.read(fixture("scalar_i8.npy")), Shape.scalar(), -7);
        assertTensor(Npy.read(fixture("empty_f4.npy")), DType.FLOAT32, Shape.of(0, 3),
                new double[0]);
    }

    @Test
    void readsNpzInArchiveOrderStoredAndDeflated() throws IOException {
        for (String name : new String[] {"arrays.npz", "arrays_deflated.npz"}) {
            Map<String, Tensor> m = Npy.readNpz(fixture(name));
            assertEquals(List.of("zeta", "alpha", "mid"), List.copyOf(m.keySet()), name);
            assertTensor(m.get("zeta"), DType.FLOAT32, Shape.of(2, 3), base(6, 0.25, -2.5));
            assertLongs(m.get("alpha"), Shape.of(4), -2, -1, 0, 1);
            assertTensor(m.get("mid"), DType.FLOAT64, Shape.scalar(), new double[] {1.5});
        }
    }

    @Test
    void writesTheBytesNumpyWrites() throws IOException {
        Tensor f = Tensor.of(base(24, 0.25, -2.5), 2, 3, 4);
        long[] i24 = new long[24];
        for (int i = 0; i < 24; i++) {
            i24[i] = i - 7;
        }
        Map<String, Tensor> cases = Map.of(
                "f4.npy", f.to(DType.FLOAT32),
                "f8.npy", f,
                "i8.npy", Tensor.ofLongs(i24, 2, 3, 4),
                "f8_1d.npy", Tensor.of(base(5, 0.25, -2.5), 5),
                "scalar_f8.npy", Tensor.scalar(3.25, DType.FLOAT64),
                "scalar_i8.npy", Tensor.scalar(-7, DType.INT64),
                "empty_f4.npy", Tensor.zeros(Shape.of(0, 3), DType.FLOAT32));
        for (Map.Entry<String, Tensor> c : cases.entrySet()) {
            Path out = tmp.resolve(c.getKey());
            Npy.write(out, c.getValue());
            assertArrayEquals(Files.readAllBytes(fixture(c.getKey())), Files.readAllBytes(out),
                    c.getKey());
        }
    }

    @Test
    void roundTripsEveryDtypeShapeAndLayout() throws IOException {
        Generator gen = new Generator(3);
        List<Tensor> cases = List.of(
                Tensor.randn(gen, Shape.of(3, 5, 2), DType.FLOAT32),
                Tensor.randn(gen, Shape.of(7), DType.FLOAT64),
                Tensor.ofLongs(new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE}, 5),
                Tensor.scalar(-0.5, DType.FLOAT32),
                Tensor.scalar(1e300, DType.FLOAT64),
                Tensor.scalar(42, DType.INT64),
                Tensor.zeros(Shape.of(4, 0, 2), DType.FLOAT64),
                Tensor.zeros(Shape.of(0), DType.INT64),
                Tensor.of(new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE},
                        2, 2),
                // A transposed view is written in logical (row-major) order.
                Tensor.randn(gen, Shape.of(4, 6), DType.FLOAT32).transpose(0, 1));
        for (int i = 0; i < cases.size(); i++) {
            Tensor t = cases.get(i);
            Path out = tmp.resolve("case" + i + ".npy");
            Npy.write(out, t);
            Tensor back = Npy.read(out);
            assertEquals(t.dtype(), back.dtype(), "case " + i);
            assertEquals(t.shape(), back.shape(), "case " + i);
            if (t.dtype() == DType.INT64) {
                assertArrayEquals(t.toLongArray(), back.toLongArray(), "case " + i);
            } else {
                assertArrayEquals(t.toDoubleArray(), back.toDoubleArray(), 0.0, "case " + i);
            }
        }
    }

    @Test
    void largeArraysAreReadThroughMappedWindows() throws IOException {
        int n = 7 * (int) (TensorBytes.MAP_THRESHOLD_BYTES / 4 / 7 + 1000);
        Tensor t = Tensor.arange(n, DType.FLOAT32).reshape(n / 7, 7).mul(0.5);
        Path out = tmp.resolve("big.npy");
        Npy.write(out, t);
        Tensor back = Npy.read(out);
        assertEquals(t.shape(), back.shape());
        float[] v = back.toFloatArray();
        for (int i = 0; i < v.length; i += 9973) {
            assertEquals(i * 0.5f, v[i]);
        }
        assertEquals((v.length - 1) * 0.5f, v[v.length - 1]);
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path out = tmp.resolve("w.npy");
        Files.writeString(out, "old content");
        Npy.write(out, Tensor.ones(2, 2));
        assertArrayEquals(new float[] {1, 1, 1, 1}, Npy.read(out).toFloatArray());
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(out, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertArrayEquals(new float[] {1, 1, 1, 1}, Npy.read(out).toFloatArray());
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList());
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            // The written file gets the permissions of any new file, not a temp file's 0600.
            Path plain = Files.createFile(tmp.resolve("plain"));
            Path fresh = tmp.resolve("fresh.npy");
            Npy.write(fresh, Tensor.ones(1));
            assertEquals(Files.getPosixFilePermissions(plain),
                    Files.getPosixFilePermissions(fresh));
        }
    }

    private static String errorOf(byte[] content) {
        IOException e = assertThrows(IOException.class, () -> Npy.read(content, "bad.npy"));
        assertTrue(e.getMessage().startsWith("bad.npy: "), e.getMessage());
        return e.getMessage();
    }

    private static byte[] withHeader(String dict, int dataBytes) {
        byte[] valid = Npy.header(DType.FLOAT32, Shape.of(1));
        String text = dict + " ".repeat(Math.max(0, 54 - dict.length())) + "\n";
        byte[] h = text.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[10 + h.length + dataBytes];
        System.arraycopy(valid, 0, out, 0, 8);
        out[8] = (byte) h.length;
        out[9] = (byte) (h.length >> 8);
        System.arraycopy(h, 0, out, 10, h.length);
        return out;
    }

    @Test
    void malformedFilesGiveMessagesNamingTheProblem() throws IOException {
        byte[] good = Files.readAllBytes(fixture("f4.npy"));
        String m = errorOf(Arrays.copyOf(good, good.length - 3));
        assertTrue(m.contains("needs 96 bytes") && m.contains("93 bytes"), m);
        m = errorOf(Mutator.splice(good, good.length, 0, new byte[4]));
        assertTrue(m.contains("100 bytes follow"), m);
        assertTrue(errorOf(new byte[] {1, 2, 3}).contains("magic"));
        m = errorOf(withHeader("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8));
        assertTrue(m.contains("unsupported dtype '<c8'"), m);
        m = errorOf(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", 4));
        assertTrue(m.contains("trailing comma"), m);
        m = errorOf(withHeader("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}",
                4));
        assertTrue(m.contains("structured"), m);
        m = errorOf(withHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536),"
                + " }", 4));
        assertTrue(m.contains("more than 2^31-1 elements"), m);
        m = errorOf(withHeader("{'descr': '<f4', 'shape': (1,), }", 4));
        assertTrue(m.contains("lacks 'fortran_order'"), m);
        m = errorOf(withHeader("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 4));
        assertTrue(m.contains("True or False"), m);
        byte[] v2 = Files.readAllBytes(fixture("v2.npy"));
        v2[8] = (byte) 0xff;
        v2[9] = (byte) 0xff;
        v2[10] = (byte) 0xff;
        m = errorOf(v2);
        assertTrue(m.contains("header length 16777215 is over the limit of 65536"), m);
        byte[] v9 = good.clone();
        v9[6] = 9;
        assertTrue(errorOf(v9).contains("unsupported .npy format version 9.0"));
    }

    @Test
    void npzErrorsNameTheArchive() throws IOException {
        Path notZip = tmp.resolve("x.npz");
        Files.write(notZip, new byte[] {1, 2, 3, 4});
        IOException e = assertThrows(IOException.class, () -> Npy.readNpz(notZip));
        assertTrue(e.getMessage().startsWith(notZip.toString()), e.getMessage());
        Path other = tmp.resolve("other.npz");
        try (var zip = new ZipOutputStream(Files.newOutputStream(other))) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write("hello".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        e = assertThrows(IOException.class, () -> Npy.readNpz(other));
        assertTrue(e.getMessage().contains("readme.txt: not an .npy member"), e.getMessage());
    }

    static byte[] bytes(String fixtureName) {
        try {
            return Files.readAllBytes(fixture(fixtureName));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
