package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Tensor;

/**
 * Fused optimizer updates: one pass over parameter, gradient and state instead of a dozen
 * elementwise ops, each allocating a parameter-sized tensor. Float32 state is updated in float32
 * arithmetic in PyTorch's order of operations (on vector units where the Vector API is present,
 * bit for bit the scalar result); chunks of the parameter run in parallel.
 */
final class OptimizerKernels {

    private OptimizerKernels() {}

    private static final int GRAIN = 1 << 14;

    static void adam(CpuBackend be, Tensor param, Tensor grad, Tensor m, Tensor v, double beta1,
            double beta2, double eps, double weightDecay, double stepSize, double bc2Sqrt) {
        int n = param.numel();
        int op = param.offset();
        int og = grad.offset();
        int om = m.offset();
        int ov = v.offset();
        if (param.dtype() == DType.FLOAT32) {
            float[] p = ((CpuStorage) param.storage()).floats();
            float[] g = ((CpuStorage) grad.storage()).floats();
            float[] ma = ((CpuStorage) m.storage()).floats();
            float[] va = ((CpuStorage) v.storage()).floats();
            FloatMath.AdamCoefficients c = new FloatMath.AdamCoefficients((float) beta1,
                    (float) (1 - beta1), (float) beta2, (float) (1 - beta2), (float) weightDecay,
                    (float) stepSize, (float) bc2Sqrt, (float) eps);
            be.parallel().forRange(n, GRAIN, (s, e) -> FloatMath.INSTANCE.adam(p, op + s, g,
                    og + s, ma, om + s, va, ov + s, e - s, c));
        } else {
            double[] p = ((CpuStorage) param.storage()).doubles();
            double[] g = ((CpuStorage) grad.storage()).doubles();
            double[] ma = ((CpuStorage) m.storage()).doubles();
            double[] va = ((CpuStorage) v.storage()).doubles();
            be.parallel().forRange(n, GRAIN, (s, e) -> {
                for (int i = s; i < e; i++) {
                    double gi = g[og + i] + weightDecay * p[op + i];
                    double mi = ma[om + i] * beta1 + (1 - beta1) * gi;
                    double vi = va[ov + i] * beta2 + (1 - beta2) * gi * gi;
                    ma[om + i] = mi;
                    va[ov + i] = vi;
                    p[op + i] -= stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
                }
            });
        }
    }
}
