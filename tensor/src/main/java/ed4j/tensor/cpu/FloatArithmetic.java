package ed4j.tensor.cpu;

import ed4j.tensor.BinaryOp;

/**
 * Direct float32 loops for the four arithmetic ops, the bulk of elementwise work in a model.
 * Unit-stride and scalar-operand runs get loops the JIT vectorizes; other strides fall back to a
 * plain strided loop. The result is the float32 operation itself, as in PyTorch.
 */
final class FloatArithmetic {

    private FloatArithmetic() {}

    static boolean supports(BinaryOp op) {
        return op == BinaryOp.ADD || op == BinaryOp.SUB || op == BinaryOp.MUL
                || op == BinaryOp.DIV;
    }

    /** {@code o[oo + i] = op(a[oa + i*sa], b[ob + i*sb])} for {@code i < n}. */
    static void run(BinaryOp op, float[] a, int oa, int sa, float[] b, int ob, int sb, float[] o,
            int oo, int n) {
        if (sa == 1 && sb == 1) {
            contiguous(op, a, oa, b, ob, o, oo, n);
        } else if (sa == 1 && sb == 0) {
            scalarRight(op, a, oa, b[ob], o, oo, n);
        } else if (sa == 0 && sb == 1) {
            scalarLeft(op, a[oa], b, ob, o, oo, n);
        } else {
            strided(op, a, oa, sa, b, ob, sb, o, oo, n);
        }
    }

    private static void contiguous(BinaryOp op, float[] a, int oa, float[] b, int ob, float[] o,
            int oo, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] + b[ob + i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] - b[ob + i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] * b[ob + i];
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] / b[ob + i];
                }
            }
        }
    }

    private static void scalarRight(BinaryOp op, float[] a, int oa, float s, float[] o, int oo,
            int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] + s;
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] - s;
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] * s;
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = a[oa + i] / s;
                }
            }
        }
    }

    private static void scalarLeft(BinaryOp op, float s, float[] b, int ob, float[] o, int oo,
            int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = s + b[ob + i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = s - b[ob + i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = s * b[ob + i];
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    o[oo + i] = s / b[ob + i];
                }
            }
        }
    }

    private static void strided(BinaryOp op, float[] a, int oa, int sa, float[] b, int ob,
            int sb, float[] o, int oo, int n) {
        for (int i = 0; i < n; i++) {
            float x = a[oa + i * sa];
            float y = b[ob + i * sb];
            o[oo + i] = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                default -> x / y;
            };
        }
    }
}
