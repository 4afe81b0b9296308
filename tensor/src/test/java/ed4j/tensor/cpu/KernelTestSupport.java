package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Random;

/**
 * Inputs in several memory layouts and value comparisons for the kernel tests.
 *
 * <p>References in the tests are computed in double from the values the kernel actually sees
 * ({@link Tensor#toDoubleArray()} of the input view), so float32 inputs are exact there and the
 * only expected differences are the kernel's own rounding.
 */
final class KernelTestSupport {

    private KernelTestSupport() {}

    /** A backend with several workers, so that kernels split their work even on small machines. */
    static final CpuBackend BACKEND = CpuBackend.create(4);

    /** Backends for the thread-count independence checks. */
    static final CpuBackend ONE_THREAD = CpuBackend.create(1);
    static final CpuBackend FIVE_THREADS = CpuBackend.create(5);

    /** How a test input is laid out in memory; its values do not depend on the layout. */
    enum Layout {
        /** Row-major and compact. */
        CONTIGUOUS,
        /** The last two dims swapped in memory (a transposed view). */
        TRANSPOSED,
        /** A window, one element in from each side, of a larger NaN-filled tensor. */
        NARROWED,
        /** Dim 1 broadcast from size 1 with a zero stride (values repeat along dim 1). */
        EXPANDED
    }

    /** Standard normal values of {@code shape} in {@code dtype}, laid out as {@code layout}. */
    static Tensor random(CpuBackend be, Random rnd, DType dtype, Layout layout, int... shape) {
        int[] dims = shape.clone();
        if (layout == Layout.EXPANDED) {
            dims[1] = 1;
        }
        double[] v = new double[Shape.of(dims).numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextGaussian();
        }
        return arrange(be.adopt(v, Shape.of(dims)).to(dtype), layout, shape);
    }

    /** The contiguous tensor {@code t} (of {@code shape}, or its dim 1 of size 1) in a layout. */
    static Tensor arrange(Tensor t, Layout layout, int... shape) {
        int r = t.rank();
        switch (layout) {
            case CONTIGUOUS -> {
                return t;
            }
            case TRANSPOSED -> {
                return t.transpose(r - 2, r - 1).contiguous().transpose(r - 2, r - 1);
            }
            case NARROWED -> {
                int[] big = t.shape().toArray();
                for (int d = 0; d < r; d++) {
                    big[d] += 2;
                }
                CpuBackend be = (CpuBackend) t.backend();
                Tensor host = Tensor.wrap(be.allocate(t.dtype(), Shape.of(big).numel()),
                        Shape.of(big));
                // Reading outside the window shows up as NaN (or as an invalid index -1).
                host.fillInPlace(t.dtype() == DType.INT64 ? -1 : Double.NaN);
                Tensor view = host;
                for (int d = 0; d < r; d++) {
                    view = view.narrow(d, 1, t.size(d));
                }
                view.copyFromInPlace(t);
                return view;
            }
            case EXPANDED -> {
                return t.expand(shape);
            }
            default -> throw new IllegalStateException("unknown layout " + layout);
        }
    }

    /** Values of a float64 array as a tensor of {@code dtype} on {@code be}. */
    static Tensor tensor(CpuBackend be, DType dtype, double[] values, int... shape) {
        return be.adopt(values.clone(), Shape.of(shape)).to(dtype);
    }

    /** Tolerance relative to the largest reference magnitude (at least 1). */
    static double tolerance(DType dtype) {
        return dtype == DType.FLOAT32 ? 2e-6 : 1e-12;
    }

    /**
     * Asserts {@code |actual - expected| <= tol * max(1, max|expected|)} elementwise, with NaN
     * equal to NaN and infinities equal to themselves; on failure reports the largest difference,
     * the first bad index and a few pairs.
     */
    static void assertClose(String what, double[] expected, double[] actual, double tol) {
        assertEquals(expected.length, actual.length, what + ": element count");
        double scale = 1.0;
        for (double e : expected) {
            if (Double.isFinite(e)) {
                scale = Math.max(scale, Math.abs(e));
            }
        }
        double bound = tol * scale;
        int firstBad = -1;
        double maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean same = Double.compare(e, a) == 0 || (Double.isNaN(e) && Double.isNaN(a));
            double diff = same ? 0.0 : Math.abs(a - e);
            if (Double.isNaN(diff) || diff > bound) {
                if (firstBad < 0) {
                    firstBad = i;
                }
                maxDiff = Double.isNaN(diff) ? Double.NaN : Math.max(maxDiff, diff);
            }
        }
        if (firstBad >= 0) {
            StringBuilder sb = new StringBuilder(what).append(": max abs diff ").append(maxDiff)
                    .append(" > ").append(bound).append(", first bad index ").append(firstBad)
                    .append(", (expected, actual) from there:");
            for (int i = firstBad; i < Math.min(expected.length, firstBad + 5); i++) {
                sb.append(" (").append(expected[i]).append(", ").append(actual[i]).append(')');
            }
            fail(sb.toString());
        }
    }

    /** Asserts that two tensors hold bit-identical values. */
    static void assertSameBits(String what, Tensor expected, Tensor actual) {
        assertEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (Double.doubleToRawLongBits(e[i]) != Double.doubleToRawLongBits(a[i])) {
                fail(what + ": element " + i + " differs: " + e[i] + " vs " + a[i]);
            }
        }
    }

    static double dot(double[] a, double[] b) {
        assertEquals(a.length, b.length, "dot: lengths");
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** Sum of {@code |a[i] * b[i]|}, the scale of rounding errors in {@link #dot}. */
    static double absDot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += Math.abs(a[i] * b[i]);
        }
        return s;
    }

    /**
     * Asserts {@code <a, b> == <c, d>} up to {@code tol} relative to the magnitudes of the
     * products: the adjoint identity {@code <backward(g), v> = <g, forward(v)>}.
     */
    static void assertAdjoint(String what, double[] a, double[] b, double[] c, double[] d,
            double tol) {
        double lhs = dot(a, b);
        double rhs = dot(c, d);
        double scale = Math.max(1e-300, Math.max(absDot(a, b), absDot(c, d)));
        if (Math.abs(lhs - rhs) > tol * scale) {
            fail(what + ": <backward(g), v> = " + lhs + " but <g, forward(v)> = " + rhs);
        }
    }

    /** Row-major strides of {@code shape}. */
    static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    /** The multi-index of row-major position {@code flat} in {@code shape}. */
    static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    /** The row-major position of a multi-index in {@code shape}. */
    static int ravel(int[] idx, int[] shape) {
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            flat = flat * shape[d] + idx[d];
        }
        return flat;
    }
}
