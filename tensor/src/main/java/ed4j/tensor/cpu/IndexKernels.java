package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Index-based selection ({@code indexSelect}, {@code gather}) and the scatter-adds that are their
 * adjoints ({@code indexAdd}, {@code scatterAdd}).
 *
 * <p>Shapes: around the indexed {@code dim} a tensor is seen as {@code (O, D, I)}: {@code O} the
 * product of the dims before {@code dim}, {@code D} its size, {@code I} the product of the dims
 * after it. {@code indexSelect} and {@code indexAdd} take a 1-d index {@code (K)}; {@code gather}
 * and {@code scatterAdd} take an index of the tensor's rank whose positions along {@code dim}
 * pick the element, its other dims being at most the tensor's.
 *
 * <p>The selections copy values of any dtype. The scatter-adds give each output element to one
 * thread that adds its contributions sequentially in index order, so repeated indices sum and
 * the result does not depend on the thread count; float32 sums accumulate in double.
 */
final class IndexKernels {

    private IndexKernels() {}

    // ---- indexSelect / indexAdd ---------------------------------------------------------------

    /**
     * A tensor seen as {@code (O, D, I)}: the storage of {@code t} (the input or a contiguous
     * copy of it), the offset of each outer position, the step along {@code dim}, and the step of
     * the {@code I} inner elements, which form one strided run.
     */
    private record Split(CpuStorage storage, int[] outer, int dimStride, int inner,
            int innerStride) {

        /** The split of {@code t}, from a contiguous copy when its inner dims are not one run. */
        static Split of(Tensor t, int dim) {
            int inner = 1;
            int innerStride = 1;
            int expected = -1;
            for (int d = t.rank() - 1; d > dim; d--) {
                if (t.size(d) == 1) {
                    continue;
                }
                if (expected == -1) {
                    innerStride = t.stride(d);
                } else if (t.stride(d) != expected) {
                    return of(t.contiguous(), dim);
                }
                expected = t.stride(d) * t.size(d);
                inner *= t.size(d);
            }
            Tensor heads = t;
            for (int d = t.rank() - 1; d >= dim; d--) {
                heads = heads.select(d, 0);
            }
            return new Split(ElementwiseKernels.storage(t), offsets(heads), t.stride(dim), inner,
                    innerStride);
        }
    }

