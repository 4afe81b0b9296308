package ed4j.tensor.cuda;

import ed4j.tensor.BinaryOp;
import ed4j.tensor.DType;
import ed4j.tensor.Tensor;
import ed4j.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Launches the kernels of {@code ElementwiseKernels.cu}: unary and binary functions, clamp,
 * where, cast, copy, fill and an in-place add over strided operands, and the fused Adam step.
 * The operands of one launch are described together over the result's row-major index space
 * ({@link StridedDesc}); one thread per element in a grid-stride loop. CPU reference:
 * {@code ed4j.tensor.cpu.ElementwiseKernels} and {@code ed4j.tensor.cpu.OptimizerKernels}.
 */
final class ElementwiseKernels {

    static final String FAMILY = "ElementwiseKernels";
    static final int THREADS = 256;

    private ElementwiseKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        List<String> names = new ArrayList<>();
        for (String t : new String[] {"f32", "f64"}) {
            names.add("unary_forward_v1_" + t);
            names.add("binary_forward_v1_" + t);
            names.add("clamp_forward_v1_" + t);
            names.add("add_into_forward_v1_" + t);
            names.add("adam_forward_v1_" + t);
        }
        for (DType a : DType.values()) {
            names.add("copy_forward_v1_" + CudaBackend.suffix(a));
            names.add("fill_forward_v1_" + CudaBackend.suffix(a));
            for (DType b : DType.values()) {
                names.add("cast_forward_v1_" + CudaBackend.suffix(a) + "_" + CudaBackend.suffix(b));
                names.add("where_forward_v1_" + CudaBackend.suffix(a) + "_"
                        + CudaBackend.suffix(b));
            }
        }
        return names;
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static Tensor unary(CudaBackend be, UnaryOp op, Tensor x) {
        Tensor out = be.empty(x.shape(), x.dtype());
        int n = x.numel();
        if (n == 0) {
            return out;
        }
        StridedDesc dx = StridedDesc.of(x);
        be.launch(lower(op), FAMILY, "unary_forward_v1_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(op.ordinal()).i32(n).ptr(CudaBackend.storage(x))
                        .strided(dx).ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor binary(CudaBackend be, BinaryOp op, Tensor a, Tensor b) {
        Tensor out = be.empty(a.shape(), a.dtype());
        int n = a.numel();
        if (n == 0) {
            return out;
        }
        StridedDesc[] d = StridedDesc.of(a, b);
        be.launch(lower(op), FAMILY, "binary_forward_v1_" + CudaBackend.suffix(a.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(op.ordinal()).i32(n).ptr(CudaBackend.storage(a))
                        .strided(d[0]).ptr(CudaBackend.storage(b)).strided(d[1])
                        .ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor clamp(CudaBackend be, Tensor x, double min, double max) {
        Tensor out = be.empty(x.shape(), x.dtype());
        int n = x.numel();
        if (n == 0) {
            return out;
        }
        be.launch("clamp", FAMILY, "clamp_forward_v1_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(x)).strided(StridedDesc.of(x))
                        .f64(min).f64(max).ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor where(CudaBackend be, Tensor cond, Tensor a, Tensor b) {
        Tensor out = be.empty(a.shape(), a.dtype());
        int n = a.numel();
        if (n == 0) {
            return out;
        }
        StridedDesc[] d = StridedDesc.of(cond, a, b);
        be.launch("where", FAMILY, "where_forward_v1_" + CudaBackend.suffix(cond.dtype()) + "_"
                        + CudaBackend.suffix(a.dtype()), LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(cond)).strided(d[0])
                        .ptr(CudaBackend.storage(a)).strided(d[1])
                        .ptr(CudaBackend.storage(b)).strided(d[2])
                        .ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor cast(CudaBackend be, Tensor x, DType dtype) {
        Tensor out = be.empty(x.shape(), dtype);
        int n = x.numel();
        if (n == 0) {
            return out;
        }
        be.launch("cast", FAMILY, "cast_forward_v1_" + CudaBackend.suffix(x.dtype()) + "_"
                        + CudaBackend.suffix(dtype), LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(x)).strided(StridedDesc.of(x))
                        .ptr(CudaBackend.storage(out)));
        return out;
    }

    /** {@code dst} (a view, same shape and dtype as {@code src}) gets {@code src}'s elements. */
    static void copyInto(CudaBackend be, Tensor dst, Tensor src) {
        int n = dst.numel();
        if (n == 0) {
            return;
        }
        StridedDesc[] d = StridedDesc.of(src, dst);
        be.launch("copy", FAMILY, "copy_forward_v1_" + CudaBackend.suffix(dst.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(src)).strided(d[0])
                        .ptr(CudaBackend.storage(dst)).strided(d[1]));
    }

    static void fill(CudaBackend be, Tensor dst, double value) {
        int n = dst.numel();
        if (n == 0) {
            return;
        }
        be.launch("fill", FAMILY, "fill_forward_v1_" + CudaBackend.suffix(dst.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(dst))
                        .strided(StridedDesc.of(dst)).f64(value));
    }

    /** {@code dst += src}, element by element; {@code dst} holds each element once. */
    static void addInto(CudaBackend be, Tensor dst, Tensor src) {
        int n = dst.numel();
        if (n == 0) {
            return;
        }
        StridedDesc[] d = StridedDesc.of(dst, src);
        be.launch("addInPlace", FAMILY, "add_into_forward_v1_" + CudaBackend.suffix(dst.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(dst)).strided(d[0])
                        .ptr(CudaBackend.storage(src)).strided(d[1]));
    }

    /**
     * One Adam step in place over contiguous {@code param}, {@code grad}, {@code m}, {@code v}
     * of one shape and float dtype (see {@code Backend.adamUpdate}).
     */
    static void adam(CudaBackend be, Tensor param, Tensor grad, Tensor m, Tensor v, double beta1,
            double beta2, double eps, double weightDecay, double stepSize, double bc2Sqrt) {
        int n = param.numel();
        if (n == 0) {
            return;
        }
        be.launch("adam", FAMILY, "adam_forward_v1_" + CudaBackend.suffix(param.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n)
                        .ptr(CudaBackend.storage(param)).i32(param.offset())
                        .ptr(CudaBackend.storage(grad)).i32(grad.offset())
                        .ptr(CudaBackend.storage(m)).i32(m.offset())
                        .ptr(CudaBackend.storage(v)).i32(v.offset())
                        .f64(beta1).f64(1 - beta1).f64(beta2).f64(1 - beta2).f64(weightDecay)
                        .f64(stepSize).f64(bc2Sqrt).f64(eps));
    }
}
