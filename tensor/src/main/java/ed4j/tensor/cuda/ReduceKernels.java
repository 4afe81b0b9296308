package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.ReduceOp;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Launches the kernels of {@code ReduceKernels.cu}: reductions over dims, max/min/median along a
 * dim with indices, softmax and log-softmax (of {@code scale * x}), the softmax gradient and the
 * one-pass {@code sum(a * log(max(y, floor)))}. CPU reference:
 * {@code ed4j.tensor.cpu.ReduceKernels}.
 *
 * <p>A reduction sees x as {@code (outer, inner)}: kept dims, reduced dims. Short rows, and
 * outputs that are neighbours in memory (reduction over leading dims), take one thread per
 * output ({@code reduce_rows}); otherwise blocks reduce fixed parts of each row and a second
 * kernel combines the parts in order ({@code reduce_parts}, {@code reduce_finish}). Row kernels
 * take one warp per row.
 */
final class ReduceKernels {

    static final String FAMILY = "ReduceKernels";
    static final int BLOCK = 256;
    static final int WARPS = 8;
    /** Rows at most this long always take one thread per output. */
    static final int SHORT_ROW = 16;
    /** Elements per part of a long row. */
    static final int PART = 4096;

    private ReduceKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        List<String> names = new ArrayList<>();
        for (String t : new String[] {"f32", "f64"}) {
            for (String k : new String[] {"reduce_parts", "reduce_finish", "reduce_rows",
                "argreduce", "median", "sum_times_log"}) {
                names.add(k + "_forward_v1_" + t);
            }
            names.add("softmax_forward_v2_" + t);
            names.add("softmax_backward_v1_" + t);
        }
        return names;
    }

    static Tensor reduce(CudaBackend be, ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        int rank = x.rank();
        boolean[] reduced = new boolean[rank];
        for (int d : dims) {
            reduced[d] = true;
        }
        int nk = rank - dims.length;
        int[] keptDims = new int[nk];
        int[] keptStrides = new int[nk];
        int[] redDims = new int[dims.length];
        int[] redStrides = new int[dims.length];
        int[] outDims = new int[keepdim ? rank : nk];
        long outer = 1;
        long inner = 1;
        for (int d = 0, k = 0, r = 0, o = 0; d < rank; d++) {
            if (reduced[d]) {
                redDims[r] = x.size(d);
                redStrides[r++] = x.stride(d);
                inner *= x.size(d);
                if (keepdim) {
                    outDims[o++] = 1;
                }
            } else {
                keptDims[k] = x.size(d);
                keptStrides[k++] = x.stride(d);
                outer *= x.size(d);
                outDims[o++] = x.size(d);
            }
        }
        Tensor out = be.empty(Shape.of(outDims), x.dtype());
        if (outer == 0) {
            return out;
        }
        String name = op.name().toLowerCase(Locale.ROOT);
        if (inner == 0) {
            ElementwiseKernels.fill(be, out, op == ReduceOp.MEAN ? Double.NaN : 0.0);
            return out;
        }
        StridedDesc kept = StridedDesc.of(keptDims, new int[][] {keptStrides},
                new int[] {x.offset()})[0];
        StridedDesc red = StridedDesc.of(redDims, new int[][] {redStrides}, new int[] {0})[0];
        String t = CudaBackend.suffix(x.dtype());
        int o = (int) outer;
        int n = (int) inner;
        boolean neighbours = keptDims.length > 0 && keptStrides[keptStrides.length - 1] == 1;
        if (n <= SHORT_ROW || (neighbours && o >= 4 * BLOCK * be.multiprocessors() / 8)) {
            be.launch(name, FAMILY, "reduce_rows_forward_v1_" + t, LaunchConfig.linear(o, BLOCK),
                    new KernelArgs().i32(op.ordinal()).i32(o).i32(n).ptr(CudaBackend.storage(x))
                            .strided(kept).strided(red).ptr(CudaBackend.storage(out)));
            return out;
        }
        int target = 4 * be.multiprocessors();
        int parts = (int) Math.max(1, Math.min((target + o - 1) / o, (n + PART - 1) / PART));
        try (Scratch s = new Scratch(be)) {
            CudaStorage partial = s.buffer(DType.FLOAT64, o * parts);
            long blocks = Math.min((long) o * parts, LaunchConfig.MAX_LINEAR_BLOCKS);
            be.launch(name, FAMILY, "reduce_parts_forward_v1_" + t,
                    new LaunchConfig((int) blocks, 1, 1, BLOCK, 0),
                    new KernelArgs().i32(op.ordinal()).i32(o).i32(n).i32(parts)
                            .ptr(CudaBackend.storage(x)).strided(kept).strided(red).ptr(partial));
            be.launch(name, FAMILY, "reduce_finish_forward_v1_" + t, LaunchConfig.linear(o, BLOCK),
                    new KernelArgs().i32(op.ordinal()).i32(o).i32(n).i32(parts).ptr(partial)
                            .ptr(CudaBackend.storage(out)));
        }
        return out;
    }

    static Tensor[] reduceWithIndex(CudaBackend be, IndexReduceOp op, Tensor x, int dim,
            boolean keepdim) {
        int[] outDims = x.shape().toArray();
        outDims[dim] = 1;
        Shape kept = Shape.of(outDims);
        Tensor values = be.empty(kept, x.dtype());
        Tensor indices = be.empty(kept, DType.INT64);
        int rows = kept.numel();
        int n = x.size(dim);
        if (rows > 0) {
            String t = CudaBackend.suffix(x.dtype());
            StridedDesc heads = StridedDesc.of(x.select(dim, 0));
            KernelArgs args = new KernelArgs();
            String kernel;
            if (op == IndexReduceOp.MEDIAN) {
                kernel = "median_forward_v1_" + t;
            } else {
                kernel = "argreduce_forward_v1_" + t;
                args.i32(op.ordinal());
            }
            args.i32(rows).i32(n).ptr(CudaBackend.storage(x)).strided(heads).i32(x.stride(dim))
                    .ptr(CudaBackend.storage(values)).ptr(CudaBackend.storage(indices));
            be.launch(op.name().toLowerCase(Locale.ROOT), FAMILY, kernel,
                    LaunchConfig.warpPerRow(rows, WARPS, 0), args);
        }
        if (keepdim) {
            return new Tensor[] {values, indices};
        }
        return new Tensor[] {values.squeeze(dim), indices.squeeze(dim)};
    }

    /** Softmax (or log-softmax) of {@code scale * x} along {@code dim}. */
    static Tensor softmax(CudaBackend be, Tensor x, int dim, boolean log, double scale) {
        Tensor out = be.empty(x.shape(), x.dtype());
        if (x.numel() == 0) {
            return out;
        }
        if (x.rank() == 0) {
            ElementwiseKernels.fill(be, out, log ? 0.0 : 1.0);
            return out;
        }
        int rows = x.numel() / x.size(dim);
        StridedDesc in = StridedDesc.of(x.select(dim, 0));
        StridedDesc dst = StridedDesc.of(out.select(dim, 0));
        be.launch(log ? "logSoftmax" : scale == 1.0 ? "softmax" : "scaledSoftmax", FAMILY,
                "softmax_forward_v2_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.warpPerRow(rows, WARPS, 0),
                new KernelArgs().i32(rows).i32(x.size(dim)).ptr(CudaBackend.storage(x))
                        .strided(in).i32(x.stride(dim)).ptr(CudaBackend.storage(out))
                        .strided(dst).i32(out.stride(dim)).i32(log ? 1 : 0).f64(scale));
        return out;
    }

    /**
     * {@code scale * y * (g - sum_dim(g * y))}: the gradient through a softmax, from its output;
     * {@code g} and {@code y} of one shape, rank 1 or more.
     */
    static Tensor softmaxBackward(CudaBackend be, Tensor g, Tensor y, int dim, double scale) {
        Tensor out = be.empty(y.shape(), y.dtype());
        if (y.numel() == 0) {
            return out;
        }
        int rows = y.numel() / y.size(dim);
        be.launch("softmaxBackward", FAMILY,
                "softmax_backward_v1_" + CudaBackend.suffix(y.dtype()),
                LaunchConfig.warpPerRow(rows, WARPS, 0),
                new KernelArgs().i32(rows).i32(y.size(dim))
                        .ptr(CudaBackend.storage(g)).strided(StridedDesc.of(g.select(dim, 0)))
                        .i32(g.stride(dim))
                        .ptr(CudaBackend.storage(y)).strided(StridedDesc.of(y.select(dim, 0)))
                        .i32(y.stride(dim))
                        .ptr(CudaBackend.storage(out))
                        .strided(StridedDesc.of(out.select(dim, 0))).i32(out.stride(dim))
                        .f64(scale));
        return out;
    }

    /** {@code sum(a * log(max(y, floor)))} over every element, shape {@code ()}. */
    static Tensor sumTimesLog(CudaBackend be, Tensor a, Tensor y, double floor) {
        Tensor out = be.empty(Shape.scalar(), a.dtype());
        int n = a.numel();
        if (n == 0) {
            ElementwiseKernels.fill(be, out, 0.0);
            return out;
        }
        String t = CudaBackend.suffix(a.dtype());
        int parts = Math.max(1, Math.min(4 * be.multiprocessors(), (n + PART - 1) / PART));
        StridedDesc[] d = StridedDesc.of(a, y);
        try (Scratch s = new Scratch(be)) {
            CudaStorage partial = s.buffer(DType.FLOAT64, parts);
            be.launch("sumTimesLog", FAMILY, "sum_times_log_forward_v1_" + t,
                    new LaunchConfig(parts, 1, 1, BLOCK, 0),
                    new KernelArgs().i32(n).i32(parts).ptr(CudaBackend.storage(a)).strided(d[0])
                            .ptr(CudaBackend.storage(y)).strided(d[1]).f64(floor).ptr(partial));
            be.launch("sumTimesLog", FAMILY, "reduce_finish_forward_v1_" + t,
                    LaunchConfig.linear(1, BLOCK),
                    new KernelArgs().i32(ReduceOp.SUM.ordinal()).i32(1).i32(n).i32(parts)
                            .ptr(partial).ptr(CudaBackend.storage(out)));
        }
        return out;
    }
}
