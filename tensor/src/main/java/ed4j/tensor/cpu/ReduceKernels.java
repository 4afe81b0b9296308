package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.ReduceOp;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Reductions, arg-reductions and softmax.
 *
 * <p>A reduction over a set of dims is viewed as a matrix {@code (outer, inner)}: kept dims
 * merged into rows, reduced dims into columns (copying first only when the layout cannot be
 * viewed that way). Rows with unit-stride columns are reduced one by one; when the kept dim is
 * the unit-stride one, whole blocks of outputs accumulate together, row after row, so memory is
 * read in order. Sums accumulate in double, sequentially per output, so results do not depend on
 * the thread count.
 */
final class ReduceKernels {

    private ReduceKernels() {}

    /** Width of the column blocks that accumulate together. */
    private static final int BLOCK = 256;
    /** Elements per partial sum when one output reduces a long run. */
    private static final int PARTIAL = 1 << 16;

    static Tensor reduce(CpuBackend be, ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        int rank = x.rank();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) {
            reduced[d] = true;
        }
        int[] order = new int[rank];
        int k = 0;
        int outer = 1;
        int inner = 1;
        int[] outDims = new int[keepdim ? rank : rank - dims.length];
        int od = 0;
        for (int d = 0; d < rank; d++) {
            if (!reduced[d]) {
                order[k++] = d;
                outer *= x.size(d);
                outDims[od++] = x.size(d);
            } else if (keepdim) {
                outDims[od++] = 1;
            }
        }
        for (int d : dims) {
            order[k++] = d;
            inner *= x.size(d);
        }
        Tensor out = be.empty(Shape.of(outDims), x.dtype());
        if (outer == 0) {
            return out;
        }
        if (inner == 1) {
            // Reducing size-1 dims only: every reduction is the element itself.
            be.copyInto(out, x.reshape(outDims));
            return out;
        }
        Tensor xp = x.permute(order);
        Tensor m;
        try {
            m = xp.view(outer, inner);
        } catch (IllegalArgumentException notViewable) {
            m = xp.contiguous().view(outer, inner);
        }
        double[] result = new double[outer];
        if (inner == 0) {
            java.util.Arrays.fill(result, op == ReduceOp.MEAN ? Double.NaN : 0.0);
        } else if (m.stride(1) == 1 || outer == 1) {
            reduceRows(be, op, m, outer, inner, result);
        } else {
            reduceColumns(be, op, m, outer, inner, result);
        }
        ElementwiseKernels.store(ElementwiseKernels.storage(out), 0, result, outer);
        return out;
    }

    /** Each output reduces one row; long single rows are cut into fixed partial blocks. */
    private static void reduceRows(CpuBackend be, ReduceOp op, Tensor m, int outer, int inner,
            double[] result) {
        CpuStorage s = ElementwiseKernels.storage(m);
        int base = m.offset();
        int rs = m.stride(0);
        int cs = m.stride(1);
        if (outer < be.parallel().threads() && inner >= 2 * PARTIAL) {
            int parts = (inner + PARTIAL - 1) / PARTIAL;
            for (int r = 0; r < outer; r++) {
                double[] partial = new double[parts];
                int start = base + r * rs;
                be.parallel().forPieces(parts, 1, (p0, p1) -> {
                    double[] buf = new double[ElementwiseKernels.CHUNK];
                    for (int p = p0; p < p1; p++) {
                        int from = p * PARTIAL;
                        int len = Math.min(PARTIAL, inner - from);
                        partial[p] = reduceRun(op, s, start + from * cs, cs, len, buf);
                    }
                });
                double acc = initial(op);
                for (double v : partial) {
                    acc = combine(op, acc, v);
                }
                result[r] = finish(op, acc, inner);
            }
            return;
        }
        be.parallel().forRange(outer, Math.max(1, ElementwiseKernels.GRAIN / inner), (r0, r1) -> {
            double[] buf = new double[ElementwiseKernels.CHUNK];
            for (int r = r0; r < r1; r++) {
                result[r] = finish(op, reduceRun(op, s, base + r * rs, cs, inner, buf), inner);
            }
        });
    }

    private static double reduceRun(ReduceOp op, CpuStorage s, int off, int stride, int n,
            double[] buf) {
        double acc = initial(op);
        for (int c = 0; c < n; c += buf.length) {
            int len = Math.min(buf.length, n - c);
            ElementwiseKernels.load(s, off + c * stride, stride, buf, len);
            switch (op) {
                case SUM, MEAN -> {
                    for (int i = 0; i < len; i++) {
                        acc += buf[i];
                    }
                }
                case AMAX -> {
                    for (int i = 0; i < len; i++) {
                        acc = Math.max(acc, buf[i]);
                    }
                }
                case AMIN -> {
                    for (int i = 0; i < len; i++) {
                        acc = Math.min(acc, buf[i]);
                    }
                }
            }
        }
        return acc;
    }

    /** Outputs are the columns: blocks of them accumulate row by row. */
    private static void reduceColumns(CpuBackend be, ReduceOp op, Tensor m, int outer, int inner,
            double[] result) {
        CpuStorage s = ElementwiseKernels.storage(m);
        int base = m.offset();
        int rs = m.stride(0);
        int cs = m.stride(1);
        int blocks = (outer + BLOCK - 1) / BLOCK;
        be.parallel().forPieces(blocks, 1, (b0, b1) -> {
            double[] acc = new double[BLOCK];
            double[] buf = new double[BLOCK];
            for (int b = b0; b < b1; b++) {
                int from = b * BLOCK;
                int len = Math.min(BLOCK, outer - from);
                java.util.Arrays.fill(acc, initial(op));
                for (int c = 0; c < inner; c++) {
                    ElementwiseKernels.load(s, base + from * rs + c * cs, rs, buf, len);
                    switch (op) {
                        case SUM, MEAN -> {
                            for (int i = 0; i < len; i++) {
                                acc[i] += buf[i];
                            }
                        }
                        case AMAX -> {
                            for (int i = 0; i < len; i++) {
                                acc[i] = Math.max(acc[i], buf[i]);
                            }
                        }
                        case AMIN -> {
                            for (int i = 0; i < len; i++) {
                                acc[i] = Math.min(acc[i], buf[i]);
                            }
                        }
                    }
                }
                for (int i = 0; i < len; i++) {
                    result[from + i] = finish(op, acc[i], inner);
                }
            }
        });
    }

    private static double initial(ReduceOp op) {
        return switch (op) {
            case SUM, MEAN -> 0.0;
            case AMAX -> Double.NEGATIVE_INFINITY;
            case AMIN -> Double.POSITIVE_INFINITY;
        };
    }

    private static double combine(ReduceOp op, double a, double b) {
        return switch (op) {
            case SUM, MEAN -> a + b;
            case AMAX -> Math.max(a, b);
            case AMIN -> Math.min(a, b);
        };
    }

    private static double finish(ReduceOp op, double acc, int n) {
        return op == ReduceOp.MEAN ? acc / n : acc;
    }

    // ---- reductions with an index --------------------------------------------------------------

    static Tensor[] reduceWithIndex(CpuBackend be, IndexReduceOp op, Tensor x, int dim,
            boolean keepdim) {
        int[] outDims = x.shape().toArray();
        outDims[dim] = 1;
        Shape kept = Shape.of(outDims);
        Tensor values = be.empty(kept, x.dtype());
        Tensor indices = be.empty(kept, DType.INT64);
        Rows rows = Rows.along(x, dim);
        CpuStorage s = ElementwiseKernels.storage(x);
        double[] vals = new double[rows.count()];
        long[] idx = ((CpuStorage) indices.storage()).longs();
        int n = rows.length;
        be.parallel().forRange(rows.count(), Math.max(1, ElementwiseKernels.GRAIN / n), (r0, r1) -> {
            double[] buf = new double[n];
            double[] scratch = op == IndexReduceOp.MEDIAN ? new double[n] : null;
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(s, rows.starts[r], rows.stride, buf, n);
                int best = switch (op) {
                    case MAX -> argExtreme(buf, n, true);
                    case MIN -> argExtreme(buf, n, false);
                    case MEDIAN -> argLowerMedian(buf, n, scratch);
                };
                vals[r] = buf[best];
                idx[r] = best;
            }
        });
        ElementwiseKernels.store(ElementwiseKernels.storage(values), 0, vals, vals.length);
        if (keepdim) {
            return new Tensor[] {values, indices};
        }
        return new Tensor[] {values.squeeze(dim), indices.squeeze(dim)};
    }

    /** Index of the first maximum (or minimum); the first NaN wins, as NaN propagates. */
    private static int argExtreme(double[] v, int n, boolean max) {
        int best = 0;
        if (Double.isNaN(v[0])) {
            return 0;
        }
        for (int i = 1; i < n; i++) {
            double x = v[i];
            if (Double.isNaN(x)) {
                return i;
            }
            if (max ? x > v[best] : x < v[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Index of the lower median: the value of rank {@code (n-1)/2} is found by quickselect on a
     * scratch copy, then the first position holding it is returned (ties are broken toward the
     * smallest index). A NaN anywhere is the answer, as PyTorch propagates NaN.
     */
    private static int argLowerMedian(double[] v, int n, double[] scratch) {
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(v[i])) {
                return i;
            }
        }
        System.arraycopy(v, 0, scratch, 0, n);
        double target = select(scratch, n, (n - 1) / 2);
        for (int i = 0; i < n; i++) {
            if (v[i] == target) {
                return i;
            }
        }
        throw new IllegalStateException("median: selected value not found");
    }

    /** The k-th smallest of {@code a[0..n)} (reorders {@code a}). */
    static double select(double[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            // Median of three as the pivot keeps sorted input linear.
            if (a[mid] < a[lo]) {
                swap(a, mid, lo);
            }
            if (a[hi] < a[lo]) {
                swap(a, hi, lo);
            }
            if (a[hi] < a[mid]) {
                swap(a, hi, mid);
            }
            double pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i, j);
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return a[k];
            }
        }
        return a[k];
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    // ---- softmax ----------------------------------------------------------------------------------

    static Tensor softmax(CpuBackend be, Tensor x, int dim, boolean log) {
        return softmax(be, x, dim, log, 1.0);
    }

    /** Softmax (or log-softmax) of {@code scale * x} along {@code dim}. */
    static Tensor softmax(CpuBackend be, Tensor x, int dim, boolean log, double scale) {
        Tensor out = be.empty(x.shape(), x.dtype());
        if (x.numel() == 0) {
            return out;
        }
        if (x.rank() == 0) {
            out.fillInPlace(log ? 0.0 : 1.0);
            return out;
        }
        Rows in = Rows.along(x, dim);
        Rows dst = Rows.along(out, dim);
        CpuStorage s = ElementwiseKernels.storage(x);
        CpuStorage o = ElementwiseKernels.storage(out);
        int n = in.length;
        boolean unitOut = dst.stride == 1;
        if (x.dtype() == DType.FLOAT32 && in.stride == 1 && unitOut && !log) {
            softmaxFloatRows(be, s.floats(), in, o.floats(), dst, n, (float) scale);
            return out;
        }
        be.parallel().forRange(in.count(), Math.max(1, ElementwiseKernels.GRAIN / n), (r0, r1) -> {
            double[] buf = new double[n];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(s, in.starts[r], in.stride, buf, n);
                if (scale != 1.0) {
                    for (int i = 0; i < n; i++) {
                        buf[i] *= scale;
                    }
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, buf[i]);
                }
                if (max == Double.NEGATIVE_INFINITY) {
                    max = 0.0;
                }
                double sum = 0.0;
                if (log) {
                    for (int i = 0; i < n; i++) {
                        buf[i] -= max;
                        sum += Math.exp(buf[i]);
                    }
                    double lse = Math.log(sum);
                    for (int i = 0; i < n; i++) {
                        buf[i] -= lse;
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        buf[i] = Math.exp(buf[i] - max);
                        sum += buf[i];
                    }
                    double inv = 1.0 / sum;
                    for (int i = 0; i < n; i++) {
                        buf[i] *= inv;
                    }
                }
                if (unitOut) {
                    ElementwiseKernels.store(o, dst.starts[r], buf, n);
                } else {
                    storeStrided(o, dst.starts[r], dst.stride, buf, n);
                }
            }
        });
        return out;
    }

    /**
     * Softmax of contiguous float32 rows: the exponentials run through {@link FloatMath} (on
     * vector units when available), the sum accumulates in double.
     */
    private static void softmaxFloatRows(CpuBackend be, float[] x, Rows in, float[] y, Rows dst,
            int n, float scale) {
        FloatMath m = FloatMath.INSTANCE;
        be.parallel().forRange(in.count(), Math.max(1, ElementwiseKernels.GRAIN / n), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xo = in.starts[r];
                int yo = dst.starts[r];
                float max = m.scaledMax(x, xo, scale, n);
                if (max == Float.NEGATIVE_INFINITY) {
                    max = 0f;
                }
                m.exp(x, xo, scale, max, y, yo, n);
                // NOTE: in double: the gradients of the ED losses through the softmax are
                // ill-conditioned (terms up to 1 / eps = 1e4 cancel), and float32 lane sums,
                // 3e-7 off, moved one of them by 1e-3 relative (EdParityTest).
                double sum = FloatMath.sumInDouble(y, yo, n);
                float inv = (float) (1.0 / sum);
                for (int i = 0; i < n; i++) {
                    y[yo + i] *= inv;
                }
            }
        });
    }

    /** {@code scale * y * (g - sum_dim(g * y))} along {@code dim}. */
    static Tensor softmaxBackward(CpuBackend be, Tensor g, Tensor y, int dim, double scale) {
        Tensor out = be.empty(y.shape(), y.dtype());
        if (y.numel() == 0) {
            return out;
        }
        Rows rg = Rows.along(g, dim);
        Rows ry = Rows.along(y, dim);
        Rows ro = Rows.along(out, dim);
        int n = ry.length;
        CpuStorage sg = ElementwiseKernels.storage(g);
        CpuStorage sy = ElementwiseKernels.storage(y);
        CpuStorage so = ElementwiseKernels.storage(out);
        if (y.dtype() == DType.FLOAT32 && rg.stride == 1 && ry.stride == 1 && ro.stride == 1) {
            float[] ga = sg.floats();
            float[] ya = sy.floats();
            float[] oa = so.floats();
            float sc = (float) scale;
            be.parallel().forRange(ry.count(), Math.max(1, ElementwiseKernels.GRAIN / n),
                    (r0, r1) -> {
                        for (int r = r0; r < r1; r++) {
                            int go = rg.starts[r];
                            int yo = ry.starts[r];
                            int oo = ro.starts[r];
                            float d = (float) FloatMath.dotInDouble(ga, go, ya, yo, n);
                            for (int i = 0; i < n; i++) {
                                oa[oo + i] = sc * ya[yo + i] * (ga[go + i] - d);
                            }
                        }
                    });
            return out;
        }
        be.parallel().forRange(ry.count(), Math.max(1, ElementwiseKernels.GRAIN / n), (r0, r1) -> {
            double[] gb = new double[n];
            double[] yb = new double[n];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(sg, rg.starts[r], rg.stride, gb, n);
                ElementwiseKernels.load(sy, ry.starts[r], ry.stride, yb, n);
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += gb[i] * yb[i];
                }
                for (int i = 0; i < n; i++) {
                    gb[i] = scale * yb[i] * (gb[i] - dot);
                }
                if (ro.stride == 1) {
                    ElementwiseKernels.store(so, ro.starts[r], gb, n);
                } else {
                    storeStrided(so, ro.starts[r], ro.stride, gb, n);
                }
            }
        });
        return out;
    }

    private static void storeStrided(CpuStorage s, int off, int stride, double[] buf, int n) {
        if (s.dtype() == DType.FLOAT32) {
            float[] a = s.floats();
            for (int i = 0; i < n; i++) {
                a[off + i * stride] = (float) buf[i];
            }
        } else {
            double[] a = s.doubles();
            for (int i = 0; i < n; i++) {
                a[off + i * stride] = buf[i];
            }
        }
    }

    /** Elements per partial sum of {@link #sumTimesLog}. */
    private static final int PIECE = 1 << 14;

    /**
     * {@code sum(a * log(max(y, floor)))} for contiguous float32 operands of one shape, in one
     * pass: the logarithms through {@link FloatMath} a piece at a time, each product rounded to
     * float as the elementwise product would be, summed in double per piece of fixed size, then
     * the pieces in order, so the result does not depend on the thread count.
     */
    static Tensor sumTimesLog(CpuBackend be, Tensor a, Tensor y, double floor) {
        int n = a.numel();
        float[] fa = ElementwiseKernels.storage(a).floats();
        float[] fy = ElementwiseKernels.storage(y).floats();
        int ao = a.offset();
        int yo = y.offset();
        float low = (float) floor;
        double[] partial = new double[(n + PIECE - 1) / PIECE];
        be.parallel().forRange(partial.length, 1, (p0, p1) -> {
            float[] clamped = new float[PIECE];
            float[] logs = new float[PIECE];
            for (int p = p0; p < p1; p++) {
                int start = p * PIECE;
                int m = Math.min(PIECE, n - start);
                for (int i = 0; i < m; i++) {
                    clamped[i] = Math.max(fy[yo + start + i], low);
                }
                FloatMath.INSTANCE.log(clamped, 0, 0f, logs, 0, m);
                partial[p] = FloatMath.dotInDouble(fa, ao + start, logs, 0, m);
            }
        });
        double total = 0;
        for (double v : partial) {
            total += v;
        }
        return be.adopt(new float[] {(float) total}, Shape.scalar());
    }
}
