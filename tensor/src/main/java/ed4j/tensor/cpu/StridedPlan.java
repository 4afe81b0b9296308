package ed4j.tensor.cpu;

import ed4j.tensor.Tensor;

/**
 * Iteration over the elements of up to three operands of one shape, in row-major order of that
 * shape, as runs along the innermost dim.
 *
 * <p>Adjacent dims that every operand lays out as one block are merged first, so a contiguous
 * tensor is one run and a transposed one a sequence of strided runs. The caller receives each
 * run as a length, one start offset per operand and the linear position of the run's first
 * element; {@link #innerStride(int)} gives the operand's step within a run.
 */
final class StridedPlan {

    /** Receives one run of elements. */
    @FunctionalInterface
    interface Run {
        void accept(int length, int off0, int off1, int off2, int position);
    }

    private final int[] sizes;
    private final int[][] strides;
    private final int[] offsets;
    private final int numel;

    private StridedPlan(int[] sizes, int[][] strides, int[] offsets, int numel) {
        this.sizes = sizes;
        this.strides = strides;
        this.offsets = offsets;
        this.numel = numel;
    }

    /** A plan over operands that all have the same shape. */
    static StridedPlan of(Tensor... operands) {
        int rank = operands[0].rank();
        int[] dims = operands[0].shape().toArray();
        int k = operands.length;
        int[][] st = new int[k][];
        int[] off = new int[k];
        for (int i = 0; i < k; i++) {
            st[i] = operands[i].strides();
            off[i] = operands[i].offset();
        }
        // Drop size-1 dims, then merge dim d into d+1 where every operand allows it.
        int[] sz = new int[Math.max(rank, 1)];
        int[][] ss = new int[k][Math.max(rank, 1)];
        int r = 0;
        for (int d = 0; d < rank; d++) {
            if (dims[d] == 1) {
                continue;
            }
            boolean merge = r > 0;
            for (int i = 0; merge && i < k; i++) {
                merge = ss[i][r - 1] == st[i][d] * dims[d];
            }
            if (merge) {
                sz[r - 1] *= dims[d];
                for (int i = 0; i < k; i++) {
                    ss[i][r - 1] = st[i][d];
                }
            } else {
                sz[r] = dims[d];
                for (int i = 0; i < k; i++) {
                    ss[i][r] = st[i][d];
                }
                r++;
            }
        }
        if (r == 0) {
            sz[0] = 1;
            for (int i = 0; i < k; i++) {
                ss[i][0] = 1;
            }
            r = 1;
        }
        int[] sizes = java.util.Arrays.copyOf(sz, r);
        int[][] strides = new int[k][];
        for (int i = 0; i < k; i++) {
            strides[i] = java.util.Arrays.copyOf(ss[i], r);
        }
        return new StridedPlan(sizes, strides, off, operands[0].numel());
    }

    int numel() {
        return numel;
    }

    /** Step of operand {@code i} within a run. */
    int innerStride(int i) {
        return strides[i][sizes.length - 1];
    }

    /** Length of the innermost merged dim, the longest possible run. */
    int innerSize() {
        return sizes[sizes.length - 1];
    }

    /** Calls {@code run} for the elements at linear positions {@code [start, end)}. */
    void forEachRun(int start, int end, Run run) {
        int r = sizes.length;
        int k = strides.length;
        int[] idx = new int[r];
        int o0 = offsets[0];
        int o1 = k > 1 ? offsets[1] : 0;
        int o2 = k > 2 ? offsets[2] : 0;
        int rem = start;
        for (int d = r - 1; d >= 0; d--) {
            idx[d] = rem % sizes[d];
            rem /= sizes[d];
            o0 += idx[d] * strides[0][d];
            if (k > 1) {
                o1 += idx[d] * strides[1][d];
            }
            if (k > 2) {
                o2 += idx[d] * strides[2][d];
            }
        }
        int inner = sizes[r - 1];
        int pos = start;
        while (pos < end) {
            int n = Math.min(inner - idx[r - 1], end - pos);
            run.accept(n, o0, o1, o2, pos);
            pos += n;
            if (pos >= end) {
                break;
            }
            // Advance the multi-index by n along the innermost dim, carrying outward.
            idx[r - 1] += n;
            o0 += n * strides[0][r - 1];
            if (k > 1) {
                o1 += n * strides[1][r - 1];
            }
            if (k > 2) {
                o2 += n * strides[2][r - 1];
            }
            for (int d = r - 1; d > 0 && idx[d] == sizes[d]; d--) {
                idx[d] = 0;
                o0 -= sizes[d] * strides[0][d];
                idx[d - 1]++;
                o0 += strides[0][d - 1];
                if (k > 1) {
                    o1 += strides[1][d - 1] - sizes[d] * strides[1][d];
                }
                if (k > 2) {
                    o2 += strides[2][d - 1] - sizes[d] * strides[2][d];
                }
            }
        }
    }
}
