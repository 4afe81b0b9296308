package ed4j.tensor;

/**
 * Elementwise comparison of two tensors with {@code |actual - expected| <= atol + rtol *
 * |expected|}, reporting the shape check, the largest difference, the first element out of
 * tolerance and a few pairs. Used by tests and by the CUDA-against-CPU checks.
 */
public final class TensorCompare {

    private TensorCompare() {}

    /** The outcome of a comparison. */
    public record Result(boolean ok, double maxAbsDiff, int firstBad, String message) {}

    /** Compares values; NaN equals NaN, infinities must match exactly. */
    public static Result compare(Tensor actual, Tensor expected, double atol, double rtol) {
        if (!actual.shape().equals(expected.shape())) {
            return new Result(false, Double.POSITIVE_INFINITY, -1,
                    "shape mismatch: actual " + actual.shape() + ", expected " + expected.shape());
        }
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        double maxDiff = 0;
        int firstBad = -1;
        int bad = 0;
        for (int i = 0; i < a.length; i++) {
            boolean ok;
            double diff;
            if (Double.isNaN(a[i]) || Double.isNaN(e[i])) {
                ok = Double.isNaN(a[i]) && Double.isNaN(e[i]);
                diff = ok ? 0 : Double.POSITIVE_INFINITY;
            } else if (Double.isInfinite(a[i]) || Double.isInfinite(e[i])) {
                ok = a[i] == e[i];
                diff = ok ? 0 : Double.POSITIVE_INFINITY;
            } else {
                diff = Math.abs(a[i] - e[i]);
                ok = diff <= atol + rtol * Math.abs(e[i]);
            }
            maxDiff = Math.max(maxDiff, diff);
            if (!ok) {
                bad++;
                if (firstBad < 0) {
                    firstBad = i;
                }
            }
        }
        if (bad == 0) {
            return new Result(true, maxDiff, -1,
                    "OK shape " + actual.shape() + ", max abs diff " + maxDiff);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(bad).append(" of ").append(a.length).append(" elements out of tolerance (atol ")
                .append(atol).append(", rtol ").append(rtol).append("), shape ")
                .append(actual.shape()).append(", max abs diff ").append(maxDiff)
                .append(", first bad flat index ").append(firstBad).append(multiIndex(actual
                        .shape(), firstBad)).append("; pairs (actual vs expected):");
        for (int i = firstBad, shown = 0; i < a.length && shown < 5; i++) {
            double diff = Math.abs(a[i] - e[i]);
            if (!(diff <= atol + rtol * Math.abs(e[i]))) {
                sb.append(" [").append(i).append("] ").append(a[i]).append(" vs ").append(e[i]);
                shown++;
            }
        }
        return new Result(false, maxDiff, firstBad, sb.toString());
    }

    /**
     * Throws {@link AssertionError} with the comparison's report when the tensors differ.
     *
     * @param what names the compared quantity in the message
     */
    public static void assertClose(String what, Tensor actual, Tensor expected, double atol,
            double rtol) {
        Result r = compare(actual, expected, atol, rtol);
        if (!r.ok()) {
            throw new AssertionError(what + ": " + r.message());
        }
    }

    private static String multiIndex(Shape shape, int flat) {
        if (flat < 0 || shape.rank() == 0) {
            return "";
        }
        int[] idx = new int[shape.rank()];
        int rem = flat;
        for (int d = shape.rank() - 1; d >= 0; d--) {
            idx[d] = rem % Math.max(shape.size(d), 1);
            rem /= Math.max(shape.size(d), 1);
        }
        return " " + java.util.Arrays.toString(idx);
    }
}
