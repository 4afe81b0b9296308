package ed4j.tensor;

/** Reductions along one dim that also return the index of the chosen element. */
public enum IndexReduceOp {
    /** Maximum; the first index among equal maxima; NaN propagates. */
    MAX,
    /** Minimum; the first index among equal minima; NaN propagates. */
    MIN,
    /**
     * The lower median, as PyTorch defines it: for {@code n} values the element of rank
     * {@code (n - 1) / 2} (0-based) in sorted order, so the lower of the two middle values when
     * {@code n} is even.
     */
    MEDIAN
}
