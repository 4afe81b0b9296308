package ed4j.tensor.cuda;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Launches the kernels of {@code IndexKernels.cu}. {@code gather} reads one element per output;
 * {@code indexSelect} is a gather whose 1-d index is viewed, without a copy, as expanded to the
 * output's shape. {@code scatterAdd} gives each fiber along {@code dim} to one thread that adds
 * in index order (no atomics, deterministic); {@code indexAdd} is a scatter-add with the same
 * kind of expanded index. Out-of-range indices of the scatter-adds are reported by the kernel
 * and raised here after a synchronisation. CPU reference: {@code ed4j.tensor.cpu.IndexKernels}.
 */
final class IndexKernels {

    static final String FAMILY = "IndexKernels";
    static final int THREADS = 256;

    private IndexKernels() {}

    /** Every kernel this launcher may start. */
    static List<String> kernelNames() {
        List<String> names = new ArrayList<>();
        for (DType t : DType.values()) {
            names.add("gather_forward_v1_" + CudaBackend.suffix(t));
            names.add("scatter_add_forward_v1_" + CudaBackend.suffix(t));
        }
        return names;
    }

    /** The 1-d {@code index} seen over {@code shape}: its entries along {@code dim}. */
    private static Tensor expandedIndex(Tensor index, Shape shape, int dim) {
        int[] strides = new int[shape.rank()];
        strides[dim] = index.stride(0);
        return Tensor.wrap(index.storage(), shape, strides, index.offset());
    }

    static Tensor indexSelect(CudaBackend be, Tensor x, int dim, Tensor index) {
        int[] dims = x.shape().toArray();
        dims[dim] = index.size(0);
        Shape outShape = Shape.of(dims);
        if (outShape.numel() == 0) {
            return be.empty(outShape, x.dtype());
        }
        return gather(be, x, dim, expandedIndex(index, outShape, dim));
    }

    static Tensor gather(CudaBackend be, Tensor x, int dim, Tensor index) {
        Tensor out = be.empty(index.shape(), x.dtype());
        int n = out.numel();
        if (n == 0) {
            return out;
        }
        int[] xs = x.strides();
        xs[dim] = 0;
        StridedDesc[] d = StridedDesc.of(index.shape().toArray(),
                new int[][] {xs, index.strides()}, new int[] {x.offset(), index.offset()});
        be.launch("gather", FAMILY, "gather_forward_v1_" + CudaBackend.suffix(x.dtype()),
                LaunchConfig.linear(n, THREADS),
                new KernelArgs().i32(n).ptr(CudaBackend.storage(x)).strided(d[0])
                        .i32(x.stride(dim)).ptr(CudaBackend.storage(index)).strided(d[1])
                        .ptr(CudaBackend.storage(out)));
        return out;
    }

    static Tensor indexAdd(CudaBackend be, Shape shape, int dim, Tensor index, Tensor source) {
        if (source.numel() == 0) {
            return be.zeros(shape, source.dtype());
        }
        return scatter(be, "indexAdd", shape, dim, expandedIndex(index, source.shape(), dim),
                source);
    }

    static Tensor scatterAdd(CudaBackend be, Shape shape, int dim, Tensor index, Tensor source) {
        return scatter(be, "scatterAdd", shape, dim, index, source);
    }

    private static Tensor scatter(CudaBackend be, String op, Shape shape, int dim, Tensor index,
            Tensor source) {
        Tensor out = be.zeros(shape, source.dtype());
        if (index.numel() == 0) {
            return out;
        }
        int rank = index.rank();
        int len = index.size(dim);
        int fibers = index.numel() / len;
        int[] fiberDims = new int[rank - 1];
        int[][] strides = new int[3][rank - 1];
        for (int d = 0, k = 0; d < rank; d++) {
            if (d != dim) {
                fiberDims[k] = index.size(d);
                strides[0][k] = index.stride(d);
                strides[1][k] = source.stride(d);
                strides[2][k++] = out.stride(d);
            }
        }
        StridedDesc[] f = StridedDesc.of(fiberDims, strides,
                new int[] {index.offset(), source.offset(), 0});
        long[] err;
        try (Scratch s = new Scratch(be)) {
            CudaStorage flag = s.zeros(DType.INT64, 2);
            be.launch(op, FAMILY, "scatter_add_forward_v1_" + CudaBackend.suffix(source.dtype()),
                    LaunchConfig.linear(fibers, THREADS),
                    new KernelArgs().i32(fibers).i32(len).i32(shape.size(dim))
                            .ptr(CudaBackend.storage(index)).strided(f[0]).i32(index.stride(dim))
                            .ptr(CudaBackend.storage(source)).strided(f[1])
                            .i32(source.stride(dim)).ptr(CudaBackend.storage(out)).strided(f[2])
                            .i32(out.stride(dim)).ptr(flag));
            err = be.downloadLongs(Tensor.wrap(flag, Shape.of(2)));
        }
        if (err[0] != 0) {
            throw new IllegalArgumentException(op + ": index " + err[1] + " is out of range for "
                    + "dim " + dim + " of shape " + shape);
        }
        return out;
    }
}
