package ed4j.tensor;

/**
 * Elementwise functions of two tensors with NumPy broadcasting. Comparisons return 1 where the
 * relation holds and 0 elsewhere, in the dtype of the inputs (there is no boolean dtype).
 */
public enum BinaryOp {
    ADD,
    SUB,
    MUL,
    DIV,
    POW,
    /** Elementwise maximum; NaN wins, as in {@code torch.maximum}. */
    MAXIMUM,
    /** Elementwise minimum; NaN wins, as in {@code torch.minimum}. */
    MINIMUM,
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE;

    /** True for the comparisons, whose result is 0 or 1. */
    public boolean isComparison() {
        return ordinal() >= EQ.ordinal();
    }
}
