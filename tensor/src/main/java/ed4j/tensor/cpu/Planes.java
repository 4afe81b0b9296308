package ed4j.tensor.cpu;

import ed4j.tensor.Tensor;

/**
 * Moves the 2-d planes of a 4-d tensor {@code (N, C, H, W)} between storages of any layout and
 * {@code double} buffers, for the kernels that work plane by plane (pooling, resampling).
 *
 * <p>Plane {@code p} is {@code (n, c) = (p / C, p % C)}: planes are numbered in row-major order,
 * which is also their order in a contiguous result.
 */
final class Planes {

    private Planes() {}

    /** Storage offset of plane {@code p} of the 4-d tensor {@code t}. */
    static int offset(Tensor t, int p) {
        int c = t.size(1);
        return t.offset() + (p / c) * t.stride(0) + (p % c) * t.stride(1);
    }

    /**
     * Reads an {@code h x w} plane starting at {@code off} with row step {@code sh} and column
     * step {@code sw} into {@code dst}, row {@code i} going to {@code dst[dstOff + i * dstRow]}.
     */
    static void load(CpuStorage s, int off, int sh, int sw, int h, int w,
            double[] dst, int dstOff, int dstRow) {
        for (int i = 0; i < h; i++) {
            int src = off + i * sh;
            int d = dstOff + i * dstRow;
            switch (s.dtype()) {
                case FLOAT32 -> {
                    float[] a = s.floats();
                    if (sw == 1) {
                        for (int j = 0; j < w; j++) {
                            dst[d + j] = a[src + j];
                        }
                    } else {
                        for (int j = 0; j < w; j++) {
                            dst[d + j] = a[src + j * sw];
                        }
                    }
                }
                case FLOAT64 -> {
                    double[] a = s.doubles();
                    if (sw == 1) {
                        System.arraycopy(a, src, dst, d, w);
                    } else {
                        for (int j = 0; j < w; j++) {
                            dst[d + j] = a[src + j * sw];
                        }
                    }
                }
                case INT64 -> throw new IllegalStateException(
                        "plane kernels take float32 or float64 tensors, got int64");
            }
        }
    }

    /** Reads plane {@code p} of the 4-d tensor {@code t} into {@code dst[0 .. H*W)}. */
    static void load(Tensor t, int p, double[] dst) {
        int w = t.size(3);
        load(ElementwiseKernels.storage(t), offset(t, p), t.stride(2), t.stride(3), t.size(2), w,
                dst, 0, w);
    }

    /**
     * Writes {@code h} rows of {@code w} values, row {@code i} taken from
     * {@code src[srcOff + i * srcRow]}, to consecutive elements of {@code s} from {@code off}.
     */
    static void store(double[] src, int srcOff, int srcRow, int h, int w, CpuStorage s, int off) {
        if (srcOff == 0 && srcRow == w) {
            ElementwiseKernels.store(s, off, src, h * w);
            return;
        }
        switch (s.dtype()) {
            case FLOAT32 -> {
                float[] a = s.floats();
                for (int i = 0; i < h; i++) {
                    int from = srcOff + i * srcRow;
                    int to = off + i * w;
                    for (int j = 0; j < w; j++) {
                        a[to + j] = (float) src[from + j];
                    }
                }
            }
            case FLOAT64 -> {
                double[] a = s.doubles();
                for (int i = 0; i < h; i++) {
                    System.arraycopy(src, srcOff + i * srcRow, a, off + i * w, w);
                }
            }
            case INT64 -> throw new IllegalStateException(
                    "plane kernels write float32 or float64 tensors, got int64");
        }
    }
}
