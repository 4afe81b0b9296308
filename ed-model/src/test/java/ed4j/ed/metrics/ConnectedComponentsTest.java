package ed4j.ed.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Labels against scipy.ndimage.label(mask, np.ones((3, 3))) and hand-made masks. */
class ConnectedComponentsTest {

    @Test
    void matchesScipyLabels() {
        for (String set : new String[] {"a", "b"}) {
            int[] shape = MetricFixtures.shape("set." + set + ".masks");
            int plane = shape[1] * shape[2];
            byte[] masks = MetricFixtures.bytes("set." + set + ".masks");
            for (int i = 0; i < shape[0]; i++) {
                long[] expected = MetricFixtures.get("set." + set + ".regions" + i).toLongArray();
                int[] labels = new int[plane];
                int n = ConnectedComponents.label(MetricFixtures.plane(masks, i, plane),
                        shape[1], shape[2], labels);
                long max = 0;
                for (int k = 0; k < plane; k++) {
                    assertEquals(expected[k], labels[k], "set " + set + " image " + i
                            + " pixel " + k);
                    max = Math.max(max, expected[k]);
                }
                assertEquals(max, n);
            }
        }
    }

    @Test
    void cornersConnectEdgesOfTheMapDoNot() {
        boolean[] diagonal = {
            true, false, false, true,
            false, true, false, false,
            false, false, true, false,
        };
        int[] labels = new int[12];
        assertEquals(2, ConnectedComponents.label(diagonal, 3, 4, labels));
        // The diagonal is one region; the top-right pixel (no wrap-around to row 1) another.
        assertArrayEquals(new int[] {1, 0, 0, 2, 0, 1, 0, 0, 0, 0, 1, 0}, labels);
        assertEquals(0, ConnectedComponents.label(new byte[12], 3, 4, labels));
        assertArrayEquals(new int[12], labels);
        byte[] full = new byte[12];
        Arrays.fill(full, (byte) 255);
        assertEquals(1, ConnectedComponents.label(full, 3, 4, labels));
        // A U shape: the two arms meet only through the bottom row, numbered by first pixel.
        boolean[] u = {
            true, false, true,
            true, false, true,
            true, true, true,
        };
        int[] l9 = new int[9];
        assertEquals(1, ConnectedComponents.label(u, 3, 3, l9));
    }
}
