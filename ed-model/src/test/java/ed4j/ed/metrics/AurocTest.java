package ed4j.ed.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** AUROC against scikit-learn 1.2's roc_auc_score (fixtures) and a naive pair count. */
class AurocTest {

    /** The definition: pairs ranked right count 1, tied pairs 1/2, over all P*N pairs. */
    static double naive(double[] s, boolean[] y) {
        double good = 0;
        long pairs = 0;
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < s.length; j++) {
                if (y[i] && !y[j]) {
                    pairs++;
                    good += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
                }
            }
        }
        return good / pairs;
    }

    @Test
    void pixelAurocMatchesScikitLearn() {
        for (String set : new String[] {"a", "b"}) {
            int[] shape = MetricFixtures.shape("set." + set + ".maps");
            int plane = shape[1] * shape[2];
            float[] maps = MetricFixtures.floats("set." + set + ".maps");
            byte[] masks = MetricFixtures.bytes("set." + set + ".masks");
            Auroc byMask = new Auroc(maps.length);
            Auroc byFlag = new Auroc();
            for (int i = 0; i < shape[0]; i++) {
                byte[] m = MetricFixtures.plane(masks, i, plane);
                boolean[] flags = new boolean[plane];
                for (int k = 0; k < plane; k++) {
                    flags[k] = m[k] != 0;
                }
                byMask.add(MetricFixtures.plane(maps, i, plane), m);
                byFlag.add(MetricFixtures.plane(maps, i, plane), flags);
            }
            double expected = MetricFixtures.scalar("set." + set + ".pixel_auroc");
            double got = byMask.compute();
            System.out.printf("pixel AUROC set %s: %.17g vs sklearn %.17g, |diff| %.3g%n", set,
                    got, expected, Math.abs(got - expected));
            assertEquals(expected, got, 1e-12, "pixel AUROC of set " + set);
            assertEquals(got, byFlag.compute(), 0.0);
            assertEquals(maps.length, byMask.positives() + byMask.negatives());
        }
    }

    @Test
    void imageAurocMatchesScikitLearn() {
        for (String c : new String[] {"ties", "fine", "coarse", "f1tie", "signed_zero"}) {
            double expected = MetricFixtures.scalar("images." + c + ".auroc");
            double got = Auroc.of(MetricFixtures.doubles("images." + c + ".scores"),
                    MetricFixtures.flags("images." + c + ".labels"));
            System.out.printf("image AUROC %s: |diff| %.3g%n", c, Math.abs(got - expected));
            assertEquals(expected, got, 1e-12, "image AUROC of case " + c);
        }
        for (String set : new String[] {"a", "b"}) {
            // Image scores: the maxima of the blurred maps, float32 as SciPy returns them.
            double got = Auroc.of(MetricFixtures.doubles("set." + set + ".image_scores"),
                    MetricFixtures.flags("set." + set + ".image_labels"));
            assertEquals(MetricFixtures.scalar("set." + set + ".image_auroc"), got, 1e-12);
        }
    }

    @Test
    void equalsTheNaivePairCountExactly() {
        Random rng = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int n = 2 + rng.nextInt(300);
            double[] s = new double[n];
            boolean[] y = new boolean[n];
            float[] f = new float[n];
            for (int i = 0; i < n; i++) {
                s[i] = rng.nextInt(1 + trial * 3) - 5;
                f[i] = (float) s[i];
                y[i] = rng.nextBoolean();
            }
            y[0] = true;
            y[1] = false;
            double ref = naive(s, y);
            assertEquals(ref, Auroc.of(s, y), 0.0, "trial " + trial);
            Auroc acc = new Auroc();
            acc.add(f, y);
            assertEquals(ref, acc.compute(), 0.0, "trial " + trial);
        }
    }

    @Test
    void edgeCases() {
        boolean[] y = {true, false, true, false, false};
        assertEquals(0.5, Auroc.of(new double[] {3, 3, 3, 3, 3}, y), 0.0);
        assertEquals(1.0, Auroc.of(new double[] {9, 1, 8, 2, 0}, y), 0.0);
        assertEquals(0.0, Auroc.of(new double[] {0, 8, 1, 9, 7}, y), 0.0);
        // +0.0 and -0.0 tie, as in NumPy: both pairs are ties.
        assertEquals(0.5, Auroc.of(new double[] {0.0, -0.0}, new boolean[] {true, false}), 0.0);
        assertEquals(0.5, Auroc.of(new double[] {-0.0, 0.0}, new boolean[] {true, false}), 0.0);
        Auroc acc = new Auroc();
        acc.add(new float[] {-0.0f, 1f}, new boolean[] {true, false});
        acc.add(new float[] {0.0f}, new byte[] {0});
        // Positive -0 ties with normal +0 (1/2) and loses to 1 (0): (0.5 + 0) / 2.
        assertEquals(0.25, acc.compute(), 0.0);
    }

    @Test
    void refusesOneClassAndBadInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Auroc.of(new double[] {1, 2}, new boolean[] {true, true}));
        assertTrue(e.getMessage().contains("Only one class present"), e.getMessage());
        Auroc acc = new Auroc();
        acc.add(new float[] {1, 2}, new byte[] {0, 0});
        IllegalStateException s = assertThrows(IllegalStateException.class, acc::compute);
        assertTrue(s.getMessage().contains("0 anomalous and 2 normal"), s.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> acc.add(new float[] {Float.NaN}, new byte[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> acc.add(new float[] {1, 2}, new byte[] {1}));
        assertThrows(IllegalArgumentException.class,
                () -> Auroc.of(new double[] {1, Double.POSITIVE_INFINITY},
                        new boolean[] {true, false}));
    }

    @Test
    void accumulatesAfterComputing() {
        Random rng = new Random(5);
        Auroc twoSteps = new Auroc();
        Auroc oneStep = new Auroc();
        float[][] s = new float[4][500];
        boolean[][] y = new boolean[4][500];
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 500; i++) {
                y[k][i] = rng.nextInt(5) == 0;
                s[k][i] = Math.round((float) rng.nextGaussian() * 4 + (y[k][i] ? 2 : 0)) / 4f;
            }
        }
        for (int k = 0; k < 4; k++) {
            twoSteps.add(s[k], y[k]);
            if (k == 1) {
                twoSteps.compute();
            }
            oneStep.add(s[3 - k], y[3 - k]);
        }
        assertEquals(oneStep.compute(), twoSteps.compute(), 0.0);
    }
}
