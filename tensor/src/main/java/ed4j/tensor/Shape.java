package ed4j.tensor;

import java.util.Arrays;

/**
 * The sizes of a tensor's dims, outermost first. Immutable: the array is copied in and out.
 *
 * <p>A rank-0 shape {@code ()} describes a scalar with one element.
 */
public final class Shape {

    private final int[] dims;
    private final int numel;

    private Shape(int[] dims, boolean copy) {
        this.dims = copy ? dims.clone() : dims;
        long n = 1;
        for (int i = 0; i < this.dims.length; i++) {
            if (this.dims[i] < 0) {
                throw new IllegalArgumentException(
                        "negative size " + this.dims[i] + " at dim " + i + " in shape "
                                + Arrays.toString(this.dims));
            }
            n *= this.dims[i];
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(this.dims) + " has more than 2^31-1 elements");
            }
        }
        this.numel = (int) n;
    }

    /** A shape with the given sizes. */
    public static Shape of(int... dims) {
        return new Shape(dims, true);
    }

    /** The rank-0 shape of a scalar. */
    public static Shape scalar() {
        return new Shape(new int[0], false);
    }

    /** Number of dims. */
    public int rank() {
        return dims.length;
    }

    /** Number of elements: the product of the sizes (1 for a scalar). */
    public int numel() {
        return numel;
    }

    /** Size of {@code dim}; negative values count from the end. */
    public int size(int dim) {
        return dims[normalizeDim(dim, dims.length, "size")];
    }

    /** A copy of the sizes. */
    public int[] toArray() {
        return dims.clone();
    }

    /** Row-major (C order) strides for this shape. */
    public int[] contiguousStrides() {
        int[] strides = new int[dims.length];
        int s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(dims[i], 1);
        }
        return strides;
    }

    /**
     * Resolves a possibly negative dim against a rank.
     *
     * @throws IllegalArgumentException naming {@code op} when the dim is out of range
     */
    public static int normalizeDim(int dim, int rank, String op) {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank) {
            throw new IllegalArgumentException(
                    op + ": dim " + dim + " is out of range for a tensor of rank " + rank
                            + " (expected " + -rank + " .. " + (rank - 1) + ")");
        }
        return d;
    }

    /**
     * The shape two shapes broadcast to, with NumPy's rules: align trailing dims, sizes must be
     * equal or 1.
     *
     * @throws IllegalArgumentException naming {@code op} and both shapes when they do not broadcast
     */
    public static Shape broadcast(Shape a, Shape b, String op) {
        int rank = Math.max(a.rank(), b.rank());
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.rank() ? 1 : a.dims[i - (rank - a.rank())];
            int db = i < rank - b.rank() ? 1 : b.dims[i - (rank - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(
                        op + ": shapes " + a + " and " + b + " cannot be broadcast together"
                                + " (dim " + i + " of the result: " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out, false);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Like PyTorch: {@code (2, 3, 4)}, {@code (5,)} and {@code ()}. */
    @Override
    public String toString() {
        if (dims.length == 1) {
            return "(" + dims[0] + ",)";
        }
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i]);
        }
        return sb.append(')').toString();
    }
}
