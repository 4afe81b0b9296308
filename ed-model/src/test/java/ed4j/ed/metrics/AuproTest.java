package ed4j.ed.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * AUPRO against the Python reference of tests/python/fixtures_metrics.py (the sorting-based
 * MVTec AD procedure, itself checked against a per-threshold computation) and hand-computed
 * curves.
 */
class AuproTest {

    @Test
    void matchesThePythonReference() {
        for (String set : new String[] {"a", "b"}) {
            int[] shape = MetricFixtures.shape("set." + set + ".maps");
            int plane = shape[1] * shape[2];
            float[] maps = MetricFixtures.floats("set." + set + ".maps");
            byte[] masks = MetricFixtures.bytes("set." + set + ".masks");
            Aupro forward = new Aupro();
            Aupro backward = new Aupro();
            for (int i = 0; i < shape[0]; i++) {
                int b = shape[0] - 1 - i;
                forward.add(MetricFixtures.plane(maps, i, plane),
                        MetricFixtures.plane(masks, i, plane), shape[1], shape[2]);
                backward.add(MetricFixtures.plane(maps, b, plane),
                        MetricFixtures.plane(masks, b, plane), shape[1], shape[2]);
            }
            double expected = MetricFixtures.scalar("set." + set + ".aupro");
            double got = forward.compute();
            System.out.printf("AUPRO set %s: %.17g vs reference %.17g, |diff| %.3g (%d regions)%n",
                    set, got, expected, Math.abs(got - expected), forward.regions());
            assertEquals(expected, got, 1e-6, "AUPRO of set " + set);
            assertEquals(got, backward.compute(), 1e-12, "image order");
        }
    }

    @Test
    void handComputedCurve() {
        // One region {0.9, 0.5}; normal pixels 0.8 0.1 0.2 0.3. Curve (FPR, PRO): (0, 0),
        // (0, 1/2), (1/4, 1/2), (1/4, 1), (1/2, 1), ... Area to 0.3: 1/4 * 1/2 + 0.05 * 1.
        Aupro a = new Aupro();
        a.add(new float[] {0.9f, 0.5f, 0.8f, 0.1f, 0.2f, 0.3f},
                new byte[] {1, 1, 0, 0, 0, 0}, 2, 3);
        assertEquals(0.175 / 0.3, a.compute(), 1e-12);
        // A normal image (empty mask) doubles the normal pixels: (0, 1/2), (1/8, 1/2),
        // (1/8, 1), (1/4, 1), (3/8, 1): area 1/16 + 1/8 + 0.05.
        a.add(new float[] {0.05f, 0.05f, 0.05f, 0.05f}, new byte[4], 1, 4);
        assertEquals(0.2375 / 0.3, a.compute(), 1e-12);
        assertEquals(1, a.regions());
        assertEquals(8, a.normalPixels());
    }

    @Test
    void regionsAreEightConnected() {
        // Anomalous (0,0) (0,1) and (1,2): one region of 3 under 8-connectivity (the corner of
        // (0,1) touches (1,2)), two regions of 2 and 1 under 4-connectivity.
        // Scores: (1,2) 0.9, (0,0) (0,1) 0.2; normal (0,2) 0.5, (1,0) 0.1, (1,1) 0.
        // 8-connected: (0, 1/3), (1/3, 1/3), ... -> area to 0.3 = 0.3 / 3 -> AUPRO 1/3
        // (4-connected it would be 1/2).
        Aupro a = new Aupro();
        a.add(new float[] {0.2f, 0.2f, 0.5f, 0.1f, 0f, 0.9f},
                new boolean[] {true, true, false, false, false, true}, 2, 3);
        assertEquals(1, a.regions());
        assertEquals(1.0 / 3.0, a.compute(), 1e-12);
    }

    @Test
    void withOneRegionAndLimitOneItIsThePixelAuroc() {
        // A single region makes PRO the true-positive rate, so the full area is the ROC area.
        Random rng = new Random(3);
        int h = 23;
        int w = 31;
        Aupro full = new Aupro(1.0);
        Auroc roc = new Auroc();
        for (int img = 0; img < 3; img++) {
            float[] s = new float[h * w];
            byte[] m = new byte[h * w];
            for (int i = 0; i < s.length; i++) {
                int y = i / w;
                int x = i % w;
                boolean in = img == 1 && y >= 5 && y < 12 && x >= 3 && x < 20;
                m[i] = (byte) (in ? 255 : 0);
                s[i] = Math.round((float) rng.nextGaussian() * 3 + (in ? 2 : 0)) / 3f;
            }
            full.add(s, m, h, w);
            roc.add(s, m);
        }
        assertEquals(1, full.regions());
        assertEquals(roc.compute(), full.compute(), 1e-12);
    }

    @Test
    void perfectAndConstantMaps() {
        byte[] mask = {0, 0, 1, 1, 0, 1};
        Aupro perfect = new Aupro();
        perfect.add(new float[] {0, 0, 5, 6, 1, 7}, mask, 2, 3);
        assertEquals(1.0, perfect.compute(), 1e-15);
        // All scores equal: one step from (0, 0) to (1, 1); the area to 0.3 is 0.3^2 / 2.
        Aupro flat = new Aupro();
        flat.add(new float[] {2, 2, 2, 2, 2, 2}, mask, 2, 3);
        assertEquals(0.15, flat.compute(), 1e-15);
    }

    @Test
    void refusesUndefinedCurvesAndBadInput() {
        Aupro a = new Aupro();
        a.add(new float[] {1, 2, 3, 4}, new byte[4], 2, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::compute);
        assertTrue(e.getMessage().contains("0 regions"), e.getMessage());
        Aupro b = new Aupro();
        b.add(new float[] {1, 2}, new byte[] {1, 1}, 1, 2);
        assertThrows(IllegalStateException.class, b::compute);
        assertThrows(IllegalArgumentException.class, () -> new Aupro(0.0));
        assertThrows(IllegalArgumentException.class, () -> new Aupro(1.5));
        assertThrows(IllegalArgumentException.class,
                () -> a.add(new float[] {1, Float.NaN}, new byte[2], 1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> a.add(new float[] {1, 2, 3}, new byte[3], 2, 2));
    }
}