    /**
     * {@code x (O, D, I)}, {@code index (K)} {@code -> (O, K, I)}: {@code out[o][k][i] =
     * x[o][index[k]][i]}.
     */
    static Tensor indexSelect(CpuBackend be, Tensor x, int dim, Tensor index) {
        int[] idx = values(index, x.size(dim), "indexSelect");
        int k = idx.length;
        int[] dims = x.shape().toArray();
        dims[dim] = k;
        Tensor out = be.empty(Shape.of(dims), x.dtype());
        if (out.numel() == 0) {
            return out;
        }
        Split s = Split.of(x, dim);
        CpuStorage src = s.storage();
        CpuStorage dst = ElementwiseKernels.storage(out);
        int n = s.inner();
        int grain = Math.max(1, ElementwiseKernels.GRAIN / n);
        be.parallel().forRange(s.outer().length * k, grain, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int from = s.outer()[u / k] + idx[u % k] * s.dimStride();
                copyRun(src, from, s.innerStride(), dst, u * n, n);
            }
        });
        return out;
    }

    /**
     * A zero tensor of {@code shape (O, D, I)} plus {@code source (O, K, I)} added along
     * {@code dim} at the positions of {@code index (K)}: {@code out[o][index[k]][i] +=
     * source[o][k][i]}.
     */
    static Tensor indexAdd(CpuBackend be, Shape shape, int dim, Tensor index, Tensor source) {
        Tensor out = be.empty(shape, source.dtype());
        int size = shape.size(dim);
        int[] idx = values(index, size, "indexAdd");
        if (source.numel() == 0) {
            return out;
        }
        // Bucket the positions k by target: order[first[t] .. first[t+1]) are, increasing, the k
        // with index[k] == t, so each output slab adds its sources in index order.
        int[] first = new int[size + 1];
        for (int t : idx) {
            first[t + 1]++;
        }
        for (int t = 0; t < size; t++) {
            first[t + 1] += first[t];
        }
        int[] order = new int[idx.length];
        int[] next = first.clone();
        for (int k = 0; k < idx.length; k++) {
            order[next[idx[k]]++] = k;
        }
        Split s = Split.of(source, dim);
        CpuStorage src = s.storage();
        CpuStorage dst = ElementwiseKernels.storage(out);
        int n = s.inner();
        int grain = Math.max(1, ElementwiseKernels.GRAIN / n);
        be.parallel().forRange(s.outer().length * size, grain, (u0, u1) -> {
            double[] acc = new double[n];
            double[] buf = new double[n];
            for (int u = u0; u < u1; u++) {
                int t = u % size;
                if (first[t] == first[t + 1]) {
                    continue;
                }
                int outer = s.outer()[u / size];
                if (src.dtype() == DType.INT64) {
                    long[] a = src.longs();
                    long[] o = dst.longs();
                    for (int m = first[t]; m < first[t + 1]; m++) {
                        int from = outer + order[m] * s.dimStride();
                        for (int i = 0; i < n; i++) {
                            o[u * n + i] += a[from + i * s.innerStride()];
                        }
                    }
                    continue;
                }
                java.util.Arrays.fill(acc, 0.0);
                for (int m = first[t]; m < first[t + 1]; m++) {
                    int from = outer + order[m] * s.dimStride();
                    ElementwiseKernels.load(src, from, s.innerStride(), buf, n);
                    for (int i = 0; i < n; i++) {
                        acc[i] += buf[i];
                    }
                }
                ElementwiseKernels.store(dst, u * n, acc, n);
            }
        });
        return out;
    }

    // ---- gather / scatterAdd ------------------------------------------------------------------

    /**
     * {@code out[p] = x[p with its dim-coordinate replaced by index[p]]} for every position
     * {@code p} of {@code index}; the result has the index's shape.
     */
    static Tensor gather(CpuBackend be, Tensor x, int dim, Tensor index) {
        Tensor out = be.empty(index.shape(), x.dtype());
        if (out.numel() == 0) {
            return out;
        }
        // x seen over the index's shape with a zero step along dim: the offset of p without its
        // dim-coordinate, to which index[p] * stride(dim) is added.
        int[] strides = x.strides();
        strides[dim] = 0;
        Tensor base = Tensor.wrap(x.storage(), index.shape(), strides, x.offset());
        StridedPlan plan = StridedPlan.of(index, base);
        int si = plan.innerStride(0);
        int sx = plan.innerStride(1);
        int sd = x.stride(dim);
        long[] ia = ElementwiseKernels.storage(index).longs();
        CpuStorage src = ElementwiseKernels.storage(x);
        CpuStorage dst = ElementwiseKernels.storage(out);
        be.parallel().forRange(out.numel(), ElementwiseKernels.GRAIN, (s, e) ->
                plan.forEachRun(s, e, (n, oi, ox, u, pos) -> {
                    switch (src.dtype()) {
                        case FLOAT32 -> {
                            float[] a = src.floats();
                            float[] o = dst.floats();
                            for (int i = 0; i < n; i++) {
                                o[pos + i] = a[ox + i * sx + (int) ia[oi + i * si] * sd];
                            }
                        }
                        case FLOAT64 -> {
                            double[] a = src.doubles();
                            double[] o = dst.doubles();
                            for (int i = 0; i < n; i++) {
                                o[pos + i] = a[ox + i * sx + (int) ia[oi + i * si] * sd];
                            }
                        }
                        case INT64 -> {
                            long[] a = src.longs();
                            long[] o = dst.longs();
                            for (int i = 0; i < n; i++) {
                                o[pos + i] = a[ox + i * sx + (int) ia[oi + i * si] * sd];
                            }
                        }
                    }
                }));
        return out;
    }

    /**
     * A zero tensor of {@code shape} into which, for every position {@code p} of {@code index},
     * {@code source[p]} is added at {@code p} with its dim-coordinate replaced by {@code index[p]}
     * (the adjoint of {@link #gather}). {@code source} may be larger than the index in any dim;
     * only the part the index covers is read, as in PyTorch.
     */
    static Tensor scatterAdd(CpuBackend be, Shape shape, int dim, Tensor index, Tensor source) {
        Tensor out = be.empty(shape, source.dtype());
        if (index.numel() == 0) {
            return out;
        }
        // Fibers along dim: all contributions of one index fiber land in one output fiber, so
        // fibers are disjoint units of work and each is summed sequentially in index order.
        Tensor sv = source;
        Tensor ov = out;
        for (int d = 0; d < index.rank(); d++) {
            sv = sv.narrow(d, 0, index.size(d));
            if (d != dim) {
                ov = ov.narrow(d, 0, index.size(d));
            }
        }
        Rows ir = Rows.along(index, dim);
        Rows sr = Rows.along(sv, dim);
        Rows outRows = Rows.along(ov, dim);
        int len = ir.length;
        int size = shape.size(dim);
        long[] ia = ElementwiseKernels.storage(index).longs();
        CpuStorage src = ElementwiseKernels.storage(source);
        CpuStorage dst = ElementwiseKernels.storage(out);
        int grain = Math.max(1, ElementwiseKernels.GRAIN / len);
        be.parallel().forRange(ir.count(), grain, (f0, f1) -> {
            int[] t = new int[len];
            double[] v = new double[len];
            double[] acc = new double[size];
            for (int f = f0; f < f1; f++) {
                for (int j = 0; j < len; j++) {
                    long k = ia[ir.starts[f] + j * ir.stride];
                    if (k < 0 || k >= size) {
                        throw new IllegalArgumentException(
                                "scatterAdd: index " + k + " is out of range for dim " + dim
                                        + " of shape " + shape);
                    }
                    t[j] = (int) k;
                }
                int ob = outRows.starts[f];
                int os = outRows.stride;
                if (src.dtype() == DType.INT64) {
                    long[] a = src.longs();
                    long[] o = dst.longs();
                    for (int j = 0; j < len; j++) {
                        o[ob + t[j] * os] += a[sr.starts[f] + j * sr.stride];
                    }
                    continue;
                }
                ElementwiseKernels.load(src, sr.starts[f], sr.stride, v, len);
                for (int j = 0; j < len; j++) {
                    acc[t[j]] += v[j];
                }
                // Write each touched target once from its double sum, then clear the sums.
                if (dst.dtype() == DType.FLOAT32) {
                    float[] o = dst.floats();
                    for (int j = 0; j < len; j++) {
                        o[ob + t[j] * os] = (float) acc[t[j]];
                    }
                } else {
                    double[] o = dst.doubles();
                    for (int j = 0; j < len; j++) {
                        o[ob + t[j] * os] = acc[t[j]];
                    }
                }
                for (int j = 0; j < len; j++) {
                    acc[t[j]] = 0.0;
                }
            }
        });
        return out;
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** {@code dst[to + i] = src[from + i * stride]} for {@code i < n}, same dtype. */
    private static void copyRun(CpuStorage src, int from, int stride, CpuStorage dst, int to,
            int n) {
        switch (src.dtype()) {
            case FLOAT32 -> {
                float[] a = src.floats();
                float[] o = dst.floats();
                if (stride == 1) {
                    System.arraycopy(a, from, o, to, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        o[to + i] = a[from + i * stride];
                    }
                }
            }
            case FLOAT64 -> {
                double[] a = src.doubles();
                double[] o = dst.doubles();
                if (stride == 1) {
                    System.arraycopy(a, from, o, to, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        o[to + i] = a[from + i * stride];
                    }
                }
            }
            case INT64 -> {
                long[] a = src.longs();
                long[] o = dst.longs();
                if (stride == 1) {
                    System.arraycopy(a, from, o, to, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        o[to + i] = a[from + i * stride];
                    }
                }
            }
        }
    }

    /** Storage offsets of the elements of {@code t} in row-major order. */
    private static int[] offsets(Tensor t) {
        int[] offs = new int[t.numel()];
        StridedPlan plan = StridedPlan.of(t);
        int s = plan.innerStride(0);
        plan.forEachRun(0, offs.length, (n, off, u1, u2, pos) -> {
            for (int i = 0; i < n; i++) {
                offs[pos + i] = off + i * s;
            }
        });
        return offs;
    }

    /** The values of a 1-d int64 index of any layout, each checked to lie in {@code [0, bound)}. */
    private static int[] values(Tensor index, int bound, String op) {
        long[] v = index.toLongArray();
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= bound) {
                throw new IllegalArgumentException(
                        op + ": index " + v[i] + " is out of range for a dim of size " + bound);
            }
            r[i] = (int) v[i];
        }
        return r;
    }
}
