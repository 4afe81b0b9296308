package ed4j.tensor.cpu;

import ed4j.tensor.BinaryOp;
import ed4j.tensor.DType;
import ed4j.tensor.Tensor;
import ed4j.tensor.UnaryOp;

/**
 * Elementwise kernels over strided operands.
 *
 * <p>The general path walks the operands in runs ({@link StridedPlan}), loads each run in chunks
 * into {@code double} buffers, applies the function there and stores the chunk. One code path
 * thus serves every dtype and layout, and the per-chunk loops are simple enough for the JIT to
 * vectorize. {@link Math}'s transcendental functions work in double anyway, so float32 loses
 * nothing; results are correctly rounded to the output dtype. The arithmetic ops on float32
 * have direct loops for the common unit-stride and scalar cases.
 */
final class ElementwiseKernels {

    private ElementwiseKernels() {}

    static final int CHUNK = 256;
    static final int GRAIN = 1 << 15;

    // ---- loads and stores between storages and double chunks ---------------------------------

    static void load(CpuStorage s, int off, int stride, double[] buf, int n) {
        switch (s.dtype()) {
            case FLOAT32 -> {
                float[] a = s.floats();
                if (stride == 1) {
                    for (int i = 0; i < n; i++) {
                        buf[i] = a[off + i];
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        buf[i] = a[off + i * stride];
                    }
                }
            }
            case FLOAT64 -> {
                double[] a = s.doubles();
                if (stride == 1) {
                    System.arraycopy(a, off, buf, 0, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        buf[i] = a[off + i * stride];
                    }
                }
            }
            case INT64 -> {
                long[] a = s.longs();
                for (int i = 0; i < n; i++) {
                    buf[i] = a[off + i * stride];
                }
            }
        }
    }

    /** Stores {@code n} values at unit stride from {@code off}. */
    static void store(CpuStorage s, int off, double[] buf, int n) {
        switch (s.dtype()) {
            case FLOAT32 -> {
                float[] a = s.floats();
                for (int i = 0; i < n; i++) {
                    a[off + i] = (float) buf[i];
                }
            }
            case FLOAT64 -> System.arraycopy(buf, 0, s.doubles(), off, n);
            case INT64 -> {
                long[] a = s.longs();
                for (int i = 0; i < n; i++) {
                    a[off + i] = (long) buf[i];
                }
            }
        }
    }

    static CpuStorage storage(Tensor t) {
        return (CpuStorage) t.storage();
    }

    // ---- unary -------------------------------------------------------------------------------

