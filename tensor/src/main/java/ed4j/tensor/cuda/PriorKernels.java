package ed4j.tensor.cuda;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Launches the fused prior-divergence kernels of {@code PriorKernels.cu} (see
 * {@link ed4j.tensor.Backend#priorDivergence}): one warp per attention row, the factorised prior
 * of the row in shared memory. CPU reference: {@code ed4j.tensor.cpu.PriorKernels}.
 */
final class PriorKernels {

    static final String FAMILY = "PriorKernels";
    static final int MAX_WARPS = 8;
    /** Static shared memory a block may use without opting in. */
    static final int SHARED_LIMIT = 48 << 10;

    private PriorKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        return List.of("prior_divergence_forward_v1_f32", "prior_divergence_forward_v1_f64",
                "prior_divergence_backward_v1_f32", "prior_divergence_backward_v1_f64");
    }

    /** One warp per row, each with {@code gh + gw} doubles of shared memory. */
    static LaunchConfig launch(int rows, int l, int gridW) {
        int perWarp = (l / gridW + gridW) * 8;
        int warps = Math.min(MAX_WARPS, SHARED_LIMIT / perWarp);
        if (warps < 1) {
            throw new UnsupportedOperationException("priorDivergence: a " + l / gridW + " x "
                    + gridW + " token grid needs " + perWarp + " B of shared memory per row; "
                    + "at most " + SHARED_LIMIT + " B are supported");
        }
        return LaunchConfig.warpPerRow(rows, warps, warps * perWarp);
    }

    static Tensor forward(CudaBackend be, Tensor attn, Tensor a, Tensor b, int gridW, double eps) {
        int bsz = attn.size(0);
        int h = attn.size(1);
        int l = attn.size(2);
        int rows = bsz * h * l;
        Tensor out = be.empty(Shape.of(bsz, h, l, 5), attn.dtype());
        if (rows == 0) {
            return out;
        }
        try (Scratch s = new Scratch(be)) {
            Tensor ac = s.contiguous(attn);
            Tensor av = s.contiguous(s.as(a, attn.dtype()));
            Tensor bv = s.contiguous(s.as(b, attn.dtype()));
            be.launch("priorDivergence", FAMILY,
                    "prior_divergence_forward_v1_" + CudaBackend.suffix(attn.dtype()),
                    launch(rows, l, gridW),
                    new KernelArgs().i32(rows).i32(l).i32(gridW).ptr(CudaBackend.storage(ac))
                            .i32(ac.offset()).ptr(CudaBackend.storage(av)).i32(av.offset())
                            .ptr(CudaBackend.storage(bv)).i32(bv.offset()).f64(eps)
                            .ptr(CudaBackend.storage(out)));
        }
        return out;
    }

    static Tensor[] backward(CudaBackend be, Tensor gradOut, Tensor attn, Tensor a, Tensor b,
            int gridW, double eps) {
        int bsz = attn.size(0);
        int h = attn.size(1);
        int l = attn.size(2);
        int rows = bsz * h * l;
        Tensor gradAttn = be.empty(attn.shape(), attn.dtype());
        Tensor ga = be.empty(Shape.of(bsz, h, l), attn.dtype());
        Tensor gb = be.empty(Shape.of(bsz, h, l), attn.dtype());
        if (rows > 0) {
            try (Scratch s = new Scratch(be)) {
                Tensor gc = s.contiguous(s.as(gradOut, attn.dtype()));
                Tensor ac = s.contiguous(attn);
                Tensor av = s.contiguous(s.as(a, attn.dtype()));
                Tensor bv = s.contiguous(s.as(b, attn.dtype()));
                be.launch("priorDivergenceBackward", FAMILY,
                        "prior_divergence_backward_v1_" + CudaBackend.suffix(attn.dtype()),
                        launch(rows, l, gridW),
                        new KernelArgs().i32(rows).i32(l).i32(gridW).ptr(CudaBackend.storage(gc))
                                .i32(gc.offset()).ptr(CudaBackend.storage(ac)).i32(ac.offset())
                                .ptr(CudaBackend.storage(av)).i32(av.offset())
                                .ptr(CudaBackend.storage(bv)).i32(bv.offset()).f64(eps)
                                .ptr(CudaBackend.storage(gradAttn)).ptr(CudaBackend.storage(ga))
                                .ptr(CudaBackend.storage(gb)));
            }
        }
        return new Tensor[] {gradAttn, ga.to(a.dtype()), gb.to(b.dtype())};
    }
}
