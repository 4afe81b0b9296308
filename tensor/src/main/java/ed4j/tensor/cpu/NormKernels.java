package ed4j.tensor.cpu;

import ed4j.tensor.Tensor;

/** Layer normalisation. */
final class NormKernels {

    private NormKernels() {}

    static Tensor[] layerNorm(CpuBackend be, Tensor x, Tensor weight, Tensor bias,
            int normalizedNumel, double eps) {
        throw new UnsupportedOperationException("layerNorm is not implemented on the CPU backend");
    }

    static Tensor[] layerNormBackward(CpuBackend be, Tensor gradOut, Tensor x, Tensor mean,
            Tensor rstd, Tensor weight, int normalizedNumel) {
        throw new UnsupportedOperationException(
                "layerNorm backward is not implemented on the CPU backend");
    }
}