    static Tensor unary(CpuBackend be, UnaryOp op, Tensor x) {
        if (x.dtype() == DType.FLOAT32 && !x.isContiguous() && transcendental(op)) {
            // A copy costs far less than these functions computed in double, value by value.
            x = x.contiguous();
        }
        Tensor out = be.empty(x.shape(), x.dtype());
        if (x.dtype() == DType.FLOAT32 && x.isContiguous() && transcendental(op)) {
            float[] src = storage(x).floats();
            float[] dst = storage(out).floats();
            int xo = x.offset();
            FloatMath m = FloatMath.INSTANCE;
            be.parallel().forRange(x.numel(), GRAIN, (s, e) -> {
                switch (op) {
                    case EXP -> m.exp(src, xo + s, 0f, dst, s, e - s);
                    case LOG -> m.log(src, xo + s, 0f, dst, s, e - s);
                    case TANH -> m.tanh(src, xo + s, dst, s, e - s);
                    case GELU -> m.gelu(src, xo + s, dst, s, e - s);
                    case GELU_DERIVATIVE -> m.geluDerivative(src, xo + s, dst, s, e - s);
                    default -> m.sigmoid(src, xo + s, dst, s, e - s);
                }
            });
            return out;
        }
        if (x.dtype() == DType.FLOAT32 && x.isContiguous() && FloatUnary.supports(op)) {
            float[] src = storage(x).floats();
            float[] dst = storage(out).floats();
            int xo = x.offset();
            be.parallel().forRange(x.numel(), GRAIN, (s, e) ->
                    FloatUnary.run(op, src, xo + s, dst, s, e - s));
            return out;
        }
        CpuStorage src = storage(x);
        CpuStorage dst = storage(out);
        StridedPlan plan = StridedPlan.of(x);
        int sx = plan.innerStride(0);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) -> {
            double[] buf = new double[CHUNK];
            plan.forEachRun(s, e, (n, ox, u1, u2, pos) -> {
                for (int c = 0; c < n; c += CHUNK) {
                    int m = Math.min(CHUNK, n - c);
                    load(src, ox + c * sx, sx, buf, m);
                    applyUnary(op, buf, m);
                    store(dst, pos + c, buf, m);
                }
            });
        });
        return out;
    }

    /** The float32 functions {@link FloatMath} computes on contiguous runs. */
    private static boolean transcendental(UnaryOp op) {
        return op == UnaryOp.EXP || op == UnaryOp.LOG || op == UnaryOp.TANH
                || op == UnaryOp.SIGMOID || op == UnaryOp.GELU || op == UnaryOp.GELU_DERIVATIVE;
    }

    static void applyUnary(UnaryOp op, double[] v, int n) {
        switch (op) {
            case NEG -> {
                for (int i = 0; i < n; i++) {
                    v[i] = -v[i];
                }
            }
            case EXP -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.exp(v[i]);
                }
            }
            case LOG -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.log(v[i]);
                }
            }
            case SQRT -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.sqrt(v[i]);
                }
            }
            case RSQRT -> {
                for (int i = 0; i < n; i++) {
                    v[i] = 1.0 / Math.sqrt(v[i]);
                }
            }
            case ABS -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.abs(v[i]);
                }
            }
            case SIGN -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.signum(v[i]);
                }
            }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    // Written so that neither branch overflows exp.
                    double x = v[i];
                    if (x >= 0) {
                        v[i] = 1.0 / (1.0 + Math.exp(-x));
                    } else {
                        double e = Math.exp(x);
                        v[i] = e / (1.0 + e);
                    }
                }
            }
            case TANH -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.tanh(v[i]);
                }
            }
            case RELU -> {
                for (int i = 0; i < n; i++) {
                    // NOTE: NaN stays NaN, like torch.relu (Math.max keeps it and vectorizes).
                    v[i] = Math.max(v[i], 0.0);
                }
            }
            case GELU -> {
                for (int i = 0; i < n; i++) {
                    v[i] = SpecialFunctions.gelu(v[i]);
                }
            }
            case GELU_DERIVATIVE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = SpecialFunctions.geluDerivative(v[i]);
                }
            }
            case ERF -> {
                for (int i = 0; i < n; i++) {
                    v[i] = SpecialFunctions.erf(v[i]);
                }
            }
            case SIN -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.sin(v[i]);
                }
            }
            case COS -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Math.cos(v[i]);
                }
            }
            case RECIPROCAL -> {
                for (int i = 0; i < n; i++) {
                    v[i] = 1.0 / v[i];
                }
            }
            case SQUARE -> {
                for (int i = 0; i < n; i++) {
                    v[i] = v[i] * v[i];
                }
            }
            case IS_NAN -> {
                for (int i = 0; i < n; i++) {
                    v[i] = Double.isNaN(v[i]) ? 1.0 : 0.0;
                }
            }
        }
    }

    // ---- binary ------------------------------------------------------------------------------

    static Tensor binary(CpuBackend be, BinaryOp op, Tensor a, Tensor b) {
        Tensor out = be.empty(a.shape(), a.dtype());
        binary(be, op, a, b, storage(out), 0);
        return out;
    }

    /**
     * {@code a = op(a, b)} in place, for a contiguous {@code a} and any view {@code b} of its
     * shape and dtype that does not overlap it: each element is read and written at the same
     * position of the same run.
     */
    static void binaryInPlace(CpuBackend be, BinaryOp op, Tensor a, Tensor b) {
        binary(be, op, a, b, storage(a), a.offset());
    }

    /** {@code op(a, b)} written in row-major order to {@code so} from {@code outOff}. */
    private static void binary(CpuBackend be, BinaryOp op, Tensor a, Tensor b, CpuStorage so,
            int outOff) {
        CpuStorage sa = storage(a);
        CpuStorage sb = storage(b);
        StridedPlan plan = StridedPlan.of(a, b);
        int ia = plan.innerStride(0);
        int ib = plan.innerStride(1);
        boolean fast = a.dtype() == DType.FLOAT32 && FloatArithmetic.supports(op);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) -> {
            if (fast) {
                float[] fa = sa.floats();
                float[] fb = sb.floats();
                float[] fo = so.floats();
                plan.forEachRun(s, e, (n, oa, ob, u, pos) ->
                        FloatArithmetic.run(op, fa, oa, ia, fb, ob, ib, fo, outOff + pos, n));
                return;
            }
            double[] x = new double[CHUNK];
            double[] y = new double[CHUNK];
            plan.forEachRun(s, e, (n, oa, ob, u, pos) -> {
                for (int c = 0; c < n; c += CHUNK) {
                    int m = Math.min(CHUNK, n - c);
                    load(sa, oa + c * ia, ia, x, m);
                    load(sb, ob + c * ib, ib, y, m);
                    applyBinary(op, x, y, m);
                    store(so, outOff + pos + c, x, m);
                }
            });
        });
    }

    /** {@code x[i] = op(x[i], y[i])}. */
    static void applyBinary(BinaryOp op, double[] x, double[] y, int n) {
        switch (op) {
            case ADD -> {
                for (int i = 0; i < n; i++) {
                    x[i] += y[i];
                }
            }
            case SUB -> {
                for (int i = 0; i < n; i++) {
                    x[i] -= y[i];
                }
            }
            case MUL -> {
                for (int i = 0; i < n; i++) {
                    x[i] *= y[i];
                }
            }
            case DIV -> {
                for (int i = 0; i < n; i++) {
                    x[i] /= y[i];
                }
            }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.pow(x[i], y[i]);
                }
            }
            case MAXIMUM -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.max(x[i], y[i]);
                }
            }
            case MINIMUM -> {
                for (int i = 0; i < n; i++) {
                    x[i] = Math.min(x[i], y[i]);
                }
            }
            case EQ -> {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] == y[i] ? 1.0 : 0.0;
                }
            }
            case NE -> {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] != y[i] ? 1.0 : 0.0;
                }
            }
            case LT -> {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] < y[i] ? 1.0 : 0.0;
                }
            }
            case LE -> {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] <= y[i] ? 1.0 : 0.0;
                }
            }
            case GT -> {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] > y[i] ? 1.0 : 0.0;
                }
            }
            case GE -> {
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] >= y[i] ? 1.0 : 0.0;
                }
            }
        }
    }

    // ---- clamp, where, cast, copy, fill -------------------------------------------------------

    static Tensor clamp(CpuBackend be, Tensor x, double min, double max) {
        Tensor out = be.empty(x.shape(), x.dtype());
        CpuStorage src = storage(x);
        CpuStorage dst = storage(out);
        StridedPlan plan = StridedPlan.of(x);
        int sx = plan.innerStride(0);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) -> {
            double[] buf = new double[CHUNK];
            plan.forEachRun(s, e, (n, ox, u1, u2, pos) -> {
                for (int c = 0; c < n; c += CHUNK) {
                    int m = Math.min(CHUNK, n - c);
                    load(src, ox + c * sx, sx, buf, m);
                    for (int i = 0; i < m; i++) {
                        // NOTE: NaN passes through unchanged, as in torch.clamp.
                        buf[i] = Math.min(Math.max(buf[i], min), max);
                    }
                    store(dst, pos + c, buf, m);
                }
            });
        });
        return out;
    }

    static Tensor where(CpuBackend be, Tensor cond, Tensor a, Tensor b) {
        Tensor out = be.empty(a.shape(), a.dtype());
        CpuStorage sc = storage(cond);
        CpuStorage sa = storage(a);
        CpuStorage sb = storage(b);
        CpuStorage so = storage(out);
        StridedPlan plan = StridedPlan.of(cond, a, b);
        int ic = plan.innerStride(0);
        int ia = plan.innerStride(1);
        int ib = plan.innerStride(2);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) -> {
            double[] c = new double[CHUNK];
            double[] x = new double[CHUNK];
            double[] y = new double[CHUNK];
            plan.forEachRun(s, e, (n, oc, oa, ob, pos) -> {
                for (int k = 0; k < n; k += CHUNK) {
                    int m = Math.min(CHUNK, n - k);
                    load(sc, oc + k * ic, ic, c, m);
                    load(sa, oa + k * ia, ia, x, m);
                    load(sb, ob + k * ib, ib, y, m);
                    for (int i = 0; i < m; i++) {
                        x[i] = c[i] != 0.0 ? x[i] : y[i];
                    }
                    store(so, pos + k, x, m);
                }
            });
        });
        return out;
    }

    static Tensor cast(CpuBackend be, Tensor x, DType dtype) {
        Tensor out = be.empty(x.shape(), dtype);
        CpuStorage src = storage(x);
        CpuStorage dst = storage(out);
        StridedPlan plan = StridedPlan.of(x);
        int sx = plan.innerStride(0);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) -> {
            double[] buf = new double[CHUNK];
            plan.forEachRun(s, e, (n, ox, u1, u2, pos) -> {
                if (src.dtype() == DType.INT64 && dtype == DType.INT64) {
                    copyRun(src, ox, sx, dst, pos, 1, n);
                    return;
                }
                for (int c = 0; c < n; c += CHUNK) {
                    int m = Math.min(CHUNK, n - c);
                    load(src, ox + c * sx, sx, buf, m);
                    store(dst, pos + c, buf, m);
                }
            });
        });
        return out;
    }

    /** Copies {@code src} into the view {@code dst} of the same shape and dtype. */
    static void copyInto(CpuBackend be, Tensor dst, Tensor src) {
        CpuStorage sd = storage(dst);
        CpuStorage ss = storage(src);
        StridedPlan plan = StridedPlan.of(dst, src);
        int id = plan.innerStride(0);
        int is = plan.innerStride(1);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) ->
                plan.forEachRun(s, e, (n, od, os, u, pos) -> copyRun(ss, os, is, sd, od, id, n)));
    }

    private static void copyRun(CpuStorage src, int os, int is, CpuStorage dst, int od, int id,
            int n) {
        switch (src.dtype()) {
            case FLOAT32 -> {
                float[] a = src.floats();
                float[] b = dst.floats();
                if (is == 1 && id == 1) {
                    System.arraycopy(a, os, b, od, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        b[od + i * id] = a[os + i * is];
                    }
                }
            }
            case FLOAT64 -> {
                double[] a = src.doubles();
                double[] b = dst.doubles();
                if (is == 1 && id == 1) {
                    System.arraycopy(a, os, b, od, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        b[od + i * id] = a[os + i * is];
                    }
                }
            }
            case INT64 -> {
                long[] a = src.longs();
                long[] b = dst.longs();
                for (int i = 0; i < n; i++) {
                    b[od + i * id] = a[os + i * is];
                }
            }
        }
    }

    static void fill(CpuBackend be, Tensor dst, double value) {
        CpuStorage sd = storage(dst);
        StridedPlan plan = StridedPlan.of(dst);
        int id = plan.innerStride(0);
        be.parallel().forRange(plan.numel(), GRAIN, (s, e) ->
                plan.forEachRun(s, e, (n, od, u1, u2, pos) -> {
                    switch (sd.dtype()) {
                        case FLOAT32 -> {
                            float[] a = sd.floats();
                            float v = (float) value;
                            for (int i = 0; i < n; i++) {
                                a[od + i * id] = v;
                            }
                        }
                        case FLOAT64 -> {
                            double[] a = sd.doubles();
                            for (int i = 0; i < n; i++) {
                                a[od + i * id] = value;
                            }
                        }
                        case INT64 -> {
                            long[] a = sd.longs();
                            long v = (long) value;
                            for (int i = 0; i < n; i++) {
                                a[od + i * id] = v;
                            }
                        }
                    }
                }));
    }
}
