package ed4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated {@code .npy} and {@code .npz} files must be read or rejected with an {@link
 * IOException} naming the file: never an unchecked index or array exception, never an {@link
 * OutOfMemoryError}, never a hang. The time limit only guards against hangs; it is generous.
 */
class NpyFuzzTest {

    private static final String[] TOKENS = {"'", "\"", "(", ")", ",", ":", "{", "}", " ", "\n",
            "2147483647", "99999999999", "-1", "0", "1,", "True", "False", "'descr'", "'shape'",
            "'fortran_order'", "'<f8'", "'>i2'", "'|b1'", "'<f2'", "(0,)", "()", "L", "\\",
            "\u00ff", "[", "(65536, 65536)", "(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)"};

    @TempDir
    Path tmp;

    @Test
    void mutatedNpyFilesFailCleanly() {
        List<byte[]> seeds = List.of(NpyTest.bytes("f4.npy"), NpyTest.bytes("f8_fortran.npy"),
                NpyTest.bytes("i2_be.npy"), NpyTest.bytes("scalar_f8.npy"),
                NpyTest.bytes("empty_f4.npy"), NpyTest.bytes("v3.npy"),
                NpyTest.bytes("f2.npy"), NpyTest.bytes("b1.npy"));
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Mutator m = new Mutator(0x5eedL);
            for (int i = 0; i < 3000; i++) {
                byte[] seed = seeds.get(i % seeds.size());
                byte[] mutant = m.mutate(seed, Math.min(seed.length, 128), TOKENS);
                String name = "mutant" + i + ".npy";
                try {
                    Npy.read(mutant, name);
                    outcome[0]++;
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("mutant " + i + " of seed " + (i % seeds.size()) + " threw " + t, t);
                }
            }
        });
        // Both outcomes occur, so the mutations reach past the first check.
        assertTrue(outcome[0] > 20 && outcome[1] > 1000, "read/rejected " + outcome[0] + "/"
                + outcome[1]);
    }

    @Test
    void mutatedNpzArchivesFailCleanly() {
        List<byte[]> seeds = List.of(NpyTest.bytes("arrays.npz"),
                NpyTest.bytes("arrays_deflated.npz"));
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Mutator m = new Mutator(0xC0FFEEL);
            Path file = tmp.resolve("mutant.npz");
            for (int i = 0; i < 1000; i++) {
                byte[] seed = seeds.get(i % seeds.size());
                Files.write(file, m.mutate(seed, seed.length, TOKENS));
                try {
                    Npy.readNpz(file);
                    outcome[0]++;
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("npz mutant " + i + " threw " + t, t);
                }
            }
        });
        assertTrue(outcome[0] > 50 && outcome[1] > 300, "read/rejected " + outcome[0] + "/"
                + outcome[1]);
    }
}
