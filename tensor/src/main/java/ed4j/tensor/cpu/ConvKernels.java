package ed4j.tensor.cpu;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** 2-d convolution kernels. */
final class ConvKernels {

    private ConvKernels() {}

    static Tensor conv2d(CpuBackend be, Tensor x, Tensor w, Tensor bias, Conv2dParams p) {
        throw new UnsupportedOperationException("conv2d is not implemented on the CPU backend");
    }

    static Tensor backwardInput(CpuBackend be, Tensor gradOut, Tensor w, Shape inputShape,
            Conv2dParams p) {
        throw new UnsupportedOperationException(
                "conv2d backward (input) is not implemented on the CPU backend");
    }

    static Tensor backwardWeight(CpuBackend be, Tensor gradOut, Tensor x, Shape weightShape,
            Conv2dParams p) {
        throw new UnsupportedOperationException(
                "conv2d backward (weight) is not implemented on the CPU backend");
    }
}
