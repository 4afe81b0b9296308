package ed4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ed4j.tensor.io.TensorBytes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated PyTorch checkpoints, both whole archives and their {@code data.pkl} alone, must be
 * read or rejected with an {@link IOException} naming the file: never an unchecked exception, an
 * {@link OutOfMemoryError}, a stack overflow or a hang. A successful read must also give a value
 * that recursive code can walk ({@code toString}). The time limit is only a hang guard.
 */
class PthFuzzTest {

    private static final String[] NO_TOKENS = {};

    @TempDir
    Path tmp;

    /** One archive's pickle and a storage source over its records, with exact size checks. */
    private record Seed(byte[] pickle, TorchPickle.StorageSource storages) {}

    private static Seed seed(String name) throws IOException {
        Map<String, byte[]> records = new HashMap<>();
        byte[] pickle = null;
        try (ZipFile zip = new ZipFile(Fixtures.path("pth/" + name).toFile())) {
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                byte[] content = zip.getInputStream(e).readAllBytes();
                if (e.getName().endsWith("/data.pkl")) {
                    pickle = content;
                } else if (e.getName().contains("/data/")) {
                    records.put(e.getName().substring(e.getName().lastIndexOf('/') + 1), content);
                }
            }
        }
        TorchPickle.StorageSource source = (key, type, numel) -> {
            byte[] b = records.get(key);
            if (b == null || b.length != (long) numel * type.byteSize()) {
                throw new IOException("mutant: storage '" + key + "' does not hold " + numel
                        + " elements");
            }
            return TensorBytes.read(new ByteArrayInputStream(b), type, ByteOrder.LITTLE_ENDIAN,
                    numel, true);
        };
        return new Seed(pickle, source);
    }

    @Test
    void mutatedPicklesFailCleanly() throws IOException {
        List<Seed> seeds = new ArrayList<>();
        for (String name : new String[] {"flat.pth", "module.pth", "nested.pth", "protocol4.pth"}) {
            seeds.add(seed(name));
        }
        String[] tokens = {"q", "h", "r", "j", "(", "t", "u", "s", "a", "e", "R", "b", "Q",
                "cos\nsystem\n", "ctorch\nFloatStorage\n", "ctorch\nLongStorage\n",
                "\u0094", "\u0093", "\u0085", "\u0086", "\u0087", ".", "N", "}", "]", ")",
                "J\u00ff\u00ff\u00ff\u007f", "K\u0000", "X\u00ff\u00ff\u00ff\u00ff"};
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Mutator m = new Mutator(0x7041L);
            for (int i = 0; i < 3000; i++) {
                Seed s = seeds.get(i % seeds.size());
                byte[] mutant = m.mutate(s.pickle(), s.pickle().length, tokens);
                try {
                    Object value = TorchPickle.load(mutant, s.storages(), "mutant");
                    value.toString();
                    outcome[0]++;
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith("mutant: "), e.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("pickle mutant " + i + " of seed " + (i % seeds.size()) + " threw " + t,
                            t);
                }
            }
        });
        assertTrue(outcome[0] > 50 && outcome[1] > 1000, "read/rejected " + outcome[0] + "/"
                + outcome[1]);
    }

    @Test
    void mutatedArchivesFailCleanly() {
        List<byte[]> seeds = List.of(Fixtures.bytes("pth/flat.pth"),
                Fixtures.bytes("pth/module.pth"), Fixtures.bytes("pth/bigendian.pth"));
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Mutator m = new Mutator(0xA4C1L);
            Path file = tmp.resolve("mutant.pth");
            for (int i = 0; i < 1000; i++) {
                byte[] seed = seeds.get(i % seeds.size());
                Files.write(file, m.mutate(seed, seed.length, NO_TOKENS));
                try {
                    PthReader.read(file).toString();
                    outcome[0]++;
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("archive mutant " + i + " threw " + t, t);
                }
            }
        });
        assertTrue(outcome[0] > 50 && outcome[1] > 300, "read/rejected " + outcome[0] + "/"
                + outcome[1]);
    }
}
