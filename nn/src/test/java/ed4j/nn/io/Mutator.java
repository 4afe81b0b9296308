package ed4j.nn.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded mutations of valid files for the fuzz tests, as in the tensor module's tests: bit
 * flips, byte overwrites, truncations, inserted and deleted runs, huge little-endian length
 * fields, and text replacements inside a header region.
 */
final class Mutator {

    private static final long[] HUGE = {0xffL, 0xffffL, 0x7fffffffL, 0xffffffffL,
            0x7fffffffffffffffL, -1L, 1L << 31, 1L << 32, 1L << 40, 100_000_001L};

    private final SplittableRandom rnd;

    Mutator(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    /**
     * One mutant of {@code seed}; {@code headerEnd} bounds the region where structural text
     * lives (the first bytes of the file), and {@code tokens} are strings worth splicing into it.
     */
    byte[] mutate(byte[] seed, int headerEnd, String[] tokens) {
        byte[] b = seed.clone();
        int kind = rnd.nextInt(8);
        int n = b.length;
        switch (kind) {
            case 0 -> {
                for (int i = 1 + rnd.nextInt(8); i > 0 && n > 0; i--) {
                    b[rnd.nextInt(n)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            case 1 -> {
                for (int i = 1 + rnd.nextInt(4); i > 0 && n > 0; i--) {
                    b[rnd.nextInt(n)] = (byte) rnd.nextInt(256);
                }
            }
            case 2 -> b = Arrays.copyOf(b, n == 0 ? 0 : rnd.nextInt(n));
            case 3 -> {
                int at = rnd.nextInt(n + 1);
                byte[] extra = new byte[1 + rnd.nextInt(16)];
                for (int i = 0; i < extra.length; i++) {
                    extra[i] = (byte) rnd.nextInt(256);
                }
                b = splice(b, at, 0, extra);
            }
            case 4 -> {
                if (n > 0) {
                    int at = rnd.nextInt(n);
                    b = splice(b, at, Math.min(n - at, 1 + rnd.nextInt(16)), new byte[0]);
                }
            }
            case 5 -> {
                // A huge or random number written over 2, 4 or 8 bytes near the start.
                int width = new int[] {2, 4, 8}[rnd.nextInt(3)];
                int limit = Math.min(n, Math.max(headerEnd, 16));
                if (limit >= width) {
                    int at = rnd.nextInt(limit - width + 1);
                    long v = rnd.nextBoolean() ? HUGE[rnd.nextInt(HUGE.length)] : rnd.nextLong();
                    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < width; i++) {
                        bb.put(at + i, (byte) (v >>> (8 * i)));
                    }
                }
            }
            case 6 -> {
                // Replace a run inside the header text with a token.
                int limit = Math.min(n, headerEnd);
                if (limit > 0 && tokens.length > 0) {
                    int at = rnd.nextInt(limit);
                    int del = Math.min(limit - at, rnd.nextInt(6));
                    byte[] tok = tokens[rnd.nextInt(tokens.length)]
                            .getBytes(StandardCharsets.UTF_8);
                    b = splice(b, at, del, tok);
                }
            }
            default -> {
                // Several mutations stacked.
                for (int i = 0; i < 3; i++) {
                    b = mutate(b, headerEnd, tokens);
                }
            }
        }
        return b;
    }

    static byte[] splice(byte[] b, int at, int delete, byte[] insert) {
        byte[] out = new byte[b.length - delete + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + delete, out, at + insert.length, b.length - at - delete);
        return out;
    }
}
