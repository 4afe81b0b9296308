package ed4j.tensor.cuda;

import ed4j.tensor.Tensor;
import java.util.Arrays;

/**
 * The host side of the CUDA {@code Strided} struct (common.cuh): how one operand of a kernel is
 * laid out over a row-major index space. Element {@code i} of the index space is at storage
 * offset {@code offset + sum_k idx_k(i) * stride[k]}, {@code idx_k(i)} the row-major coordinates
 * of {@code i} in {@code sizes}.
 *
 * <p>Operands that share an index space are described together, after merging: size-1 dims are
 * dropped and two adjacent dims become one where every operand steps over them as over one block
 * (the outer stride equals the inner stride times the inner size), so a contiguous tensor is
 * rank 1 and a scalar rank 0. Kernels then divide less, and the rank limit
 * {@link #MAX_DIMS} of the struct applies only to dims that really need their own stride.
 *
 * <p>LIMITATION: an operand layout that still has more than {@value #MAX_DIMS} dims after merging
 * is rejected with an {@link UnsupportedOperationException}.
 */
final class StridedDesc {

    /** Dims of the struct ({@code ED4J_MAXD} in common.cuh). */
    static final int MAX_DIMS = 8;
    /** Ints in the encoded struct: rank, sizes, strides, offset. */
    static final int ENCODED_INTS = 2 + 2 * MAX_DIMS;

    private final int[] sizes;
    private final int[] strides;
    private final int offset;

    private StridedDesc(int[] sizes, int[] strides, int offset) {
        this.sizes = sizes;
        this.strides = strides;
        this.offset = offset;
    }

    /** One operand over its own shape. */
    static StridedDesc of(Tensor t) {
        return of(t.shape().toArray(), new int[][] {t.strides()}, new int[] {t.offset()})[0];
    }

    /** Operands of one shape (the first operand's), merged together. */
    static StridedDesc[] of(Tensor... sameShape) {
        int[][] strides = new int[sameShape.length][];
        int[] offsets = new int[sameShape.length];
        for (int i = 0; i < sameShape.length; i++) {
            strides[i] = sameShape[i].strides();
            offsets[i] = sameShape[i].offset();
        }
        return of(sameShape[0].shape().toArray(), strides, offsets);
    }

    /**
     * Operands over the index space {@code dims}: operand {@code k} has {@code strides[k]} (one per
     * dim) and {@code offsets[k]}.
     *
     * @throws UnsupportedOperationException when more than {@value #MAX_DIMS} dims remain
     */
    static StridedDesc[] of(int[] dims, int[][] strides, int[] offsets) {
        int k = strides.length;
        int[] sz = new int[dims.length];
        int[][] st = new int[k][dims.length];
        int r = 0;
        for (int d = 0; d < dims.length; d++) {
            if (dims[d] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int i = 0; merge && i < k; i++) {
                merge = (long) st[i][r - 1] == (long) strides[i][d] * dims[d];
            }
            if (merge) {
                sz[r - 1] *= dims[d];
                for (int i = 0; i < k; i++) {
                    st[i][r - 1] = strides[i][d];
                }
            } else {
                sz[r] = dims[d];
                for (int i = 0; i < k; i++) {
                    st[i][r] = strides[i][d];
                }
                r++;
            }
        }
        if (r > MAX_DIMS) {
            throw new UnsupportedOperationException("a CUDA kernel operand has " + r
                    + " dims that do not merge (shape " + Arrays.toString(dims) + ", strides "
                    + Arrays.deepToString(strides) + "); at most " + MAX_DIMS
                    + " are supported: make the tensor contiguous first");
        }
        StridedDesc[] out = new StridedDesc[k];
        for (int i = 0; i < k; i++) {
            out[i] = new StridedDesc(Arrays.copyOf(sz, r), Arrays.copyOf(st[i], r), offsets[i]);
        }
        return out;
    }

    /** Rank after merging. */
    int rank() {
        return sizes.length;
    }

    /** Size of merged dim {@code d}. */
    int size(int d) {
        return sizes[d];
    }

    /** Stride of merged dim {@code d}. */
    int stride(int d) {
        return strides[d];
    }

    /** Storage offset of element 0. */
    int offset() {
        return offset;
    }

    /** True when every element is the same storage element (all strides 0, or rank 0). */
    boolean broadcast() {
        for (int st : strides) {
            if (st != 0) {
                return false;
            }
        }
        return true;
    }

    /** A rank-0 descriptor: element 0 only, at {@code offset}. */
    static StridedDesc scalar(int offset) {
        return new StridedDesc(new int[0], new int[0], offset);
    }

    /** Number of elements of the index space. */
    long numel() {
        long n = 1;
        for (int s : sizes) {
            n *= s;
        }
        return n;
    }

    /** The struct as ints: rank, {@value #MAX_DIMS} sizes, {@value #MAX_DIMS} strides, offset. */
    int[] encode() {
        int[] e = new int[ENCODED_INTS];
        e[0] = sizes.length;
        for (int d = 0; d < MAX_DIMS; d++) {
            e[1 + d] = d < sizes.length ? sizes[d] : 1;
            e[1 + MAX_DIMS + d] = d < sizes.length ? strides[d] : 0;
        }
        e[ENCODED_INTS - 1] = offset;
        return e;
    }

    /** The storage offset of element {@code i}, computed as the kernels do. */
    static int offsetOf(int[] encoded, int i) {
        int off = encoded[ENCODED_INTS - 1];
        for (int k = MAX_DIMS - 1; k >= 0; k--) {
            if (k < encoded[0]) {
                int s = encoded[1 + k];
                int q = i / s;
                off += (i - q * s) * encoded[1 + MAX_DIMS + k];
                i = q;
            }
        }
        return off;
    }

    @Override
    public String toString() {
        return "Strided(sizes=" + Arrays.toString(sizes) + ", strides=" + Arrays.toString(strides)
                + ", offset=" + offset + ")";
    }
}
