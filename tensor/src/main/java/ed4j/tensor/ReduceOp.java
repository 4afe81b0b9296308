package ed4j.tensor;

/** Reductions over a set of dims. Floating-point sums accumulate in double precision. */
public enum ReduceOp {
    SUM,
    MEAN,
    /** Maximum value; NaN propagates. */
    AMAX,
    /** Minimum value; NaN propagates. */
    AMIN
}
