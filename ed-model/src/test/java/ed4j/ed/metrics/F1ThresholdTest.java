package ed4j.ed.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The F1 threshold against scikit-learn 1.2 (fixtures) and a per-threshold recount. */
class F1ThresholdTest {

    /** For each distinct score t from the lowest up, F1 counted from scratch; first max wins. */
    static double naive(double[] s, boolean[] y) {
        double[] sorted = s.clone();
        Arrays.sort(sorted);
        double bestF1 = -1;
        double best = Double.NaN;
        int positives = 0;
        for (boolean b : y) {
            positives += b ? 1 : 0;
        }
        for (int k = 0; k < sorted.length; k++) {
            if (k > 0 && sorted[k] == sorted[k - 1]) {
                continue;
            }
            double t = sorted[k];
            int tp = 0;
            int fp = 0;
            for (int i = 0; i < s.length; i++) {
                if (s[i] >= t) {
                    tp += y[i] ? 1 : 0;
                    fp += y[i] ? 0 : 1;
                }
            }
            double p = (double) tp / (tp + fp);
            double r = (double) tp / positives;
            double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
            if (f1 > bestF1) {
                bestF1 = f1;
                best = t;
            }
        }
        return best;
    }

    @Test
    void matchesScikitLearnExactly() {
        for (String c : new String[] {"ties", "fine", "coarse", "f1tie", "signed_zero"}) {
            double expected = MetricFixtures.scalar("images." + c + ".f1_threshold");
            F1Threshold got = F1Threshold.of(MetricFixtures.doubles("images." + c + ".scores"),
                    MetricFixtures.flags("images." + c + ".labels"));
            // assertEquals on doubles compares bits: -0.0 differs from 0.0.
            assertEquals(expected, got.threshold(), "F1 threshold of case " + c);
        }
        assertEquals(-0.0, F1Threshold.of(MetricFixtures.doubles("images.signed_zero.scores"),
                MetricFixtures.flags("images.signed_zero.labels")).threshold());
        for (String set : new String[] {"a", "b"}) {
            double[] scores = MetricFixtures.doubles("set." + set + ".image_scores");
            F1Threshold got = F1Threshold.of(scores,
                    MetricFixtures.flags("set." + set + ".image_labels"));
            assertEquals(MetricFixtures.scalar("set." + set + ".f1_threshold"), got.threshold());
        }
    }

    @Test
    void handComputedCases() {
        // Scores 4 3 2 1, anomalous 4 and 1: F1 is 2/3 at 4 (P 1, R 1/2) and at 1 (P 1/2, R 1);
        // the lower threshold wins the tie, as argmax over ascending thresholds does.
        F1Threshold t = F1Threshold.of(new double[] {4, 3, 2, 1},
                new boolean[] {true, false, false, true});
        assertEquals(1.0, t.threshold());
        assertEquals(2.0 / 3.0, t.f1(), 1e-15);
        assertEquals(0.5, t.precision());
        assertEquals(1.0, t.recall());
        // Perfect separation: the lowest anomalous score, F1 1.
        t = F1Threshold.of(new double[] {0.1, 0.9, 0.2, 0.7}, new boolean[] {false, true, false,
            true});
        assertEquals(0.7, t.threshold());
        assertEquals(1.0, t.f1());
        // All anomalous: recall 1 and precision 1 at the lowest score.
        assertEquals(-3.0, F1Threshold.of(new double[] {2, -3, 5}, new boolean[] {true, true,
            true}).threshold());
    }

    @Test
    void equalsTheNaiveRecount() {
        Random rng = new Random(17);
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + rng.nextInt(80);
            double[] s = new double[n];
            boolean[] y = new boolean[n];
            for (int i = 0; i < n; i++) {
                y[i] = rng.nextInt(3) == 0;
                s[i] = Math.round(rng.nextGaussian() * (1 + trial % 4) + (y[i] ? 1 : 0));
            }
            y[0] = true;
            assertEquals(naive(s, y), F1Threshold.of(s, y).threshold(), "trial " + trial);
        }
    }

    @Test
    void refusesNoAnomalousImageAndBadInput() {
        assertThrows(IllegalArgumentException.class,
                () -> F1Threshold.of(new double[] {1, 2}, new boolean[] {false, false}));
        assertThrows(IllegalArgumentException.class,
                () -> F1Threshold.of(new double[0], new boolean[0]));
        assertThrows(IllegalArgumentException.class,
                () -> F1Threshold.of(new double[] {1, Double.NaN}, new boolean[] {true, false}));
        assertThrows(IllegalArgumentException.class,
                () -> F1Threshold.of(new double[] {1}, new boolean[] {true, false}));
    }
}
