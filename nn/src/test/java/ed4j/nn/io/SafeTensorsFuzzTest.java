package ed4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutated safetensors files must be read or rejected with an {@link IOException} naming the
 * file: never an unchecked exception, an {@link OutOfMemoryError} or a hang. The time limit is
 * only a generous hang guard.
 */
class SafeTensorsFuzzTest {

    private static final String[] TOKENS = {"\"", "{", "}", "[", "]", ",", ":", " ", "\\",
            "\\u", "\\ud800", "\\ud83d\\ude00", "18446744073709551615", "9223372036854775807",
            "-1", "1e5", "0", "00", "2.5", "\"F32\"", "\"F16\"", "\"BF16\"", "\"F8_E4M3\"",
            "\"U64\"", "\"I64\"", "\"__metadata__\"", "\"dtype\"", "\"shape\"",
            "\"data_offsets\"", "[4294967296,4294967296]", "[0,0]", "[]", "null", "true",
            "\u00ff", "\"\ud83d\ude00\"", "\u0000"};

    @TempDir
    Path tmp;

    @Test
    void mutatedFilesFailCleanly() {
        List<byte[]> seeds = List.of(Fixtures.bytes("safetensors/mixed.safetensors"),
                Fixtures.bytes("safetensors/order.safetensors"),
                Fixtures.bytes("safetensors/attn.safetensors"),
                Fixtures.bytes("safetensors/half_bf16.safetensors"),
                Fixtures.bytes("safetensors/metadata_only.safetensors"));
        int[] outcome = new int[2];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            Mutator m = new Mutator(0x5afeL);
            Path file = tmp.resolve("mutant.safetensors");
            for (int i = 0; i < 3000; i++) {
                byte[] seed = seeds.get(i % seeds.size());
                int headerEnd = 8 + (int) ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN)
                        .getLong(0);
                Files.write(file, m.mutate(seed, headerEnd, TOKENS));
                try (SafeTensors st = SafeTensors.open(file)) {
                    st.metadata().forEach((k, v) -> k.length());
                    for (String name : st.names()) {
                        try {
                            st.get(name).toString();
                        } catch (IOException e) {
                            assertTrue(e.getMessage().startsWith(file.toString()),
                                    e.getMessage());
                        }
                    }
                    outcome[0]++;
                } catch (IOException e) {
                    assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
                    outcome[1]++;
                } catch (Throwable t) {
                    fail("mutant " + i + " of seed " + (i % seeds.size()) + " threw " + t, t);
                }
            }
        });
        assertTrue(outcome[0] > 50 && outcome[1] > 1000, "opened/rejected " + outcome[0] + "/"
                + outcome[1]);
    }
}
