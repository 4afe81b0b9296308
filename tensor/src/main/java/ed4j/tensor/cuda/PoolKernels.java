package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Launches the pooling kernels of {@code PoolKernels.cu}: average and max pooling, one thread per
 * output; the average-pooling gradient, one thread per input element gathering its windows; the
 * max-pooling gradient, one thread per plane. CPU reference: {@code ed4j.tensor.cpu.PoolKernels}.
 */
final class PoolKernels {

    static final String FAMILY = "PoolKernels";
    static final int THREADS = 256;

    private PoolKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        return List.of("avgpool2d_forward_v1_f32", "avgpool2d_forward_v1_f64",
                "avgpool2d_backward_v1_f32", "avgpool2d_backward_v1_f64",
                "maxpool2d_forward_v1_f32", "maxpool2d_forward_v1_f64",
                "maxpool2d_backward_v1_f32", "maxpool2d_backward_v1_f64");
    }

    /** The {@code PoolGeom} struct: n, c, h, w, oh, ow, kh, kw, sh, sw, ph, pw, include_pad. */
    static int[] geometry(Shape input, int oh, int ow, Pool2dParams p) {
        return new int[] {input.size(0), input.size(1), input.size(2), input.size(3), oh, ow,
            p.kernelH(), p.kernelW(), p.strideH(), p.strideW(), p.padH(), p.padW(),
            p.countIncludePad() ? 1 : 0};
    }

    private static void requireNonEmptyPlane(String op, int h, int w) {
        if (h == 0 || w == 0) {
            throw new IllegalArgumentException(
                    op + ": input planes must not be empty, got H=" + h + ", W=" + w);
        }
    }

    static Tensor avgPool2d(CudaBackend be, Tensor x, Pool2dParams p) {
        requireNonEmptyPlane("avgPool2d", x.size(2), x.size(3));
        int oh = p.outH(x.size(2));
        int ow = p.outW(x.size(3));
        Tensor out = be.empty(Shape.of(x.size(0), x.size(1), oh, ow), x.dtype());
        if (out.numel() == 0) {
            return out;
        }
        be.launch("avgPool2d", FAMILY, "avgpool2d_forward_v1_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.linear(out.numel(), THREADS),
                new KernelArgs().struct("PoolGeom", geometry(x.shape(), oh, ow, p))
                        .ptr(CudaBackend.storage(x)).struct("Nchw", ConvKernels.nchw(x))
                        .ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor avgPool2dBackward(CudaBackend be, Tensor gradOut, Shape inputShape,
            Pool2dParams p) {
        requireNonEmptyPlane("avgPool2d backward", inputShape.size(2), inputShape.size(3));
        Tensor gx = be.empty(inputShape, gradOut.dtype());
        if (gx.numel() == 0) {
            return gx;
        }
        be.launch("avgPool2dBackward", FAMILY,
                "avgpool2d_backward_v1_" + CudaBackend.suffix(gradOut.dtype()),
                LaunchConfig.linear(gx.numel(), THREADS),
                new KernelArgs()
                        .struct("PoolGeom", geometry(inputShape, gradOut.size(2),
                                gradOut.size(3), p))
                        .ptr(CudaBackend.storage(gradOut))
                        .struct("Nchw", ConvKernels.nchw(gradOut)).ptr(CudaBackend.storage(gx)));
        return gx;
    }

    static Tensor[] maxPool2d(CudaBackend be, Tensor x, Pool2dParams p) {
        requireNonEmptyPlane("maxPool2d", x.size(2), x.size(3));
        int oh = p.outH(x.size(2));
        int ow = p.outW(x.size(3));
        Shape outShape = Shape.of(x.size(0), x.size(1), oh, ow);
        Tensor values = be.empty(outShape, x.dtype());
        Tensor indices = be.empty(outShape, DType.INT64);
        if (values.numel() == 0) {
            return new Tensor[] {values, indices};
        }
        be.launch("maxPool2d", FAMILY, "maxpool2d_forward_v1_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.linear(values.numel(), THREADS),
                new KernelArgs().struct("PoolGeom", geometry(x.shape(), oh, ow, p))
                        .ptr(CudaBackend.storage(x)).struct("Nchw", ConvKernels.nchw(x))
                        .ptr(CudaBackend.storage(values)).ptr(CudaBackend.storage(indices)));
        return new Tensor[] {values, indices};
    }

    static Tensor maxPool2dBackward(CudaBackend be, Tensor gradOut, Tensor indices,
            Shape inputShape) {
        int h = inputShape.size(2);
        int w = inputShape.size(3);
        requireNonEmptyPlane("maxPool2d backward", h, w);
        Tensor gx = be.zeros(inputShape, gradOut.dtype());
        int planes = inputShape.size(0) * inputShape.size(1);
        if (gx.numel() == 0 || gradOut.numel() == 0) {
            return gx;
        }
        be.launch("maxPool2dBackward", FAMILY,
                "maxpool2d_backward_v1_" + CudaBackend.suffix(gradOut.dtype()),
                LaunchConfig.linear(planes, 64),
                new KernelArgs().i32(planes).i32(inputShape.size(1)).i32(gradOut.size(2))
                        .i32(gradOut.size(3)).i32(h * w).ptr(CudaBackend.storage(gradOut))
                        .struct("Nchw", ConvKernels.nchw(gradOut))
                        .ptr(CudaBackend.storage(indices))
                        .struct("Nchw", ConvKernels.nchw(indices)).ptr(CudaBackend.storage(gx)));
        return gx;
    }
}
