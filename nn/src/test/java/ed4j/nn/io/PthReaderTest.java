package ed4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.ElementType;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints written by torch 1.13's torch.save (see tests/python/fixtures_weights.py). */
class PthReaderTest {

    @TempDir
    Path tmp;

    private static DType engineType(String key) {
        return switch (key) {
            case "f64" -> DType.FLOAT64;
            case "i64", "i32", "i16", "i8", "u8", "bool", "y" -> DType.INT64;
            default -> key.endsWith("num_batches_tracked") ? DType.INT64 : DType.FLOAT32;
        };
    }

    private static void assertMatchesNpz(Map<String, Tensor> actual, String npz, String prefix)
            throws IOException {
        Map<String, Tensor> expected = Npy.readNpz(Fixtures.path("pth/" + npz));
        List<String> keys = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                String key = e.getKey().substring(prefix.length());
                keys.add(key);
                Fixtures.assertSameValues(key, e.getValue(), actual.get(key), engineType(key));
            }
        }
        assertEquals(keys, List.copyOf(actual.keySet()));
    }

    @Test
    void flatStateDictWithEveryDtypeViewsAndSharedStorage() throws IOException {
        Map<String, Tensor> sd = PthReader.readStateDict(Fixtures.path("pth/flat.pth"));
        assertMatchesNpz(sd, "flat_expected.npz", "");
        // The same dict pickled with protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL, ...).
        assertMatchesNpz(PthReader.readStateDict(Fixtures.path("pth/protocol4.pth")),
                "flat_expected.npz", "");
        assertEquals(Shape.of(4, 3), sd.get("transposed").shape());
        assertEquals(Shape.of(2, 2), sd.get("shared_block").shape());
        assertEquals(Shape.scalar(), sd.get("scalar").shape());
        assertEquals(Shape.of(0, 3), sd.get("empty").shape());
        // Half and bfloat16 storages hold PyTorch's rounding of the same source values.
        Fixtures.assertSameBits("f16", Npy.readNpz(Fixtures.path("pth/flat_expected.npz"))
                .get("f16").to(DType.FLOAT32).toFloatArray(), sd.get("f16").toFloatArray());
    }

    @Test
    void moduleStateDictKeepsItsMetadataAttribute() throws IOException {
        Path file = Fixtures.path("pth/module.pth");
        assertMatchesNpz(PthReader.readStateDict(file), "module_expected.npz", "");
        TorchPickle.Dict root = assertInstanceOf(TorchPickle.Dict.class, PthReader.read(file));
        Map<?, ?> meta = assertInstanceOf(Map.class, root.attributes().get("_metadata"));
        assertEquals(List.of("", "0", "1", "2", "3", "4"), List.copyOf(meta.keySet()));
        assertEquals(Map.of("version", 2L), meta.get("1"));
        assertEquals(Map.of("version", 1L), meta.get(""));
    }

    @Test
    void nestedCheckpointWithAListOfStateDictsAndPlainValues() throws IOException {
        Path file = Fixtures.path("pth/nested.pth");
        List<? extends Map<String, Tensor>> sds = PthReader.readStateDicts(file);
        assertEquals(2, sds.size());
        assertMatchesNpz(sds.get(0), "nested_expected.npz", "0/");
        assertMatchesNpz(sds.get(1), "nested_expected.npz", "1/");

        Map<?, ?> root = assertInstanceOf(Map.class, PthReader.read(file));
        assertEquals(3L, root.get("epoch"));
        Map<?, ?> config = assertInstanceOf(Map.class, root.get("config"));
        assertEquals(1e-4, config.get("lr"));
        assertEquals("ed", config.get("name"));
        assertEquals(List.of(1L, 2L), config.get("dims"));
        assertThrows(UnsupportedOperationException.class,
                () -> ((List<?>) config.get("dims")).clear());
        assertEquals(Boolean.TRUE, config.get("flag"));
        assertTrue(config.containsKey("none"));
        assertNull(config.get("none"));
        assertEquals(BigInteger.TWO.pow(70), config.get("big"));
        assertEquals(-5L, config.get("negative"));
        assertEquals(70000L, config.get("medium"));
        assertEquals("cpu", config.get("device"));
        assertEquals("cuda:1", config.get("cuda"));

        List<?> levels = assertInstanceOf(List.class, root.get("state_dict"));
        assertEquals(sds.get(1).keySet(), PthReader.toStateDict(levels.get(1)).keySet());
        IOException e = assertThrows(IOException.class, () -> PthReader.readStateDict(file));
        assertTrue(e.getMessage().contains("list of 2 values") && e.getMessage()
                .contains("readStateDicts"), e.getMessage());
    }

    @Test
    void wrappedAndBigEndianCheckpoints() throws IOException {
        Map<String, Tensor> model = PthReader.readStateDict(Fixtures.path("pth/wrapped_model.pth"));
        assertEquals(List.of("w"), List.copyOf(model.keySet()));
        assertArrayEquals(new float[] {1, 1, 1, 1}, model.get("w").toFloatArray());
        assertMatchesNpz(PthReader.readStateDict(Fixtures.path("pth/bigendian.pth")),
                "bigendian_expected.npz", "");
    }

    @Test
    void legacyAndForeignFilesAreRejectedWithAHint() throws IOException {
        Path legacy = Fixtures.path("pth/legacy.pth");
        IOException e = assertThrows(IOException.class, () -> PthReader.read(legacy));
        assertTrue(e.getMessage().startsWith(legacy.toString())
                && e.getMessage().contains("legacy") && e.getMessage().contains("re-save"),
                e.getMessage());
        Path npz = tmp.resolve("arrays.zip");
        Files.copy(Fixtures.path("pth/flat_expected.npz"), npz);
        e = assertThrows(IOException.class, () -> PthReader.read(npz));
        assertTrue(e.getMessage().contains("no <folder>/data.pkl"), e.getMessage());
        Path empty = tmp.resolve("empty.pth");
        Files.write(empty, new byte[0]);
        e = assertThrows(IOException.class, () -> PthReader.read(empty));
        assertTrue(e.getMessage().contains("the file is empty"), e.getMessage());
    }

    // ---- crafted pickles --------------------------------------------------------------------

    private static final TorchPickle.StorageSource FOUR_FLOATS = (key, type, numel) -> {
        if (type != ElementType.FLOAT32 || numel != 4) {
            throw new IOException("storage " + key + " holds 4 float32");
        }
        return new float[] {1, 2, 3, 4};
    };

    private static String loadError(byte[] pickle) {
        IOException e = assertThrows(IOException.class,
                () -> TorchPickle.load(pickle, FOUR_FLOATS, "crafted.pth"));
        assertTrue(e.getMessage().startsWith("crafted.pth: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void stridedViewsOfOneStorageBecomeContiguousCopies() throws IOException {
        byte[] p = new PickleBuilder().op('}').mark()
                .str("whole").tensor("FloatStorage", "0", 4, 0, new int[] {2, 2}, new int[] {2, 1})
                .str("t").tensor("FloatStorage", "0", 4, 0, new int[] {2, 2}, new int[] {1, 2})
                .str("tail").tensor("FloatStorage", "0", 4, 1, new int[] {3}, new int[] {1})
                .str("rep").tensor("FloatStorage", "0", 4, 3, new int[] {2, 3}, new int[] {0, 0})
                .op('u').stop();
        Map<String, Tensor> sd = PthReader.toStateDict(TorchPickle.load(p, FOUR_FLOATS, "x"));
        assertArrayEquals(new float[] {1, 2, 3, 4}, sd.get("whole").toFloatArray());
        assertArrayEquals(new float[] {1, 3, 2, 4}, sd.get("t").toFloatArray());
        assertArrayEquals(new float[] {2, 3, 4}, sd.get("tail").toFloatArray());
        assertArrayEquals(new float[] {4, 4, 4, 4, 4, 4}, sd.get("rep").toFloatArray());
        for (Tensor t : sd.values()) {
            assertTrue(t.isContiguous() && t.offset() == 0 && t.storage().size() == t.numel());
        }
        // Only the view covering the whole storage keeps it; the others are copies.
        assertTrue(sd.get("t").storage() != sd.get("whole").storage());
    }

    @Test
    void craftedPicklesAreRejectedWithTheReason() {
        String m = loadError(new PickleBuilder().global("os", "system").stop());
        assertTrue(m.contains("global 'os.system' is not allowed"), m);
        m = loadError(new PickleBuilder().op(0x8c, 8).op("builtins".getBytes()[0]).stop());
        assertTrue(m.contains("truncated"), m);
        m = loadError(new PickleBuilder().str("builtins").str("eval").op(0x93).stop());
        assertTrue(m.contains("global 'builtins.eval' is not allowed"), m);
        // l = []; l.append(l)
        m = loadError(new PickleBuilder().op(']', 'q', 0, 'h', 0, 'a').stop());
        assertTrue(m.contains("reference cycle"), m);
        PickleBuilder deep = new PickleBuilder();
        for (int i = 0; i <= TorchPickle.MAX_DEPTH; i++) {
            deep.op(']');
        }
        for (int i = 0; i < TorchPickle.MAX_DEPTH; i++) {
            deep.op('a');
        }
        m = loadError(deep.stop());
        assertTrue(m.contains("more than 100 deep"), m);
        PickleBuilder wide = new PickleBuilder();
        for (int i = 0; i <= TorchPickle.MAX_STACK; i++) {
            wide.op('N');
        }
        m = loadError(wide.stop());
        assertTrue(m.contains("stack deeper than"), m);
        m = loadError(new PickleBuilder().op('N', 'r', 0xff, 0xff, 0xff, 0xff).stop());
        assertTrue(m.contains("memo index 4294967295 exceeds the limit"), m);
        m = loadError(new PickleBuilder().op('h', 7).stop());
        assertTrue(m.contains("memo index 7 was never stored"), m);
        m = loadError(new PickleBuilder().op('}', ']', 'N', 's').stop());
        assertTrue(m.contains("dict key of type list is not supported"), m);
        m = loadError(new PickleBuilder().op('C', 1, 0).stop());
        assertTrue(m.contains("unsupported pickle opcode SHORT_BINBYTES"), m);
        m = loadError(new PickleBuilder().op('N', 'N').stop());
        assertTrue(m.contains("STOP leaves 1 values"), m);
        m = loadError(new PickleBuilder().op('N').op('.', 'N').op(new int[0]).stop());
        assertTrue(m.contains("follow STOP"), m);
        m = loadError(new PickleBuilder().global("torch", "FloatStorage").stop());
        assertTrue(m.contains("holds torch.FloatStorage itself"), m);
        // A zero-stride view of 2^30 elements over a 4-element storage.
        m = loadError(new PickleBuilder()
                .tensor("FloatStorage", "0", 4, 0, new int[] {1 << 30}, new int[] {0}).stop());
        assertTrue(m.contains("would copy 1073741824 elements out of 4 stored ones"), m);
        m = loadError(new PickleBuilder()
                .tensor("FloatStorage", "0", 4, 2, new int[] {3}, new int[] {1}).stop());
        assertTrue(m.contains("reaches outside storage '0' (FloatStorage) of 4 elements"), m);
        m = loadError(new PickleBuilder()
                .tensor("LongStorage", "0", 4, 0, new int[] {4}, new int[] {1}).stop());
        assertTrue(m.contains("storage 0 holds 4 float32"), m);
        m = loadError(new PickleBuilder().mark()
                .tensor("FloatStorage", "0", 4, 0, new int[] {4}, new int[] {1})
                .tensor("IntStorage", "0", 4, 0, new int[] {4}, new int[] {1}).tuple().stop());
        assertTrue(m.contains("used both as FloatStorage of 4 and as IntStorage of 4"), m);
    }
}
