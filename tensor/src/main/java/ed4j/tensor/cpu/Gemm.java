package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Batched matrix multiplication. */
final class Gemm {

    private Gemm() {}

    static Tensor matmul(CpuBackend be, Tensor a, Tensor b) {
        int rank = a.rank();
        int m = a.size(rank - 2);
        int k = a.size(rank - 1);
        int n = b.size(rank - 1);
        int[] outDims = a.shape().toArray();
        outDims[rank - 1] = n;
        Tensor out = be.empty(Shape.of(outDims), a.dtype());
        int batch = out.numel() / Math.max(1, m * n);
        if (out.numel() == 0) {
            return out;
        }
        Tensor a3 = a.contiguous().reshape(batch, m, k);
        Tensor b3 = b.contiguous().reshape(batch, k, n);
        if (a.dtype() == DType.FLOAT32) {
            float[] x = ((CpuStorage) a3.storage()).floats();
            float[] y = ((CpuStorage) b3.storage()).floats();
            float[] z = ((CpuStorage) out.storage()).floats();
            int ox = a3.offset();
            int oy = b3.offset();
            be.parallel().forRange(batch * m, 1, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int bi = r / m;
                    int i = r % m;
                    int zo = r * n;
                    for (int p = 0; p < k; p++) {
                        float av = x[ox + (bi * m + i) * k + p];
                        int yo = oy + (bi * k + p) * n;
                        for (int j = 0; j < n; j++) {
                            z[zo + j] += av * y[yo + j];
                        }
                    }
                }
            });
        } else {
            double[] x = ((CpuStorage) a3.storage()).doubles();
            double[] y = ((CpuStorage) b3.storage()).doubles();
            double[] z = ((CpuStorage) out.storage()).doubles();
            int ox = a3.offset();
            int oy = b3.offset();
            be.parallel().forRange(batch * m, 1, (r0, r1) -> {
                for (int r = r0; r < r1; r++) {
                    int bi = r / m;
                    int i = r % m;
                    int zo = r * n;
                    for (int p = 0; p < k; p++) {
                        double av = x[ox + (bi * m + i) * k + p];
                        int yo = oy + (bi * k + p) * n;
                        for (int j = 0; j < n; j++) {
                            z[zo + j] += av * y[yo + j];
                        }
                    }
                }
            });
        }
        return out;
    }
}
