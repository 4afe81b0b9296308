package ed4j.tensor.cuda;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Launches the implicit-GEMM convolution kernels of {@code ConvKernels.cu}: forward (SIMT in
 * float32 or float64, or tensor cores in the TF32 and BF16 modes; the bias, residual and ReLU
 * epilogue in its store), input gradient and weight gradient (SIMT; the weight gradient splits
 * its N*H*W reduction into slices when the output is too small to fill the GPU, and sums them
 * in order). CPU reference: {@code ed4j.tensor.cpu.ConvKernels}.
 *
 * <p>Depthwise convolutions (one input and one output channel per group) take kernels of their
 * own, which compute each result directly: through the general kernel they would use one row
 * of each 64 x 64 tile.
 */
final class ConvKernels {

    static final String FAMILY = "ConvKernels";
    static final int SIMT = 256;
    static final int WMMA = 128;
    static final int TILE = 64;
    static final int K_STEP = 16;
    static final int MAX_SLICES = 64;
    /** Threads per block of the depthwise weight gradient (DW_THREADS in the .cu). */
    static final int DW_THREADS = 256;

    private ConvKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        return List.of("conv2d_forward_v1_f32", "conv2d_forward_v1_f64", "conv2d_forward_v2_f32",
                "conv2d_forward_v3_f32", "conv2d_input_backward_v1_f32",
                "conv2d_input_backward_v1_f64", "conv2d_weight_backward_v1_f32",
                "conv2d_weight_backward_v1_f64", "splitk_sum_forward_v1_f32",
                "splitk_sum_forward_v1_f64", "dwconv_forward_v1_f32", "dwconv_forward_v1_f64",
                "dwconv_input_backward_v1_f32", "dwconv_input_backward_v1_f64",
                "dwconv_weight_backward_v1_f32", "dwconv_weight_backward_v1_f64");
    }

    /** The {@code ConvGeom} struct: n, cin, h, w, cout, kh, kw, oh, ow, groups, sh, sw, ph, pw,
     * dh, dw. */
    static int[] geometry(Shape input, Shape weight, Conv2dParams p) {
        int kh = weight.size(2);
        int kw = weight.size(3);
        return new int[] {input.size(0), input.size(1), input.size(2), input.size(3),
            weight.size(0), kh, kw, p.outH(input.size(2), kh), p.outW(input.size(3), kw),
            p.groups(), p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(),
            p.dilationW()};
    }

    /** The {@code Nchw} struct of a 4-d tensor: offset and the four strides. */
    static int[] nchw(Tensor t) {
        return new int[] {t.offset(), t.stride(0), t.stride(1), t.stride(2), t.stride(3)};
    }

    /** One input channel per group and one output channel per group: the depthwise kernels. */
    static boolean depthwise(Shape input, Shape weight, Conv2dParams p) {
        return p.groups() > 1 && p.groups() == input.size(1) && p.groups() == weight.size(0)
                && weight.size(1) == 1;
    }

    private static long tiles(long n) {
        return (n + TILE - 1) / TILE;
    }

    static Tensor conv2d(CudaBackend be, Tensor x, Tensor w, Tensor bias, Conv2dParams p,
            GemmMode mode) {
        return conv2d(be, x, w, bias, p, mode, null, false);
    }

    /**
     * The convolution with its epilogue in the store of each result: {@code + residual} (a
     * tensor of the output's shape, any strides) when not null, then ReLU when {@code relu}, one
     * op after the other in the output's dtype, as the CPU backend computes them.
     */
    static Tensor conv2d(CudaBackend be, Tensor x, Tensor w, Tensor bias, Conv2dParams p,
            GemmMode mode, Tensor residual, boolean relu) {
        int[] g = geometry(x.shape(), w.shape(), p);
        int groups = p.groups();
        Tensor out = be.empty(Shape.of(g[0], g[4], g[7], g[8]), x.dtype());
        int og = g[4] / groups;
        int positions = g[7] * g[8];
        if (out.numel() == 0) {
            return out;
        }
        if (depthwise(x.shape(), w.shape(), p)) {
            try (Scratch s = new Scratch(be)) {
                Tensor b = bias == null ? null : s.compact(bias);
                be.launch("conv2d", FAMILY, "dwconv_forward_v1_" + CudaBackend.suffix(x.dtype()),
                        LaunchConfig.linear(out.numel(), SIMT),
                        new KernelArgs().struct("ConvGeom", g).ptr(CudaBackend.storage(x))
                                .struct("Nchw", nchw(x)).ptr(CudaBackend.storage(w))
                                .struct("Nchw", nchw(w))
                                .ptr(CudaBackend.storage(b == null ? out : b))
                                .i32(b == null ? 0 : 1).ptr(CudaBackend.storage(out))
                                .ptr(CudaBackend.storage(residual == null ? out : residual))
                                .struct("Nchw", nchw(residual == null ? out : residual))
                                .i32(residual == null ? 0 : 1).i32(relu ? 1 : 0));
            }
            return out;
        }
        String kernel;
        int threads;
        if (x.dtype() == DType.FLOAT64 || mode == GemmMode.FP32) {
            kernel = "conv2d_forward_v1_" + CudaBackend.suffix(x.dtype());
            threads = SIMT;
        } else {
            kernel = mode == GemmMode.TF32 ? "conv2d_forward_v2_f32" : "conv2d_forward_v3_f32";
            threads = WMMA;
        }
        try (Scratch s = new Scratch(be)) {
            Tensor b = bias == null ? null : s.compact(bias);
            be.launch("conv2d", FAMILY, kernel,
                    LaunchConfig.tiles(tiles(og), tiles(positions), (long) g[0] * groups,
                            threads),
                    new KernelArgs().struct("ConvGeom", g).ptr(CudaBackend.storage(x))
                            .struct("Nchw", nchw(x)).ptr(CudaBackend.storage(w))
                            .struct("Nchw", nchw(w))
                            .ptr(CudaBackend.storage(b == null ? out : b)).i32(b == null ? 0 : 1)
                            .ptr(CudaBackend.storage(out))
                            .ptr(CudaBackend.storage(residual == null ? out : residual))
                            .struct("Nchw", nchw(residual == null ? out : residual))
                            .i32(residual == null ? 0 : 1).i32(relu ? 1 : 0));
        }
        return out;
    }

    static Tensor backwardInput(CudaBackend be, Tensor gradOut, Tensor w, Shape inputShape,
            Conv2dParams p) {
        int[] g = geometry(inputShape, w.shape(), p);
        Tensor gx = be.empty(inputShape, gradOut.dtype());
        if (gx.numel() == 0) {
            return gx;
        }
        if (gradOut.numel() == 0 || w.size(1) * w.size(2) * w.size(3) == 0) {
            ElementwiseKernels.fill(be, gx, 0.0);
            return gx;
        }
        if (depthwise(inputShape, w.shape(), p)) {
            be.launch("conv2dBackwardInput", FAMILY,
                    "dwconv_input_backward_v1_" + CudaBackend.suffix(gradOut.dtype()),
                    LaunchConfig.linear(gx.numel(), SIMT),
                    new KernelArgs().struct("ConvGeom", g).ptr(CudaBackend.storage(gradOut))
                            .struct("Nchw", nchw(gradOut)).ptr(CudaBackend.storage(w))
                            .struct("Nchw", nchw(w)).ptr(CudaBackend.storage(gx)));
            return gx;
        }
        int groups = p.groups();
        int cg = g[1] / groups;
        be.launch("conv2dBackwardInput", FAMILY,
                "conv2d_input_backward_v1_" + CudaBackend.suffix(gradOut.dtype()),
                LaunchConfig.tiles(tiles(cg), tiles((long) g[2] * g[3]), (long) g[0] * groups,
                        SIMT),
                new KernelArgs().struct("ConvGeom", g).ptr(CudaBackend.storage(gradOut))
                        .struct("Nchw", nchw(gradOut)).ptr(CudaBackend.storage(w))
                        .struct("Nchw", nchw(w)).ptr(CudaBackend.storage(gx)));
        return gx;
    }

    static Tensor backwardWeight(CudaBackend be, Tensor gradOut, Tensor x, Shape weightShape,
            Conv2dParams p) {
        int[] g = geometry(x.shape(), weightShape, p);
        Tensor gw = be.empty(weightShape, x.dtype());
        if (gw.numel() == 0) {
            return gw;
        }
        int groups = p.groups();
        int og = g[4] / groups;
        int kc = weightShape.size(1) * weightShape.size(2) * weightShape.size(3);
        long red = (long) g[0] * g[7] * g[8];
        if (red == 0) {
            ElementwiseKernels.fill(be, gw, 0.0);
            return gw;
        }
        if (depthwise(x.shape(), weightShape, p)) {
            be.launch("conv2dBackwardWeight", FAMILY,
                    "dwconv_weight_backward_v1_" + CudaBackend.suffix(x.dtype()),
                    new LaunchConfig((int) Math.min(gw.numel(), LaunchConfig.MAX_LINEAR_BLOCKS),
                            1, 1, DW_THREADS, 0),
                    new KernelArgs().struct("ConvGeom", g).ptr(CudaBackend.storage(gradOut))
                            .struct("Nchw", nchw(gradOut)).ptr(CudaBackend.storage(x))
                            .struct("Nchw", nchw(x)).ptr(CudaBackend.storage(gw)));
            return gw;
        }
        long blocks = tiles(og) * tiles(kc) * groups;
        long target = 2L * be.multiprocessors();
        int slices = (int) Math.max(1, Math.min(MAX_SLICES,
                Math.min((target + blocks - 1) / blocks, red / 1024)));
        int chunk = (int) ((red + slices - 1) / slices + K_STEP - 1) / K_STEP * K_STEP;
        slices = (int) ((red + chunk - 1) / chunk);
        String t = CudaBackend.suffix(x.dtype());
        try (Scratch s = new Scratch(be)) {
            CudaStorage dst = slices == 1 ? CudaBackend.storage(gw)
                    : s.buffer(x.dtype(), slices * gw.numel());
            be.launch("conv2dBackwardWeight", FAMILY, "conv2d_weight_backward_v1_" + t,
                    LaunchConfig.tiles(tiles(og), tiles(kc), (long) groups * slices, SIMT),
                    new KernelArgs().struct("ConvGeom", g).i32(slices).i32(chunk)
                            .ptr(CudaBackend.storage(gradOut)).struct("Nchw", nchw(gradOut))
                            .ptr(CudaBackend.storage(x)).struct("Nchw", nchw(x)).ptr(dst));
            if (slices > 1) {
                be.launch("conv2dBackwardWeight", FAMILY, "splitk_sum_forward_v1_" + t,
                        LaunchConfig.linear(gw.numel(), SIMT),
                        new KernelArgs().i32(gw.numel()).i32(slices).ptr(dst)
                                .ptr(CudaBackend.storage(gw)));
            }
        }
        return gw;
    }
}
