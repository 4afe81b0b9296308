package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.fail;

/** Agreement of two 8-bit sample arrays: count of equal samples, max difference, first miss. */
final class PixelStats {

    final String name;
    final int total;
    final int exact;
    final int maxDiff;
    final int firstBad;
    final String pairs;

    private PixelStats(String name, int total, int exact, int maxDiff, int firstBad,
            String pairs) {
        this.name = name;
        this.total = total;
        this.exact = exact;
        this.maxDiff = maxDiff;
        this.firstBad = firstBad;
        this.pairs = pairs;
    }

    static PixelStats compare(String name, byte[] expected, byte[] got) {
        if (expected.length != got.length) {
            fail(name + ": expected " + expected.length + " samples, got " + got.length);
        }
        int exact = 0;
        int maxDiff = 0;
        int firstBad = -1;
        StringBuilder pairs = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < expected.length; i++) {
            int d = Math.abs((expected[i] & 0xFF) - (got[i] & 0xFF));
            if (d == 0) {
                exact++;
                continue;
            }
            if (firstBad < 0) {
                firstBad = i;
            }
            if (shown < 5) {
                pairs.append(String.format(" [%d] pil=%d got=%d", i, expected[i] & 0xFF,
                        got[i] & 0xFF));
                shown++;
            }
            maxDiff = Math.max(maxDiff, d);
        }
        return new PixelStats(name, expected.length, exact, maxDiff, firstBad, pairs.toString());
    }

    double exactFraction() {
        return (double) exact / total;
    }

    void print() {
        System.out.printf("%-40s %7d samples, %.4f%% exact, max diff %d%n", name, total,
                100.0 * exactFraction(), maxDiff);
    }

    private String describe() {
        return name + ": " + (total - exact) + " of " + total + " samples differ, max diff "
                + maxDiff + ", first at " + firstBad + ";" + pairs;
    }

    void assertExact() {
        if (exact != total) {
            fail(describe());
        }
    }

    void assertWithinOneLevel(double minExactFraction) {
        if (maxDiff > 1 || exactFraction() < minExactFraction) {
            fail(describe());
        }
    }
}
