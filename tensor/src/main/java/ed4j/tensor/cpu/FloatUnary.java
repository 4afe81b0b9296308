package ed4j.tensor.cpu;

import ed4j.tensor.UnaryOp;

/**
 * Direct float32 loops over contiguous runs for the cheap unary functions, which the JIT
 * vectorizes; each is exact in float32 (the same result as computing in double and rounding).
 */
final class FloatUnary {

    private FloatUnary() {}

    static boolean supports(UnaryOp op) {
        return switch (op) {
            case RELU, NEG, ABS, SQUARE, SQRT, RECIPROCAL -> true;
            default -> false;
        };
    }

    /** {@code y[yo + i] = op(x[xo + i])} for {@code i < n}. */
    static void run(UnaryOp op, float[] x, int xo, float[] y, int yo, int n) {
        switch (op) {
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    // NOTE: Math.max keeps NaN, like torch.relu, and vectorizes where a
                    // conditional would branch.
                    y[yo + i] = Math.max(x[xo + i], 0f);
                }
            }
            case NEG -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = -x[xo + i];
                }
            }
            case ABS -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = Math.abs(x[xo + i]);
                }
            }
            case SQUARE -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = x[xo + i] * x[xo + i];
                }
            }
            case SQRT -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = (float) Math.sqrt(x[xo + i]);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    y[yo + i] = 1f / x[xo + i];
                }
            }
        }
    }
}
