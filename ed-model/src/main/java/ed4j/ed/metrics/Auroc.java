package ed4j.ed.metrics;

import java.util.Arrays;

/**
 * Area under the ROC curve, exact and tie-aware, with the value of scikit-learn's {@code
 * roc_auc_score} (ED-SPEC section 5): pixel AUROC accumulated image by image, image AUROC from
 * one score per image.
 *
 * <p>With P anomalous (positive) and N normal (negative) samples, scikit-learn joins the ROC
 * points of the distinct scores by trapezoids, so tied scores form one diagonal segment. That
 * area equals the Mann-Whitney statistic with ties counted half:
 * <pre>
 * AUC = ( #{(p, n) : s_p > s_n} + 0.5 #{(p, n) : s_p == s_n} ) / (P N)
 *     = sum over distinct scores v of  P(v) (2 N(&lt;v) + N(v)) / (2 P N)
 * </pre>
 * where P(v), N(v) count the positives and negatives scoring v and N(&lt;v) the negatives
 * scoring below v. The numerator is counted exactly in a {@code long}; the one division is the
 * only rounding, so the result is the exact rational rounded to a double while P N stays below
 * 2^53 (about 1.3e8 pixels) and within a few ulps of scikit-learn's trapezoid sum.
 *
 * <p>Equal scores are those that compare equal ({@code -0.0 == 0.0}), as NumPy compares them.
 * Scores must be finite (scikit-learn refuses NaN and infinity too).
 *
 * <p>Memory: the accumulator keeps each score once, in one {@code float[]} per label: 4 bytes
 * per pixel (about 40 MB for 150 images of 256 x 256), briefly up to 2.5 times an array's
 * content while it grows (the normal array need not grow when the constructor is given the pixel
 * count). {@link #compute()} sorts those arrays in place with {@link Arrays#sort(float[], int,
 * int)}, which may borrow a work array of up to the same size for partly ordered input. No label
 * array is kept.
 */
public final class Auroc {

    private final Buffers.Floats positives;
    private final Buffers.Floats negatives;
    private boolean sorted = true;

    /** An empty accumulator for pixel AUROC. */
    public Auroc() {
        this(0);
    }

    /**
     * An empty accumulator whose normal-pixel array starts with room for {@code expectedPixels}
     * pixels (normal pixels are most of a test set; the anomalous ones grow as needed).
     */
    public Auroc(int expectedPixels) {
        if (expectedPixels < 0) {
            throw new IllegalArgumentException("Auroc: expected pixel count must not be negative,"
                    + " got " + expectedPixels);
        }
        this.positives = new Buffers.Floats("Auroc positives", 0);
        this.negatives = new Buffers.Floats("Auroc negatives", expectedPixels);
    }

    /**
     * Adds one image: {@code scores[i]} is the anomaly score of pixel i and {@code labels[i]}
     * whether it is anomalous. Any layout works as long as both arrays use the same one.
     *
     * @throws IllegalArgumentException when the lengths differ or a score is not finite
     */
    public void add(float[] scores, boolean[] labels) {
        checkLengths(scores.length, labels.length);
        for (int i = 0; i < scores.length; i++) {
            put(scores[i], labels[i], i);
        }
    }

    /**
     * Adds one image with a ground-truth mask: a nonzero {@code mask[i]} (MVTec masks use 255)
     * marks pixel i anomalous.
     *
     * @throws IllegalArgumentException when the lengths differ or a score is not finite
     */
    public void add(float[] scores, byte[] mask) {
        checkLengths(scores.length, mask.length);
        for (int i = 0; i < scores.length; i++) {
            put(scores[i], mask[i] != 0, i);
        }
    }

    private void checkLengths(int scores, int labels) {
        if (scores != labels) {
            throw new IllegalArgumentException("Auroc.add: " + scores + " scores but " + labels
                    + " labels; each pixel needs one of each");
        }
    }

    private void put(float s, boolean positive, int index) {
        if (!Float.isFinite(s)) {
            throw new IllegalArgumentException("Auroc.add: score " + s + " at index " + index
                    + " is not finite");
        }
        (positive ? positives : negatives).add(s);
        sorted = false;
    }

    /** Number of anomalous samples added. */
    public long positives() {
        return positives.size;
    }

    /** Number of normal samples added. */
    public long negatives() {
        return negatives.size;
    }

    /**
     * The AUROC of every sample added so far. More samples may be added afterwards.
     *
     * @throws IllegalStateException when only one class is present (as scikit-learn, which
     *     raises "Only one class present in y_true")
     */
    public double compute() {
        if (positives.size == 0 || negatives.size == 0) {
            throw new IllegalStateException(oneClass(positives.size, negatives.size));
        }
        if (!sorted) {
            positives.sort();
            negatives.sort();
            sorted = true;
        }
        float[] pos = positives.data;
        float[] neg = negatives.data;
        int np = positives.size;
        int nn = negatives.size;
        long twiceU = 0;
        int below = 0;
        int p = 0;
        while (p < np) {
            float v = pos[p];
            while (below < nn && neg[below] < v) {
                below++;
            }
            int equalEnd = below;
            while (equalEnd < nn && neg[equalEnd] == v) {
                equalEnd++;
            }
            int p2 = p;
            while (p2 < np && pos[p2] == v) {
                p2++;
            }
            twiceU += (long) (p2 - p) * (2L * below + (equalEnd - below));
            p = p2;
        }
        return twiceU / (2.0 * np * (double) nn);
    }

    /**
     * Image AUROC: {@code scores[i]} is image i's anomaly score, {@code labels[i]} whether it is
     * anomalous.
     *
     * @throws IllegalArgumentException when the lengths differ, a score is not finite, or only
     *     one class is present
     */
    public static double of(double[] scores, boolean[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException("Auroc.of: " + scores.length + " scores but "
                    + labels.length + " labels; each image needs one of each");
        }
        int np = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("Auroc.of: score " + scores[i] + " at index "
                        + i + " is not finite");
            }
            np += labels[i] ? 1 : 0;
        }
        int nn = scores.length - np;
        if (np == 0 || nn == 0) {
            throw new IllegalArgumentException(oneClass(np, nn));
        }
        double[][] split = splitSorted(scores, labels, np);
        double[] pos = split[0];
        double[] neg = split[1];
        long twiceU = 0;
        int below = 0;
        int p = 0;
        while (p < np) {
            double v = pos[p];
            while (below < nn && neg[below] < v) {
                below++;
            }
            int equalEnd = below;
            while (equalEnd < nn && neg[equalEnd] == v) {
                equalEnd++;
            }
            int p2 = p;
            while (p2 < np && pos[p2] == v) {
                p2++;
            }
            twiceU += (long) (p2 - p) * (2L * below + (equalEnd - below));
            p = p2;
        }
        return twiceU / (2.0 * np * (double) nn);
    }

    /** The positives' and the negatives' scores, each sorted ascending. */
    static double[][] splitSorted(double[] scores, boolean[] labels, int np) {
        double[] pos = new double[np];
        double[] neg = new double[scores.length - np];
        int a = 0;
        int b = 0;
        for (int i = 0; i < scores.length; i++) {
            if (labels[i]) {
                pos[a++] = scores[i];
            } else {
                neg[b++] = scores[i];
            }
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        return new double[][] {pos, neg};
    }

    private static String oneClass(long np, long nn) {
        return "Only one class present in y_true: " + np + " anomalous and " + nn
                + " normal samples; ROC AUC is not defined then";
    }
}
