package ed4j.tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional array: a {@link Storage} seen through a shape, strides and an offset.
 *
 * <p>Tensors are immutable values as far as this API goes: every operation returns a new tensor.
 * View operations ({@link #view}, {@link #permute}, {@link #narrow}, {@link #expand}, ...) share
 * the storage and copy nothing; {@link #contiguous()} copies when the layout asks for it. The
 * only mutating methods end in {@code InPlace} and are meant for optimizers and initialisers.
 *
 * <p>Every operation checks its arguments here and reports misuse with an {@link
 * IllegalArgumentException} naming the op and the shapes involved; the kernels of the {@link
 * Backend} then run on well-formed input. Operations never mix dtypes implicitly.
 */
public final class Tensor {

    private final Storage storage;
    private final int[] dims;
    private final int[] strides;
    private final int offset;
    private Shape shape;

    private Tensor(Storage storage, int[] dims, int[] strides, int offset) {
        this.storage = storage;
        this.dims = dims;
        this.strides = strides;
        this.offset = offset;
    }

    // =========================================================================================
    // Construction
    // =========================================================================================

    /** A contiguous tensor of {@code shape} over the start of {@code storage}. */
    public static Tensor wrap(Storage storage, Shape shape) {
        return wrap(storage, shape, shape.contiguousStrides(), 0);
    }

    /**
     * A view of {@code storage} with explicit strides and offset.
     *
     * @throws IllegalArgumentException when the view would reach outside the storage
     */
    public static Tensor wrap(Storage storage, Shape shape, int[] strides, int offset) {
        int[] d = shape.toArray();
        if (strides.length != d.length) {
            throw new IllegalArgumentException(
                    "wrap: " + strides.length + " strides for shape " + shape);
        }
        if (shape.numel() > 0) {
            long lo = offset;
            long hi = offset;
            for (int i = 0; i < d.length; i++) {
                long span = (long) (d[i] - 1) * strides[i];
                if (span < 0) {
                    lo += span;
                } else {
                    hi += span;
                }
            }
            if (lo < 0 || hi >= storage.size()) {
                throw new IllegalArgumentException(
                        "wrap: view of shape " + shape + " with strides " + Arrays.toString(strides)
                                + " and offset " + offset + " reaches outside a storage of "
                                + storage.size() + " elements");
            }
        }
        return new Tensor(storage, d, strides.clone(), offset);
    }

    /** Zeros of {@code shape} in float32 on the CPU. */
    public static Tensor zeros(int... shape) {
        return zeros(Shape.of(shape), DType.FLOAT32, Device.CPU);
    }

    /** Zeros of {@code shape}. */
    public static Tensor zeros(Shape shape, DType dtype) {
        return zeros(shape, dtype, Device.CPU);
    }

    /** Zeros of {@code shape} on {@code device}. */
    public static Tensor zeros(Shape shape, DType dtype, Device device) {
        return wrap(Backends.of(device).allocate(dtype, shape.numel()), shape);
    }

    /** Ones of {@code shape} in float32 on the CPU. */
    public static Tensor ones(int... shape) {
        return full(Shape.of(shape), 1.0, DType.FLOAT32, Device.CPU);
    }

    /** Ones of {@code shape}. */
    public static Tensor ones(Shape shape, DType dtype) {
        return full(shape, 1.0, dtype, Device.CPU);
    }

    /** {@code value} everywhere. */
    public static Tensor full(Shape shape, double value, DType dtype) {
        return full(shape, value, dtype, Device.CPU);
    }

    /** {@code value} everywhere, on {@code device}. */
    public static Tensor full(Shape shape, double value, DType dtype, Device device) {
        Tensor t = zeros(shape, dtype, device);
        if (value != 0.0) {
            t.backend().fill(t, value);
        }
        return t;
    }

    /** A rank-0 tensor holding {@code value}. */
    public static Tensor scalar(double value, DType dtype) {
        return full(Shape.scalar(), value, dtype, Device.CPU);
    }

    /** A rank-0 tensor holding {@code value} on {@code device}. */
    public static Tensor scalar(double value, DType dtype, Device device) {
        return full(Shape.scalar(), value, dtype, device);
    }

    /** {@code start, start + step, ...} below {@code end} (above it for a negative step). */
    public static Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || Double.isNaN(start) || Double.isNaN(end) || Double.isNaN(step)) {
            throw new IllegalArgumentException(
                    "arange: invalid range start=" + start + " end=" + end + " step=" + step);
        }
        long n = (long) Math.ceil((end - start) / step);
        if (n < 0) {
            n = 0;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: " + n + " elements is too many");
        }
        double[] values = new double[(int) n];
        for (int i = 0; i < n; i++) {
            values[i] = start + i * step;
        }
        return of(values, (int) n).to(dtype);
    }

    /** {@code 0, 1, ..., n-1}. */
    public static Tensor arange(int n, DType dtype) {
        return arange(0, n, 1, dtype);
    }

    /** Uniform samples in [0, 1) drawn from {@code gen}. */
    public static Tensor rand(Generator gen, Shape shape, DType dtype) {
        int n = shape.numel();
        if (dtype == DType.FLOAT32) {
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                v[i] = gen.nextFloat();
            }
            return of(v, shape.toArray());
        }
        requireFloating(dtype, "rand");
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = gen.nextDouble();
        }
        return of(v, shape.toArray());
    }

    /** Standard normal samples drawn from {@code gen}. */
    public static Tensor randn(Generator gen, Shape shape, DType dtype) {
        requireFloating(dtype, "randn");
        int n = shape.numel();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = gen.nextGaussian();
        }
        return of(v, shape.toArray()).to(dtype);
    }

    /** A float32 CPU tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(float[] data, int... shape) {
        Shape s = checkDataLength(data.length, shape);
        return wrap(Backends.cpu().upload(data), s);
    }

    /** A float64 CPU tensor holding a copy of {@code data} in row-major order. */
    public static Tensor of(double[] data, int... shape) {
        Shape s = checkDataLength(data.length, shape);
        return wrap(Backends.cpu().upload(data), s);
    }

    /** An int64 CPU tensor holding a copy of {@code data} in row-major order. */
    public static Tensor ofLongs(long[] data, int... shape) {
        Shape s = checkDataLength(data.length, shape);
        return wrap(Backends.cpu().upload(data), s);
    }

    private static Shape checkDataLength(int length, int[] shape) {
        Shape s = Shape.of(shape);
        if (s.numel() != length) {
            throw new IllegalArgumentException(
                    "of: " + length + " values do not fill shape " + s + " (" + s.numel()
                            + " elements)");
        }
        return s;
    }

    /** Zeros with the shape, dtype and backend of this tensor. */
    public Tensor zerosLike() {
        return wrap(backend().allocate(dtype(), numel()), shape());
    }

    /** Ones with the shape, dtype and backend of this tensor. */
    public Tensor onesLike() {
        return fullLike(1.0);
    }

    /** {@code value} everywhere, with the shape, dtype and backend of this tensor. */
    public Tensor fullLike(double value) {
        return filled(shape(), value);
    }

    /** A rank-0 tensor of this tensor's dtype and backend. */
    public Tensor scalarLike(double value) {
        return filled(Shape.scalar(), value);
    }

    private Tensor filled(Shape s, double value) {
        Tensor t = wrap(backend().allocate(dtype(), s.numel()), s);
        if (value != 0.0) {
            backend().fill(t, value);
        }
        return t;
    }

    // =========================================================================================
    // Metadata
    // =========================================================================================

    /** The shape. */
    public Shape shape() {
        Shape s = shape;
        if (s == null) {
            s = Shape.of(dims);
            shape = s;
        }
        return s;
    }

    /** Size of one dim; negative dims count from the end. */
    public int size(int dim) {
        return dims[Shape.normalizeDim(dim, dims.length, "size")];
    }

    /** Number of dims. */
    public int rank() {
        return dims.length;
    }

    /** Number of elements. */
    public int numel() {
        return shape().numel();
    }

    /** Element type. */
    public DType dtype() {
        return storage.dtype();
    }

    /** Device of the storage. */
    public Device device() {
        return storage.device();
    }

    /** The backend that runs this tensor's kernels. */
    public Backend backend() {
        return storage.backend();
    }

    /** The underlying storage, shared with every view of it. */
    public Storage storage() {
        return storage;
    }

    /** Element offset of the first element in the storage. */
    public int offset() {
        return offset;
    }

    /** A copy of the strides, in elements. */
    public int[] strides() {
        return strides.clone();
    }

    /** Stride of one dim, in elements. */
    public int stride(int dim) {
        return strides[Shape.normalizeDim(dim, dims.length, "stride")];
    }

    /**
     * True when the elements lie in row-major order without gaps (size-1 dims ignored); an empty
     * tensor is contiguous.
     */
    public boolean isContiguous() {
        if (numel() == 0) {
            return true;
        }
        int expected = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            if (dims[i] != 1) {
                if (strides[i] != expected) {
                    return false;
                }
                expected *= dims[i];
            }
        }
        return true;
    }

    // =========================================================================================
    // Views
    // =========================================================================================

    /**
     * The same elements with another shape, without copying; one size may be -1 and is then
     * inferred.
     *
     * @throws IllegalArgumentException when the sizes do not match or the layout cannot be viewed
     *     that way (use {@link #reshape})
     */
    public Tensor view(int... newShape) {
        int[] target = inferShape(newShape, "view");
        int[] newStrides = viewStrides(target);
        if (newStrides == null) {
            throw new IllegalArgumentException(
                    "view: a tensor of shape " + shape() + " with strides "
                            + Arrays.toString(strides) + " cannot be viewed as "
                            + Shape.of(target) + " without a copy; use reshape");
        }
        return new Tensor(storage, target, newStrides, offset);
    }

    /** Like {@link #view}, copying to a contiguous tensor first when the layout requires it. */
    public Tensor reshape(int... newShape) {
        int[] target = inferShape(newShape, "reshape");
        int[] newStrides = viewStrides(target);
        if (newStrides != null) {
            return new Tensor(storage, target, newStrides, offset);
        }
        Tensor c = contiguous();
        return new Tensor(c.storage, target, Shape.of(target).contiguousStrides(), c.offset);
    }

    private int[] inferShape(int[] newShape, String op) {
        int[] target = newShape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(
                            op + ": only one size may be -1, got " + Arrays.toString(newShape));
                }
                infer = i;
            } else if (target[i] < 0) {
                throw new IllegalArgumentException(
                        op + ": invalid size " + target[i] + " in " + Arrays.toString(newShape));
            } else {
                known *= target[i];
            }
        }
        int n = numel();
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException(
                        op + ": cannot infer the -1 in " + Arrays.toString(newShape)
                                + " for a tensor of shape " + shape() + " (" + n + " elements)");
            }
            target[infer] = (int) (n / known);
        } else if (known != n) {
            throw new IllegalArgumentException(
                    op + ": shape " + Arrays.toString(newShape) + " (" + known
                            + " elements) does not match a tensor of shape " + shape() + " (" + n
                            + " elements)");
        }
        return target;
    }

    /**
     * Strides that show this tensor's elements in {@code target}'s shape, or null when none
     * exist. Consecutive old dims that are laid out as one block (stride[i] == stride[i+1] *
     * size[i+1]) form a chunk; each chunk must be split or merged into new dims on its own.
     */
    private int[] viewStrides(int[] target) {
        int[] out = new int[target.length];
        if (numel() == 0 || dims.length == 0) {
            return Shape.of(target).contiguousStrides();
        }
        int newDim = target.length - 1;
        int chunkStride = strides[dims.length - 1];
        long chunkNumel = 1;
        long viewNumel = 1;
        for (int d = dims.length - 1; d >= 0; d--) {
            chunkNumel *= dims[d];
            boolean chunkEnds = d == 0
                    || (dims[d - 1] != 1 && strides[d - 1] != chunkNumel * chunkStride);
            if (chunkEnds) {
                while (newDim >= 0 && (viewNumel < chunkNumel || target[newDim] == 1)) {
                    out[newDim] = (int) (viewNumel * chunkStride);
                    viewNumel *= target[newDim];
                    newDim--;
                }
                if (viewNumel != chunkNumel) {
                    return null;
                }
                if (d > 0) {
                    chunkStride = strides[d - 1];
                    chunkNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return newDim == -1 ? out : null;
    }

    /** Flattened to one dim (a view when possible). */
    public Tensor flatten() {
        return reshape(numel());
    }

    /** Dims {@code start..end} (inclusive) merged into one. */
    public Tensor flatten(int start, int end) {
        int s = Shape.normalizeDim(start, Math.max(rank(), 1), "flatten");
        int e = Shape.normalizeDim(end, Math.max(rank(), 1), "flatten");
        if (rank() == 0) {
            return reshape(1);
        }
        if (s > e) {
            throw new IllegalArgumentException(
                    "flatten: start dim " + start + " is after end dim " + end);
        }
        int[] target = new int[rank() - (e - s)];
        int k = 0;
        for (int i = 0; i < s; i++) {
            target[k++] = dims[i];
        }
        int merged = 1;
        for (int i = s; i <= e; i++) {
            merged *= dims[i];
        }
        target[k++] = merged;
        for (int i = e + 1; i < rank(); i++) {
            target[k++] = dims[i];
        }
        return reshape(target);
    }

    /** Dims reordered: dim {@code i} of the result is dim {@code order[i]} of this tensor. */
    public Tensor permute(int... order) {
        if (order.length != rank()) {
            throw new IllegalArgumentException(
                    "permute: " + order.length + " dims given for a tensor of rank " + rank()
                            + " and shape " + shape());
        }
        int[] d = new int[rank()];
        int[] s = new int[rank()];
        boolean[] seen = new boolean[rank()];
        for (int i = 0; i < order.length; i++) {
            int o = Shape.normalizeDim(order[i], rank(), "permute");
            if (seen[o]) {
                throw new IllegalArgumentException(
                        "permute: dim " + o + " repeats in " + Arrays.toString(order));
            }
            seen[o] = true;
            d[i] = dims[o];
            s[i] = strides[o];
        }
        return new Tensor(storage, d, s, offset);
    }

    /** Two dims swapped. */
    public Tensor transpose(int dim0, int dim1) {
        int a = Shape.normalizeDim(dim0, rank(), "transpose");
        int b = Shape.normalizeDim(dim1, rank(), "transpose");
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return permute(order);
    }

    /** The last two dims swapped ({@code x.mT} in PyTorch). */
    public Tensor mT() {
        if (rank() < 2) {
            throw new IllegalArgumentException(
                    "mT: needs at least 2 dims, got a tensor of shape " + shape());
        }
        return transpose(-2, -1);
    }

    /** Elements {@code start .. start+length-1} along {@code dim}. */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shape.normalizeDim(dim, rank(), "narrow");
        if (start < 0 || length < 0 || (long) start + length > dims[d]) {
            throw new IllegalArgumentException(
                    "narrow: range [" + start + ", " + ((long) start + length) + ") is outside dim "
                            + d + " of size " + dims[d] + " (shape " + shape() + ")");
        }
        int[] nd = dims.clone();
        nd[d] = length;
        return new Tensor(storage, nd, strides.clone(), offset + (length == 0 ? 0 : start * strides[d]));
    }

    /**
     * Elements {@code start, start+step, ...} below {@code end} along {@code dim}; negative
     * {@code start} and {@code end} count from the end, and both are clipped like Python slices.
     */
    public Tensor slice(int dim, int start, int end, int step) {
        int d = Shape.normalizeDim(dim, rank(), "slice");
        if (step <= 0) {
            throw new IllegalArgumentException("slice: step must be positive, got " + step);
        }
        int n = dims[d];
        int s = start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
        int e = end < 0 ? Math.max(end + n, 0) : Math.min(end, n);
        int len = e > s ? (e - s + step - 1) / step : 0;
        int[] nd = dims.clone();
        int[] ns = strides.clone();
        nd[d] = len;
        ns[d] = strides[d] * step;
        return new Tensor(storage, nd, ns, offset + (len == 0 ? 0 : s * strides[d]));
    }

    /** The slice at {@code index} along {@code dim}, with that dim removed. */
    public Tensor select(int dim, int index) {
        int d = Shape.normalizeDim(dim, rank(), "select");
        int i = index < 0 ? index + dims[d] : index;
        if (i < 0 || i >= dims[d]) {
            throw new IllegalArgumentException(
                    "select: index " + index + " is out of range for dim " + d + " of size "
                            + dims[d] + " (shape " + shape() + ")");
        }
        int[] nd = new int[rank() - 1];
        int[] ns = new int[rank() - 1];
        for (int k = 0, j = 0; k < rank(); k++) {
            if (k != d) {
                nd[j] = dims[k];
                ns[j++] = strides[k];
            }
        }
        return new Tensor(storage, nd, ns, offset + i * strides[d]);
    }

    /**
     * Size-1 dims repeated to {@code newShape} with zero strides (nothing is copied); new leading
     * dims may be added, and -1 keeps a size.
     */
    public Tensor expand(int... newShape) {
        if (newShape.length < rank()) {
            throw new IllegalArgumentException(
                    "expand: target " + Arrays.toString(newShape) + " has fewer dims than shape "
                            + shape());
        }
        int lead = newShape.length - rank();
        int[] nd = new int[newShape.length];
        int[] ns = new int[newShape.length];
        for (int i = 0; i < newShape.length; i++) {
            int target = newShape[i];
            if (i < lead) {
                if (target < 0) {
                    throw new IllegalArgumentException(
                            "expand: -1 is not allowed for the new leading dim " + i + " in "
                                    + Arrays.toString(newShape));
                }
                nd[i] = target;
                ns[i] = 0;
                continue;
            }
            int own = dims[i - lead];
            if (target == -1 || target == own) {
                nd[i] = own;
                ns[i] = strides[i - lead];
            } else if (own == 1 && target >= 0) {
                nd[i] = target;
                ns[i] = 0;
            } else {
                throw new IllegalArgumentException(
                        "expand: cannot expand shape " + shape() + " to "
                                + Arrays.toString(newShape) + " (dim " + i + ": " + own + " to "
                                + target + "; only size-1 dims expand)");
            }
        }
        return new Tensor(storage, nd, ns, offset);
    }

    /** {@link #expand} to a shape object. */
    public Tensor broadcastTo(Shape target) {
        return shape().equals(target) ? this : expand(target.toArray());
    }

    /** Every size-1 dim removed. */
    public Tensor squeeze() {
        int n = 0;
        for (int d : dims) {
            if (d != 1) {
                n++;
            }
        }
        int[] nd = new int[n];
        int[] ns = new int[n];
        for (int i = 0, j = 0; i < rank(); i++) {
            if (dims[i] != 1) {
                nd[j] = dims[i];
                ns[j++] = strides[i];
            }
        }
        return new Tensor(storage, nd, ns, offset);
    }

    /** {@code dim} removed if its size is 1; otherwise this tensor unchanged (as PyTorch). */
    public Tensor squeeze(int dim) {
        int d = Shape.normalizeDim(dim, rank(), "squeeze");
        if (dims[d] != 1) {
            return this;
        }
        return select(d, 0);
    }

    /** A size-1 dim inserted at {@code dim} (which may equal the rank, to append). */
    public Tensor unsqueeze(int dim) {
        int d = Shape.normalizeDim(dim, rank() + 1, "unsqueeze");
        int[] nd = new int[rank() + 1];
        int[] ns = new int[rank() + 1];
        for (int i = 0, j = 0; i < nd.length; i++) {
            if (i == d) {
                nd[i] = 1;
                ns[i] = d < rank() ? strides[d] * dims[d] : 1;
            } else {
                nd[i] = dims[j];
                ns[i] = strides[j++];
            }
        }
        return new Tensor(storage, nd, ns, offset);
    }

    /** Views of consecutive pieces of {@code splitSize} along {@code dim} (the last may be short). */
    public List<Tensor> split(int splitSize, int dim) {
        int d = Shape.normalizeDim(dim, rank(), "split");
        if (splitSize <= 0) {
            throw new IllegalArgumentException("split: size must be positive, got " + splitSize);
        }
        List<Tensor> parts = new ArrayList<>();
        for (int start = 0; start < dims[d]; start += splitSize) {
            parts.add(narrow(d, start, Math.min(splitSize, dims[d] - start)));
        }
        return parts;
    }

    /** Views of pieces with the given sizes along {@code dim}. */
    public List<Tensor> split(int[] sizes, int dim) {
        int d = Shape.normalizeDim(dim, rank(), "split");
        long total = 0;
        for (int s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException(
                        "split: negative size in " + Arrays.toString(sizes));
            }
            total += s;
        }
        if (total != dims[d]) {
            throw new IllegalArgumentException(
                    "split: sizes " + Arrays.toString(sizes) + " sum to " + total
                            + " but dim " + d + " has size " + dims[d]);
        }
        List<Tensor> parts = new ArrayList<>();
        int start = 0;
        for (int s : sizes) {
            parts.add(narrow(d, start, s));
            start += s;
        }
        return parts;
    }

    // =========================================================================================
    // Copies, conversion and data access
    // =========================================================================================

    /** This tensor if it is contiguous (with offset 0 allowed), else a contiguous copy. */
    public Tensor contiguous() {
        return isContiguous() ? this : backend().contiguous(this);
    }

    /** A contiguous copy that shares nothing with this tensor. */
    public Tensor copy() {
        return backend().contiguous(this);
    }

    /** Converted to {@code target} (this tensor when it already has that dtype). */
    public Tensor to(DType target) {
        return dtype() == target ? this : backend().cast(this, target);
    }

    /** Moved to {@code target} (this tensor when it is already there). */
    public Tensor to(Device target) {
        if (device().equals(target)) {
            return this;
        }
        Backend dst = Backends.of(target);
        Storage s = switch (dtype()) {
            case FLOAT32 -> dst.upload(toFloatArray());
            case FLOAT64 -> dst.upload(toDoubleArray());
            case INT64 -> dst.upload(toLongArray());
        };
        return wrap(s, shape());
    }

    /** The elements in row-major order as floats (converted from other dtypes). */
    public float[] toFloatArray() {
        return to(DType.FLOAT32).backend().downloadFloats(to(DType.FLOAT32));
    }

    /** The elements in row-major order as doubles (converted from other dtypes). */
    public double[] toDoubleArray() {
        return to(DType.FLOAT64).backend().downloadDoubles(to(DType.FLOAT64));
    }

    /** The elements in row-major order as longs (floating values truncated). */
    public long[] toLongArray() {
        return to(DType.INT64).backend().downloadLongs(to(DType.INT64));
    }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) {
            throw new IllegalArgumentException(
                    "item: needs a tensor with one element, got shape " + shape());
        }
        return toDoubleArray()[0];
    }

    /** The element at {@code index} (one index per dim). */
    public double get(int... index) {
        if (index.length != rank()) {
            throw new IllegalArgumentException(
                    "get: " + index.length + " indices for a tensor of shape " + shape());
        }
        Tensor t = this;
        for (int i = index.length - 1; i >= 0; i--) {
            t = t.select(i, index[i]);
        }
        return t.item();
    }

    /** Writes {@code src} (broadcast to this tensor's shape) into this tensor's elements. */
    public void copyFromInPlace(Tensor src) {
        requireSameDevice(src, "copyFromInPlace");
        Tensor s = src.to(dtype());
        if (!s.shape().equals(shape())) {
            s = s.broadcastTo(broadcastShapes(s, this, "copyFromInPlace"));
            if (!s.shape().equals(shape())) {
                throw new IllegalArgumentException(
                        "copyFromInPlace: source of shape " + src.shape()
                                + " does not broadcast to destination shape " + shape());
            }
        }
        backend().copyInto(this, s);
    }

    /** Sets every element to {@code value}. */
    public void fillInPlace(double value) {
        backend().fill(this, value);
    }

    /**
     * Adds {@code other} (same shape and dtype, on the same device, not overlapping this tensor)
     * into this tensor's elements.
     */
    public void addInPlace(Tensor other) {
        requireSameDevice(other, "addInPlace");
        if (!other.shape().equals(shape()) || other.dtype() != dtype()) {
            throw new IllegalArgumentException("addInPlace: expected " + dtype() + " " + shape()
                    + ", got " + other.dtype() + " " + other.shape());
        }
        backend().addInPlace(this, other);
    }

    // =========================================================================================
    // Elementwise
    // =========================================================================================

    private Tensor unary(UnaryOp op) {
        requireFloating(dtype(), op.name().toLowerCase(java.util.Locale.ROOT));
        return backend().unary(op, this);
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG);
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP);
    }

    public Tensor log() {
        return unary(UnaryOp.LOG);
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT);
    }

    public Tensor rsqrt() {
        return unary(UnaryOp.RSQRT);
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS);
    }

    public Tensor sign() {
        return unary(UnaryOp.SIGN);
    }

    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID);
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH);
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU);
    }

    /** Exact GELU: {@code x * Phi(x)}, Phi the standard normal CDF. */
    public Tensor gelu() {
        return unary(UnaryOp.GELU);
    }

    /** Derivative of the exact GELU. */
    public Tensor geluDerivative() {
        return unary(UnaryOp.GELU_DERIVATIVE);
    }

    public Tensor erf() {
        return unary(UnaryOp.ERF);
    }

    public Tensor sin() {
        return unary(UnaryOp.SIN);
    }

    public Tensor cos() {
        return unary(UnaryOp.COS);
    }

    public Tensor reciprocal() {
        return unary(UnaryOp.RECIPROCAL);
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE);
    }

    /** 1 where NaN, else 0. */
    public Tensor isNan() {
        return unary(UnaryOp.IS_NAN);
    }

    private Tensor binary(BinaryOp op, Tensor other) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        requireSameDevice(other, name);
        if (dtype() != other.dtype()) {
            throw new IllegalArgumentException(
                    name + ": dtypes differ: " + dtype() + " " + shape() + " and " + other.dtype()
                            + " " + other.shape() + "; convert one with to(DType)");
        }
        requireFloating(dtype(), name);
        Shape out = broadcastShapes(this, other, name);
        return backend().binary(op, broadcastTo(out), other.broadcastTo(out));
    }

    public Tensor add(Tensor other) {
        return binary(BinaryOp.ADD, other);
    }

    public Tensor add(double value) {
        return binary(BinaryOp.ADD, scalarLike(value));
    }

    public Tensor sub(Tensor other) {
        return binary(BinaryOp.SUB, other);
    }

    public Tensor sub(double value) {
        return binary(BinaryOp.SUB, scalarLike(value));
    }

    /** {@code value - this}. */
    public Tensor rsub(double value) {
        return scalarLike(value).binary(BinaryOp.SUB, this);
    }

    public Tensor mul(Tensor other) {
        return binary(BinaryOp.MUL, other);
    }

    public Tensor mul(double value) {
        return binary(BinaryOp.MUL, scalarLike(value));
    }

    public Tensor div(Tensor other) {
        return binary(BinaryOp.DIV, other);
    }

    public Tensor div(double value) {
        return binary(BinaryOp.DIV, scalarLike(value));
    }

    public Tensor pow(Tensor exponent) {
        return binary(BinaryOp.POW, exponent);
    }

    public Tensor pow(double exponent) {
        return binary(BinaryOp.POW, scalarLike(exponent));
    }

    /** {@code base ^ this}. */
    public Tensor rpow(double base) {
        return scalarLike(base).binary(BinaryOp.POW, this);
    }

    public Tensor maximum(Tensor other) {
        return binary(BinaryOp.MAXIMUM, other);
    }

    public Tensor minimum(Tensor other) {
        return binary(BinaryOp.MINIMUM, other);
    }

    public Tensor eq(Tensor other) {
        return binary(BinaryOp.EQ, other);
    }

    public Tensor eq(double value) {
        return binary(BinaryOp.EQ, scalarLike(value));
    }

    public Tensor ne(Tensor other) {
        return binary(BinaryOp.NE, other);
    }

    public Tensor lt(Tensor other) {
        return binary(BinaryOp.LT, other);
    }

    public Tensor lt(double value) {
        return binary(BinaryOp.LT, scalarLike(value));
    }

    public Tensor le(Tensor other) {
        return binary(BinaryOp.LE, other);
    }

    public Tensor le(double value) {
        return binary(BinaryOp.LE, scalarLike(value));
    }

    public Tensor gt(Tensor other) {
        return binary(BinaryOp.GT, other);
    }

    public Tensor gt(double value) {
        return binary(BinaryOp.GT, scalarLike(value));
    }

    public Tensor ge(Tensor other) {
        return binary(BinaryOp.GE, other);
    }

    public Tensor ge(double value) {
        return binary(BinaryOp.GE, scalarLike(value));
    }

    /** Elementwise {@code min(max(x, min), max)}. */
    public Tensor clamp(double min, double max) {
        requireFloating(dtype(), "clamp");
        if (min > max) {
            throw new IllegalArgumentException(
                    "clamp: min " + min + " is greater than max " + max);
        }
        return backend().clamp(this, min, max);
    }

    /** Elementwise {@code max(x, min)}. */
    public Tensor clampMin(double min) {
        requireFloating(dtype(), "clampMin");
        return backend().clamp(this, min, Double.POSITIVE_INFINITY);
    }

    /** Elementwise {@code min(x, max)}. */
    public Tensor clampMax(double max) {
        requireFloating(dtype(), "clampMax");
        return backend().clamp(this, Double.NEGATIVE_INFINITY, max);
    }

    /** {@code cond != 0 ? a : b} with broadcasting of all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        a.requireSameDevice(b, "where");
        a.requireSameDevice(cond, "where");
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(
                    "where: dtypes of the branches differ: " + a.dtype() + " and " + b.dtype());
        }
        Shape out = broadcastShapes(broadcastShapes(a, b, "where"), cond.shape(), "where");
        return a.backend().where(cond.broadcastTo(out), a.broadcastTo(out), b.broadcastTo(out));
    }

    // =========================================================================================
    // Reductions
    // =========================================================================================

    private Tensor reduce(ReduceOp op, int[] dims, boolean keepdim) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        requireFloating(dtype(), name);
        int[] sorted = normalizeDims(dims, name);
        if ((op == ReduceOp.AMAX || op == ReduceOp.AMIN)) {
            for (int d : sorted) {
                if (this.dims[d] == 0) {
                    throw new IllegalArgumentException(
                            name + ": cannot reduce over the empty dim " + d + " of shape "
                                    + shape());
                }
            }
        }
        return backend().reduce(op, this, sorted, keepdim);
    }

    /** Resolves, sorts and de-duplicates dims; an empty array means every dim. */
    public int[] normalizeDims(int[] given, String op) {
        if (given.length == 0) {
            int[] all = new int[rank()];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        boolean[] seen = new boolean[rank()];
        for (int g : given) {
            int d = Shape.normalizeDim(g, rank(), op);
            if (seen[d]) {
                throw new IllegalArgumentException(
                        op + ": dim " + g + " repeats in " + Arrays.toString(given));
            }
            seen[d] = true;
        }
        int[] out = new int[given.length];
        for (int i = 0, k = 0; i < seen.length; i++) {
            if (seen[i]) {
                out[k++] = i;
            }
        }
        return out;
    }

    /** Sum of every element, as a rank-0 tensor. */
    public Tensor sum() {
        return reduce(ReduceOp.SUM, new int[0], false);
    }

    /** Sum over {@code dims}. */
    public Tensor sum(int[] dims, boolean keepdim) {
        return reduce(ReduceOp.SUM, dims, keepdim);
    }

    /** Sum over one dim. */
    public Tensor sum(int dim, boolean keepdim) {
        return reduce(ReduceOp.SUM, new int[] {dim}, keepdim);
    }

    /** Mean of every element. */
    public Tensor mean() {
        return reduce(ReduceOp.MEAN, new int[0], false);
    }

    /** Mean over {@code dims}. */
    public Tensor mean(int[] dims, boolean keepdim) {
        return reduce(ReduceOp.MEAN, dims, keepdim);
    }

    /** Mean over one dim. */
    public Tensor mean(int dim, boolean keepdim) {
        return reduce(ReduceOp.MEAN, new int[] {dim}, keepdim);
    }

    /** Maximum over {@code dims} (values only). */
    public Tensor amax(int[] dims, boolean keepdim) {
        return reduce(ReduceOp.AMAX, dims, keepdim);
    }

    /** Minimum over {@code dims} (values only). */
    public Tensor amin(int[] dims, boolean keepdim) {
        return reduce(ReduceOp.AMIN, dims, keepdim);
    }

    /** Maximum of every element. */
    public Tensor max() {
        return reduce(ReduceOp.AMAX, new int[0], false);
    }

    /** Minimum of every element. */
    public Tensor min() {
        return reduce(ReduceOp.AMIN, new int[0], false);
    }

    /** Values and int64 indices of a reduction along one dim. */
    public record ValuesIndices(Tensor values, Tensor indices) {}

    private ValuesIndices reduceWithIndex(IndexReduceOp op, int dim, boolean keepdim) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        requireFloating(dtype(), name);
        int d = Shape.normalizeDim(dim, Math.max(rank(), 1), name);
        if (rank() > 0 && dims[d] == 0) {
            throw new IllegalArgumentException(
                    name + ": cannot reduce over the empty dim " + d + " of shape " + shape());
        }
        Tensor x = rank() == 0 ? reshape(1) : this;
        Tensor[] r = backend().reduceWithIndex(op, x, d, keepdim || rank() == 0);
        if (rank() == 0) {
            return new ValuesIndices(r[0].reshape(), r[1].reshape());
        }
        return new ValuesIndices(r[0], r[1]);
    }

    /** Maximum along {@code dim} with the index of the first maximum. */
    public ValuesIndices max(int dim, boolean keepdim) {
        return reduceWithIndex(IndexReduceOp.MAX, dim, keepdim);
    }

    /** Minimum along {@code dim} with the index of the first minimum. */
    public ValuesIndices min(int dim, boolean keepdim) {
        return reduceWithIndex(IndexReduceOp.MIN, dim, keepdim);
    }

    /** Lower median along {@code dim} (PyTorch semantics) with its index. */
    public ValuesIndices median(int dim, boolean keepdim) {
        return reduceWithIndex(IndexReduceOp.MEDIAN, dim, keepdim);
    }

    /**
     * Variance over {@code dims}: {@code sum((x - mean)^2) / (n - correction)}; correction 1 is
     * the unbiased estimate (PyTorch's default), 0 the biased one.
     */
    public Tensor var(int[] dims, int correction, boolean keepdim) {
        int[] d = normalizeDims(dims, "var");
        long n = 1;
        for (int k : d) {
            n *= this.dims[k];
        }
        Tensor centered = sub(mean(d, true));
        return centered.square().sum(d, keepdim).div((double) Math.max(n - correction, 0));
    }

    /** Softmax along {@code dim}. */
    public Tensor softmax(int dim) {
        requireFloating(dtype(), "softmax");
        return backend().softmax(this, Shape.normalizeDim(dim, Math.max(rank(), 1), "softmax"));
    }

    /** Log-softmax along {@code dim}. */
    public Tensor logSoftmax(int dim) {
        requireFloating(dtype(), "logSoftmax");
        return backend()
                .logSoftmax(this, Shape.normalizeDim(dim, Math.max(rank(), 1), "logSoftmax"));
    }

    // =========================================================================================
    // Linear algebra, convolution, pooling, normalisation, resampling
    // =========================================================================================

    /**
     * Matrix product with PyTorch's rules: 1-d operands are promoted to matrices and the added
     * dim removed afterwards; leading (batch) dims broadcast.
     */
    public Tensor matmul(Tensor other) {
        requireSameDevice(other, "matmul");
        if (dtype() != other.dtype()) {
            throw new IllegalArgumentException(
                    "matmul: dtypes differ: " + dtype() + " and " + other.dtype());
        }
        requireFloating(dtype(), "matmul");
        if (rank() == 0 || other.rank() == 0) {
            throw new IllegalArgumentException(
                    "matmul: both operands need at least 1 dim, got " + shape() + " and "
                            + other.shape());
        }
        Tensor a = rank() == 1 ? unsqueeze(0) : this;
        Tensor b = other.rank() == 1 ? other.unsqueeze(1) : other;
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        if (b.size(-2) != k) {
            throw new IllegalArgumentException(
                    "matmul: inner sizes differ: " + shape() + " @ " + other.shape() + " ("
                            + k + " vs " + b.size(-2) + ")");
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.dims, a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.dims, b.rank() - 2));
        Shape batch = Shape.broadcast(batchA, batchB, "matmul");
        int[] outA = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        outA[batch.rank()] = m;
        outA[batch.rank() + 1] = k;
        int[] outB = Arrays.copyOf(batch.toArray(), batch.rank() + 2);
        outB[batch.rank()] = k;
        outB[batch.rank() + 1] = n;
        Tensor out = backend().matmul(a.expand(outA), b.expand(outB));
        if (rank() == 1 && other.rank() == 1) {
            return out.reshape();
        }
        if (rank() == 1) {
            return out.squeeze(-2);
        }
        if (other.rank() == 1) {
            return out.squeeze(-1);
        }
        return out;
    }

    /** 2-d cross-correlation without bias; see {@link Backend#conv2d}. */
    public Tensor conv2d(Tensor weight, Conv2dParams p) {
        return conv2dChecked(weight, null, p);
    }

    /** 2-d cross-correlation plus a per-channel bias. */
    public Tensor conv2d(Tensor weight, Tensor bias, Conv2dParams p) {
        return conv2dChecked(weight, bias, p);
    }

    /**
     * {@code relu(conv2d(weight, bias) + residual)} in one call, the epilogue of a residual
     * network's convolution applied while the output is fresh: {@code residual} (the output's
     * shape, or null for none) is added, then the ReLU taken when {@code relu}. The values are
     * those of the three ops one after the other. For inference: autograd has no such op.
     */
    public Tensor conv2d(Tensor weight, Tensor bias, Conv2dParams p, Tensor residual,
            boolean relu) {
        checkConv2d(weight, bias, p);
        Shape out = Shape.of(size(0), weight.size(0), p.outH(size(2), weight.size(2)),
                p.outW(size(3), weight.size(3)));
        if (residual != null) {
            requireSameDevice(residual, "conv2d");
            if (!residual.shape().equals(out) || residual.dtype() != dtype()) {
                throw new IllegalArgumentException("conv2d: residual must be " + dtype() + " "
                        + out + ", the output's dtype and shape, got " + residual.dtype() + " "
                        + residual.shape());
            }
        }
        return backend().conv2d(this, weight, bias, p, residual, relu);
    }

    private Tensor conv2dChecked(Tensor weight, Tensor bias, Conv2dParams p) {
        checkConv2d(weight, bias, p);
        return backend().conv2d(this, weight, bias, p);
    }

    private void checkConv2d(Tensor weight, Tensor bias, Conv2dParams p) {
        requireSameDevice(weight, "conv2d");
        if (rank() != 4 || weight.rank() != 4) {
            throw new IllegalArgumentException(
                    "conv2d: expected input (N, C, H, W) and weight (Cout, Cin/groups, kH, kW), got "
                            + shape() + " and " + weight.shape());
        }
        if (dtype() != weight.dtype() || (bias != null && bias.dtype() != dtype())) {
            throw new IllegalArgumentException(
                    "conv2d: input, weight and bias must share one dtype, got " + dtype() + ", "
                            + weight.dtype() + (bias == null ? "" : ", " + bias.dtype()));
        }
        requireFloating(dtype(), "conv2d");
        int c = size(1);
        int cout = weight.size(0);
        if (c % p.groups() != 0 || cout % p.groups() != 0 || weight.size(1) * p.groups() != c) {
            throw new IllegalArgumentException(
                    "conv2d: input " + shape() + " and weight " + weight.shape() + " do not fit "
                            + p.groups() + " group(s): expected weight dim 1 = " + c + " / "
                            + p.groups() + " and Cout divisible by the groups");
        }
        if (bias != null && (bias.rank() != 1 || bias.size(0) != cout)) {
            throw new IllegalArgumentException(
                    "conv2d: bias must have shape (" + cout + ",), got " + bias.shape());
        }
        int oh = p.outH(size(2), weight.size(2));
        int ow = p.outW(size(3), weight.size(3));
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(
                    "conv2d: input " + shape() + " is too small for kernel " + weight.size(2) + "x"
                            + weight.size(3) + " with " + p);
        }
    }

    /** Average pooling of {@code (N, C, H, W)}. */
    public Tensor avgPool2d(Pool2dParams p) {
        checkPool(p, "avgPool2d");
        return backend().avgPool2d(this, p);
    }

    /** Max pooling of {@code (N, C, H, W)}; the indices are needed by the backward pass. */
    public ValuesIndices maxPool2d(Pool2dParams p) {
        checkPool(p, "maxPool2d");
        Tensor[] r = backend().maxPool2d(this, p);
        return new ValuesIndices(r[0], r[1]);
    }

    /** The values of {@link #maxPool2d} without the indices (no backward pass to come). */
    public Tensor maxPool2dValues(Pool2dParams p) {
        checkPool(p, "maxPool2d");
        return backend().maxPool2dValues(this, p);
    }

    private void checkPool(Pool2dParams p, String op) {
        requireFloating(dtype(), op);
        if (rank() != 4) {
            throw new IllegalArgumentException(
                    op + ": expected input (N, C, H, W), got shape " + shape());
        }
        if (p.outH(size(2)) <= 0 || p.outW(size(3)) <= 0) {
            throw new IllegalArgumentException(
                    op + ": input " + shape() + " is too small for " + p);
        }
    }

    /** Results of {@link #layerNormWithStats}: output plus per-row mean and 1/std. */
    public record LayerNormResult(Tensor output, Tensor mean, Tensor rstd) {}

    /**
     * Layer normalisation over the trailing dims given by {@code normalizedShape}, with optional
     * elementwise affine parameters of that shape (pass null for none).
     */
    public LayerNormResult layerNormWithStats(
            int[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        requireFloating(dtype(), "layerNorm");
        int k = normalizedShape.length;
        if (k == 0 || k > rank()) {
            throw new IllegalArgumentException(
                    "layerNorm: normalized shape " + Arrays.toString(normalizedShape)
                            + " does not fit input " + shape());
        }
        int n = 1;
        for (int i = 0; i < k; i++) {
            if (dims[rank() - k + i] != normalizedShape[i]) {
                throw new IllegalArgumentException(
                        "layerNorm: input " + shape() + " does not end in normalized shape "
                                + Arrays.toString(normalizedShape));
            }
            n *= normalizedShape[i];
        }
        Shape ns = Shape.of(normalizedShape);
        for (Tensor p : new Tensor[] {weight, bias}) {
            if (p != null) {
                requireSameDevice(p, "layerNorm");
                if (!p.shape().equals(ns) || p.dtype() != dtype()) {
                    throw new IllegalArgumentException(
                            "layerNorm: weight and bias must be " + dtype() + " of shape " + ns
                                    + ", got " + p.dtype() + " " + p.shape());
                }
            }
        }
        Tensor[] r = backend().layerNorm(this, weight, bias, n, eps);
        return new LayerNormResult(r[0], r[1], r[2]);
    }

    /** Bilinear resampling of {@code (N, C, H, W)} to {@code (N, C, outH, outW)}. */
    public Tensor upsampleBilinear2d(int outH, int outW, boolean alignCorners) {
        requireFloating(dtype(), "upsampleBilinear2d");
        if (rank() != 4 || outH <= 0 || outW <= 0) {
            throw new IllegalArgumentException(
                    "upsampleBilinear2d: expected input (N, C, H, W) and a positive size, got "
                            + shape() + " to " + outH + "x" + outW);
        }
        return backend().upsampleBilinear2d(this, outH, outW, alignCorners);
    }

    // =========================================================================================
    // Joining and indexing
    // =========================================================================================

    /** Concatenation along {@code dim}; every other dim must match. */
    public static Tensor cat(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cat: needs at least one tensor");
        }
        Tensor first = parts.get(0);
        int d = Shape.normalizeDim(dim, first.rank(), "cat");
        for (int i = 1; i < parts.size(); i++) {
            Tensor t = parts.get(i);
            first.requireSameDevice(t, "cat");
            boolean ok = t.rank() == first.rank() && t.dtype() == first.dtype();
            for (int k = 0; ok && k < t.rank(); k++) {
                ok = k == d || t.dims[k] == first.dims[k];
            }
            if (!ok) {
                throw new IllegalArgumentException(
                        "cat: tensor " + i + " (" + t.dtype() + " " + t.shape()
                                + ") does not match tensor 0 (" + first.dtype() + " "
                                + first.shape() + ") outside dim " + d);
            }
        }
        return first.backend().cat(parts, d);
    }

    /** The tensors, all of one shape, stacked along a new dim. */
    public static Tensor stack(List<Tensor> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        Shape s = parts.get(0).shape();
        int d = Shape.normalizeDim(dim, s.rank() + 1, "stack");
        List<Tensor> expanded = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            Tensor t = parts.get(i);
            if (!t.shape().equals(s)) {
                throw new IllegalArgumentException(
                        "stack: tensor " + i + " has shape " + t.shape() + ", tensor 0 has " + s);
            }
            expanded.add(t.unsqueeze(d));
        }
        return cat(expanded, d);
    }

    /** Entries along {@code dim} at the positions in the 1-d int64 {@code index}. */
    public Tensor indexSelect(int dim, Tensor index) {
        int d = Shape.normalizeDim(dim, rank(), "indexSelect");
        requireSameDevice(index, "indexSelect");
        if (index.dtype() != DType.INT64 || index.rank() != 1) {
            throw new IllegalArgumentException(
                    "indexSelect: index must be a 1-d int64 tensor, got " + index.dtype() + " "
                            + index.shape());
        }
        checkIndexRange(index, dims[d], "indexSelect");
        return backend().indexSelect(this, d, index);
    }

    /**
     * {@code out[i][j] = x[i][index[i][j]]} along {@code dim}; {@code index} has this tensor's
     * rank, and each of its other dims is at most the matching dim here.
     */
    public Tensor gather(int dim, Tensor index) {
        int d = Shape.normalizeDim(dim, rank(), "gather");
        requireSameDevice(index, "gather");
        if (index.dtype() != DType.INT64 || index.rank() != rank()) {
            throw new IllegalArgumentException(
                    "gather: index must be int64 with rank " + rank() + ", got " + index.dtype()
                            + " " + index.shape());
        }
        for (int k = 0; k < rank(); k++) {
            if (k != d && index.dims[k] > dims[k]) {
                throw new IllegalArgumentException(
                        "gather: index " + index.shape() + " is larger than input " + shape()
                                + " in dim " + k);
            }
        }
        checkIndexRange(index, dims[d], "gather");
        return backend().gather(this, d, index);
    }

    private static void checkIndexRange(Tensor index, int bound, String op) {
        for (long v : index.toLongArray()) {
            if (v < 0 || v >= bound) {
                throw new IllegalArgumentException(
                        op + ": index " + v + " is out of range for a dim of size " + bound);
            }
        }
    }

    // =========================================================================================
    // Checks and formatting
    // =========================================================================================

    /** The broadcast shape of two tensors, or an error naming {@code op} and both shapes. */
    public static Shape broadcastShapes(Tensor a, Tensor b, String op) {
        return Shape.broadcast(a.shape(), b.shape(), op);
    }

    private static Shape broadcastShapes(Shape a, Shape b, String op) {
        return Shape.broadcast(a, b, op);
    }

    private void requireSameDevice(Tensor other, String op) {
        if (storage.backend() != other.storage.backend()) {
            throw new IllegalArgumentException(
                    op + ": tensors are on different devices: " + device() + " and "
                            + other.device());
        }
    }

    private static void requireFloating(DType dtype, String op) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException(
                    op + ": expected a float32 or float64 tensor, got " + dtype);
        }
    }

    /** {@code tensor(shape=(2, 3), dtype=float32, device=cpu, [1.0, 2.0, ...])}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(shape=").append(shape())
                .append(", dtype=").append(dtype()).append(", device=").append(device());
        int n = Math.min(numel(), 8);
        if (n > 0) {
            double[] v = reshape(-1).narrow(0, 0, n).toDoubleArray();
            sb.append(", [");
            for (int i = 0; i < n; i++) {
                sb.append(i > 0 ? ", " : "").append((float) v[i]);
            }
            sb.append(numel() > n ? ", ...]" : "]");
        }
        return sb.append(')').toString();
    }
}
