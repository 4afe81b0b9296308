package ed4j.ed.metrics;

/**
 * The image-score threshold that maximises F1, as scikit-learn 1.2's {@code
 * precision_recall_curve} followed by {@code thresholds[argmax(f1)]} (ED-SPEC section 5). An
 * image scoring {@code >= threshold} is predicted anomalous.
 *
 * <p>The candidate thresholds are the distinct scores. For each, with TP and FP the anomalous
 * and normal images scoring at least it and P the number of anomalous images:
 * <pre>
 * precision = TP / (TP + FP)        recall = TP / P
 * F1        = 2 * precision * recall / (precision + recall),   0 where precision + recall = 0
 * </pre>
 * evaluated in double in that order, so equal F1 values tie exactly as in NumPy. Of tied
 * maxima the lowest threshold wins ({@code argmax} takes the first one, and scikit-learn lists
 * thresholds ascending); the final point scikit-learn appends (precision 1, recall 0, no
 * threshold) has F1 0 and never wins. The threshold returned is the first score in input order
 * among those equal to the winner, which is the element scikit-learn returns (it matters only
 * for {@code -0.0} against {@code 0.0}).
 *
 * @param threshold the F1-maximising threshold, one of the scores
 * @param f1 the F1 there
 * @param precision the precision there
 * @param recall the recall there
 */
public record F1Threshold(double threshold, double f1, double precision, double recall) {

    /**
     * The F1-maximising threshold of image scores {@code scores} with labels {@code labels}
     * (true = anomalous).
     *
     * @throws IllegalArgumentException when the lengths differ, there are no scores, a score is
     *     not finite, or no image is anomalous
     */
    public static F1Threshold of(double[] scores, boolean[] labels) {
        if (scores.length != labels.length || scores.length == 0) {
            throw new IllegalArgumentException("F1Threshold.of: need one label per score and at"
                    + " least one score, got " + scores.length + " scores and " + labels.length
                    + " labels");
        }
        int np = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                throw new IllegalArgumentException("F1Threshold.of: score " + scores[i]
                        + " at index " + i + " is not finite");
            }
            np += labels[i] ? 1 : 0;
        }
        // NOTE: scikit-learn only warns without anomalous images (recall is then set to 1 and
        // F1 is 0 everywhere); a threshold chosen that way means nothing, so refuse.
        if (np == 0) {
            throw new IllegalArgumentException("F1Threshold.of: no anomalous image among "
                    + scores.length + "; F1 is undefined");
        }
        double[][] split = Auroc.splitSorted(scores, labels, np);
        double[] pos = split[0];
        double[] neg = split[1];
        int p = pos.length - 1;
        int n = neg.length - 1;
        long tp = 0;
        long fp = 0;
        double bestF1 = -1;
        double best = 0;
        double bestPrecision = 0;
        double bestRecall = 0;
        // Distinct scores from the highest down; '>=' lets a lower threshold win a tie.
        while (p >= 0 || n >= 0) {
            double t = p < 0 ? neg[n] : n < 0 ? pos[p] : Math.max(pos[p], neg[n]);
            while (p >= 0 && pos[p] == t) {
                tp++;
                p--;
            }
            while (n >= 0 && neg[n] == t) {
                fp++;
                n--;
            }
            double precision = (double) tp / (double) (tp + fp);
            double recall = (double) tp / (double) np;
            double sum = precision + recall;
            double f1 = sum == 0 ? 0 : 2 * precision * recall / sum;
            if (f1 >= bestF1) {
                bestF1 = f1;
                best = t;
                bestPrecision = precision;
                bestRecall = recall;
            }
        }
        return new F1Threshold(firstEqual(scores, best), bestF1, bestPrecision, bestRecall);
    }

    private static double firstEqual(double[] scores, double v) {
        for (double s : scores) {
            if (s == v) {
                return s;
            }
        }
        throw new AssertionError("threshold " + v + " is not among the scores");
    }
}
