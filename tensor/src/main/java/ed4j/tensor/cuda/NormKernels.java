package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Launches the layer-normalisation kernels of {@code NormKernels.cu}: forward and input gradient
 * with one warp per row, parameter gradients as column sums over fixed row blocks combined in
 * block order. CPU reference: {@code ed4j.tensor.cpu.NormKernels}.
 */
final class NormKernels {

    static final String FAMILY = "NormKernels";
    static final int WARPS = 8;
    static final int COLUMNS = 256;
    static final int MAX_BLOCKS = 64;
    static final int MIN_BLOCK_ROWS = 16;

    private NormKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        return List.of("layernorm_forward_v1_f32", "layernorm_forward_v1_f64",
                "layernorm_backward_v1_f32", "layernorm_backward_v1_f64",
                "layernorm_params_backward_v1_f32", "layernorm_params_backward_v1_f64",
                "layernorm_params_finish_backward_v1_f32",
                "layernorm_params_finish_backward_v1_f64");
    }

    static Tensor[] layerNorm(CudaBackend be, Tensor x, Tensor weight, Tensor bias, int d,
            double eps) {
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor y = be.empty(x.shape(), x.dtype());
        Tensor mean = be.empty(Shape.of(rows), x.dtype());
        Tensor rstd = be.empty(Shape.of(rows), x.dtype());
        if (rows == 0) {
            return new Tensor[] {y, mean, rstd};
        }
        try (Scratch s = new Scratch(be)) {
            Tensor xc = s.contiguous(x);
            Tensor w = weight == null ? xc : s.contiguous(weight);
            Tensor b = bias == null ? xc : s.contiguous(bias);
            be.launch("layerNorm", FAMILY, "layernorm_forward_v1_" + CudaBackend.suffix(x.dtype()),
                    LaunchConfig.warpPerRow(rows, WARPS, 0),
                    new KernelArgs().i32(rows).i32(d).ptr(CudaBackend.storage(xc)).i32(xc.offset())
                            .ptr(CudaBackend.storage(w)).i32(w.offset()).i32(weight == null ? 0 : 1)
                            .ptr(CudaBackend.storage(b)).i32(b.offset()).i32(bias == null ? 0 : 1)
                            .f64(eps).ptr(CudaBackend.storage(y)).ptr(CudaBackend.storage(mean))
                            .ptr(CudaBackend.storage(rstd)));
        }
        return new Tensor[] {y, mean, rstd};
    }

    static Tensor[] layerNormBackward(CudaBackend be, Tensor gradOut, Tensor x, Tensor mean,
            Tensor rstd, Tensor weight, int d) {
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor gradIn = be.empty(x.shape(), x.dtype());
        if (rows == 0) {
            Tensor gw = weight == null ? null : be.zeros(weight.shape(), weight.dtype());
            Tensor gb = weight == null ? null : be.zeros(weight.shape(), weight.dtype());
            return new Tensor[] {gradIn, gw, gb};
        }
        String t = CudaBackend.suffix(x.dtype());
        Tensor gradW = null;
        Tensor gradB = null;
        try (Scratch s = new Scratch(be)) {
            Tensor gc = s.contiguous(gradOut);
            Tensor xc = s.contiguous(x);
            Tensor mc = s.contiguous(mean);
            Tensor rc = s.contiguous(rstd);
            Tensor w = weight == null ? xc : s.contiguous(weight);
            be.launch("layerNormBackward", FAMILY, "layernorm_backward_v1_" + t,
                    LaunchConfig.warpPerRow(rows, WARPS, 0),
                    saved(new KernelArgs().i32(rows).i32(d), gc, xc, mc, rc)
                            .ptr(CudaBackend.storage(w)).i32(w.offset())
                            .i32(weight == null ? 0 : 1).ptr(CudaBackend.storage(gradIn)));
            if (weight != null) {
                gradW = be.empty(weight.shape(), weight.dtype());
                gradB = be.empty(weight.shape(), weight.dtype());
                int per = Math.max(MIN_BLOCK_ROWS, (rows + MAX_BLOCKS - 1) / MAX_BLOCKS);
                int blocks = (rows + per - 1) / per;
                CudaStorage partial = s.buffer(DType.FLOAT64, 2 * blocks * d);
                be.launch("layerNormBackward", FAMILY, "layernorm_params_backward_v1_" + t,
                        new LaunchConfig((d + COLUMNS - 1) / COLUMNS, blocks, 1, COLUMNS, 0),
                        saved(new KernelArgs().i32(rows).i32(d).i32(per), gc, xc, mc, rc)
                                .ptr(partial));
                be.launch("layerNormBackward", FAMILY,
                        "layernorm_params_finish_backward_v1_" + t,
                        LaunchConfig.linear(d, COLUMNS),
                        new KernelArgs().i32(d).i32(blocks).ptr(partial)
                                .ptr(CudaBackend.storage(gradW)).ptr(CudaBackend.storage(gradB)));
            }
        }
        return new Tensor[] {gradIn, gradW, gradB};
    }

    /** gy, x, mean, rstd: each a pointer and its element offset. */
    private static KernelArgs saved(KernelArgs args, Tensor gy, Tensor x, Tensor mean,
            Tensor rstd) {
        for (Tensor t : new Tensor[] {gy, x, mean, rstd}) {
            args.ptr(CudaBackend.storage(t)).i32(t.offset());
        }
        return args;
    }
}
