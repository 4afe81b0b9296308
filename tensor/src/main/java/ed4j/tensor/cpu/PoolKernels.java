package ed4j.tensor.cpu;

import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** 2-d average and max pooling. */
final class PoolKernels {

    private PoolKernels() {}

    static Tensor avgPool2d(CpuBackend be, Tensor x, Pool2dParams p) {
        throw new UnsupportedOperationException("avgPool2d is not implemented on the CPU backend");
    }

    static Tensor avgPool2dBackward(CpuBackend be, Tensor gradOut, Shape inputShape,
            Pool2dParams p) {
        throw new UnsupportedOperationException(
                "avgPool2d backward is not implemented on the CPU backend");
    }

    static Tensor[] maxPool2d(CpuBackend be, Tensor x, Pool2dParams p) {
        throw new UnsupportedOperationException("maxPool2d is not implemented on the CPU backend");
    }

    static Tensor maxPool2dBackward(CpuBackend be, Tensor gradOut, Tensor indices,
            Shape inputShape) {
        throw new UnsupportedOperationException(
                "maxPool2d backward is not implemented on the CPU backend");
    }
}
