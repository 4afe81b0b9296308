package ed4j.tensor.cpu;

import ed4j.tensor.Tensor;

/**
 * A tensor seen as rows along one dim: the storage offset where each row starts, in row-major
 * order of the other dims, and the step between a row's elements. Lets row-wise kernels
 * (softmax, arg-reductions, median) read any strided layout without copying.
 */
final class Rows {

    final int[] starts;
    final int stride;
    final int length;

    private Rows(int[] starts, int stride, int length) {
        this.starts = starts;
        this.stride = stride;
        this.length = length;
    }

    static Rows along(Tensor x, int dim) {
        int length = x.size(dim);
        int stride = x.stride(dim);
        Tensor heads = x.select(dim, 0);
        int[] starts = new int[heads.numel()];
        if (starts.length > 0) {
            StridedPlan plan = StridedPlan.of(heads);
            int s = plan.innerStride(0);
            plan.forEachRun(0, starts.length, (n, off, u1, u2, pos) -> {
                for (int i = 0; i < n; i++) {
                    starts[pos + i] = off + i * s;
                }
            });
        }
        return new Rows(starts, stride, length);
    }

    int count() {
        return starts.length;
    }
}
