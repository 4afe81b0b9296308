package ed4j.tensor.cpu;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Index-based selection and its scatter-add adjoints. */
final class IndexKernels {

    private IndexKernels() {}

    static Tensor indexSelect(CpuBackend be, Tensor x, int dim, Tensor index) {
        throw new UnsupportedOperationException("indexSelect is not implemented on the CPU backend");
    }

    static Tensor indexAdd(CpuBackend be, Shape shape, int dim, Tensor index, Tensor source) {
        throw new UnsupportedOperationException("indexAdd is not implemented on the CPU backend");
    }

    static Tensor gather(CpuBackend be, Tensor x, int dim, Tensor index) {
        throw new UnsupportedOperationException("gather is not implemented on the CPU backend");
    }

    static Tensor scatterAdd(CpuBackend be, Shape shape, int dim, Tensor index, Tensor source) {
        throw new UnsupportedOperationException("scatterAdd is not implemented on the CPU backend");
    }
}
