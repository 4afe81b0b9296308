package ed4j.tensor;

/** Elementwise functions of one tensor. Every backend implements all of them. */
public enum UnaryOp {
    NEG,
    EXP,
    LOG,
    SQRT,
    /** {@code 1 / sqrt(x)}. */
    RSQRT,
    ABS,
    /** -1, 0 or 1; NaN stays NaN. */
    SIGN,
    SIGMOID,
    TANH,
    /** {@code max(x, 0)}; NaN stays NaN, as in PyTorch. */
    RELU,
    /** The exact GELU {@code x * Phi(x)} with the normal CDF written through erf. */
    GELU,
    /** The derivative of the exact GELU: {@code Phi(x) + x * phi(x)}. */
    GELU_DERIVATIVE,
    ERF,
    SIN,
    COS,
    RECIPROCAL,
    SQUARE,
    /** 1 where the value is NaN, else 0. */
    IS_NAN
}
