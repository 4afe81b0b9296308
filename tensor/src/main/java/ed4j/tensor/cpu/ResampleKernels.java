package ed4j.tensor.cpu;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Bilinear resampling. */
final class ResampleKernels {

    private ResampleKernels() {}

    static Tensor bilinear(CpuBackend be, Tensor x, int outH, int outW, boolean alignCorners) {
        throw new UnsupportedOperationException(
                "upsampleBilinear2d is not implemented on the CPU backend");
    }

    static Tensor bilinearBackward(CpuBackend be, Tensor gradOut, Shape inputShape,
            boolean alignCorners) {
        throw new UnsupportedOperationException(
                "upsampleBilinear2d backward is not implemented on the CPU backend");
    }
}
