package ed4j.tensor.cpu;

import ed4j.tensor.Backend;
import ed4j.tensor.BinaryOp;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Device;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.ReduceOp;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.UnaryOp;

/**
 * The CPU backend: Java arrays for storage, kernels multithreaded over a fixed pool of workers
 * ({@link Parallel}) and written so that the JIT vectorizes their inner loops. Each kernel
 * family lives in its own class; this class only routes to them.
 */
public final class CpuBackend implements Backend {

    private final Parallel parallel;

    private CpuBackend(int threads) {
        this.parallel = new Parallel(threads);
    }

    /** A CPU backend with its own pool of {@code threads} workers. */
    public static CpuBackend create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count must be positive, got " + threads);
        }
        return new CpuBackend(threads);
    }

    /**
     * The thread count of the default backend: the system property {@code ed4j.threads} when set,
     * else the number of processors the JVM sees.
     */
    public static int defaultThreadCount() {
        String prop = System.getProperty("ed4j.threads");
        if (prop != null && !prop.isBlank()) {
            try {
                int n = Integer.parseInt(prop.trim());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
            throw new IllegalArgumentException(
                    "system property ed4j.threads must be a positive integer, got '" + prop + "'");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** The worker pool. */
    public Parallel parallel() {
        return parallel;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    /** A new zero-filled contiguous tensor. */
    Tensor empty(Shape shape, DType dtype) {
        return Tensor.wrap(allocate(dtype, shape.numel()), shape);
    }

    // ---- memory ------------------------------------------------------------------------------

    @Override
    public CpuStorage allocate(DType dtype, int numel) {
        return switch (dtype) {
            case FLOAT32 -> new CpuStorage(this, new float[numel]);
            case FLOAT64 -> new CpuStorage(this, new double[numel]);
            case INT64 -> new CpuStorage(this, new long[numel]);
        };
    }

    @Override
    public CpuStorage upload(float[] data) {
        return new CpuStorage(this, data.clone());
    }

    @Override
    public CpuStorage upload(double[] data) {
        return new CpuStorage(this, data.clone());
    }

    @Override
    public CpuStorage upload(long[] data) {
        return new CpuStorage(this, data.clone());
    }

    /** A tensor over {@code data} itself, without a copy; the caller gives up the array. */
    public Tensor adopt(float[] data, Shape shape) {
        return Tensor.wrap(new CpuStorage(this, data), shape);
    }

    /** A tensor over {@code data} itself, without a copy; the caller gives up the array. */
    public Tensor adopt(double[] data, Shape shape) {
        return Tensor.wrap(new CpuStorage(this, data), shape);
    }

    @Override
    public float[] downloadFloats(Tensor x) {
        return ((CpuStorage) contiguousFrom0(x).storage()).floats().clone();
    }

    @Override
    public double[] downloadDoubles(Tensor x) {
        return ((CpuStorage) contiguousFrom0(x).storage()).doubles().clone();
    }

    @Override
    public long[] downloadLongs(Tensor x) {
        return ((CpuStorage) contiguousFrom0(x).storage()).longs().clone();
    }

    /** {@code x} itself when it covers its whole storage in order, else a compact copy. */
    private Tensor contiguousFrom0(Tensor x) {
        if (x.isContiguous() && x.offset() == 0 && x.storage().size() == x.numel()) {
            return x;
        }
        return contiguous(x);
    }

    @Override
    public Tensor contiguous(Tensor x) {
        Tensor out = empty(x.shape(), x.dtype());
        ElementwiseKernels.copyInto(this, out, x);
        return out;
    }

    @Override
    public void copyInto(Tensor dst, Tensor src) {
        ElementwiseKernels.copyInto(this, dst, src);
    }

    @Override
    public void fill(Tensor dst, double value) {
        ElementwiseKernels.fill(this, dst, value);
    }

    @Override
    public Tensor cast(Tensor x, DType dtype) {
        return KernelStats.time("cast", () -> ElementwiseKernels.cast(this, x, dtype));
    }

    // ---- elementwise ---------------------------------------------------------------------------

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        return KernelStats.time(KernelStats.enabled() ? "unary " + op + " " + x.shape() : "unary",
                () -> ElementwiseKernels.unary(this, op, x));
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        return KernelStats.time(KernelStats.enabled() ? "binary " + op + " " + a.shape() : "binary",
                () -> ElementwiseKernels.binary(this, op, a, b));
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        if (!dst.isContiguous()) {
            Backend.super.addInPlace(dst, src);
            return;
        }
        KernelStats.time(KernelStats.enabled() ? "addInPlace " + dst.shape() : "addInPlace",
                () -> {
                    ElementwiseKernels.binaryInPlace(this, BinaryOp.ADD, dst, src);
                    return null;
                });
    }

    @Override
    public Tensor clamp(Tensor x, double min, double max) {
        return KernelStats.time("clamp", () -> ElementwiseKernels.clamp(this, x, min, max));
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        return KernelStats.time("where", () -> ElementwiseKernels.where(this, cond, a, b));
    }

    // ---- reductions ----------------------------------------------------------------------------

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        return KernelStats.time(KernelStats.enabled() ? "reduce " + op + " " + x.shape() : "reduce",
                () -> ReduceKernels.reduce(this, op, x, dims, keepdim));
    }

    @Override
    public Tensor[] reduceWithIndex(IndexReduceOp op, Tensor x, int dim, boolean keepdim) {
        return KernelStats.time("reduceWithIndex", () ->
                ReduceKernels.reduceWithIndex(this, op, x, dim, keepdim));
    }

    @Override
    public Tensor softmax(Tensor x, int dim) {
        return KernelStats.time("softmax", () -> ReduceKernels.softmax(this, x, dim, false));
    }

    @Override
    public Tensor logSoftmax(Tensor x, int dim) {
        return KernelStats.time("logSoftmax", () -> ReduceKernels.softmax(this, x, dim, true));
    }

    @Override
    public Tensor scaledSoftmax(Tensor x, double scale, int dim) {
        return KernelStats.time("scaledSoftmax",
                () -> ReduceKernels.softmax(this, x, dim, false, scale));
    }

    @Override
    public Tensor softmaxBackward(Tensor gradOut, Tensor y, int dim, double scale) {
        return KernelStats.time("softmaxBackward",
                () -> ReduceKernels.softmaxBackward(this, gradOut, y, dim, scale));
    }

    @Override
    public Tensor sumTimesLog(Tensor a, Tensor y, double floor) {
        if (a.dtype() != DType.FLOAT32 || y.dtype() != DType.FLOAT32 || !a.isContiguous()
                || !y.isContiguous() || !a.shape().equals(y.shape())) {
            return Backend.super.sumTimesLog(a, y, floor);
        }
        return KernelStats.time("sumTimesLog", () -> ReduceKernels.sumTimesLog(this, a, y, floor));
    }

    // ---- linear algebra and convolution ----------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        String name = KernelStats.enabled() ? "matmul " + a.shape() + (isTransposed(a) ? "T" : "")
                + " @ " + b.shape() + (isTransposed(b) ? "T" : "") : "matmul";
        return KernelStats.time(name, () -> Gemm.matmul(this, a, b));
    }

    /**
     * {@link #matmul(Tensor, Tensor)} with an explicit float32 kernel, for benchmarks and tests;
     * float64 operands ignore it. Operands as for {@link Backend#matmul}: {@code a (..., M, K)}
     * and {@code b (..., K, N)} with equal leading dims.
     *
     * @throws IllegalArgumentException when the shapes do not fit
     */
    public Tensor matmul(Tensor a, Tensor b, GemmKernel kernel) {
        int r = a.rank();
        boolean fits = r >= 2 && b.rank() == r && a.dtype() == b.dtype()
                && a.size(r - 1) == b.size(r - 2);
        for (int d = 0; fits && d < r - 2; d++) {
            fits = a.size(d) == b.size(d);
        }
        if (!fits) {
            throw new IllegalArgumentException("matmul: expected a (..., M, K) and b (..., K, N)"
                    + " with equal leading dims and one dtype, got " + a.dtype() + " "
                    + a.shape() + " and " + b.dtype() + " " + b.shape());
        }
        return KernelStats.time("matmul", () -> Gemm.matmul(this, a, b, kernel));
    }

    private static boolean isTransposed(Tensor t) {
        return t.rank() >= 2 && t.stride(-1) != 1;
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p) {
        return KernelStats.time(KernelStats.enabled() ? "conv2d " + x.shape() + " * "
                + weight.shape() + " s" + p.strideH() : "conv2d",
                () -> ConvKernels.conv2d(this, x, weight, bias, p, null, false));
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual,
            boolean relu) {
        return KernelStats.time(KernelStats.enabled() ? "conv2d " + x.shape() + " * "
                + weight.shape() + " s" + p.strideH() + (residual != null ? " +res" : "")
                + (relu ? " relu" : "") : "conv2d",
                () -> ConvKernels.conv2d(this, x, weight, bias, p, residual, relu));
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, Shape inputShape,
            Conv2dParams p) {
        return KernelStats.time("conv2dBackwardInput", () ->
                ConvKernels.backwardInput(this, gradOut, weight, inputShape, p));
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, Shape weightShape,
            Conv2dParams p) {
        return KernelStats.time("conv2dBackwardWeight", () ->
                ConvKernels.backwardWeight(this, gradOut, x, weightShape, p));
    }

    // ---- pooling, normalisation, resampling ---------------------------------------------------

    @Override
    public Tensor avgPool2d(Tensor x, Pool2dParams p) {
        return KernelStats.time("avgPool2d", () -> PoolKernels.avgPool2d(this, x, p));
    }

    @Override
    public Tensor avgPool2dBackward(Tensor gradOut, Shape inputShape, Pool2dParams p) {
        return KernelStats.time("avgPool2dBackward", () ->
                PoolKernels.avgPool2dBackward(this, gradOut, inputShape, p));
    }

    @Override
    public Tensor[] maxPool2d(Tensor x, Pool2dParams p) {
        return KernelStats.time("maxPool2d", () -> PoolKernels.maxPool2d(this, x, p));
    }

    @Override
    public Tensor maxPool2dValues(Tensor x, Pool2dParams p) {
        return KernelStats.time("maxPool2dValues", () -> PoolKernels.maxPool2dValues(this, x, p));
    }

    @Override
    public Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, Shape inputShape) {
        return KernelStats.time("maxPool2dBackward", () ->
                PoolKernels.maxPool2dBackward(this, gradOut, indices, inputShape));
    }

    @Override
    public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, int normalizedNumel,
            double eps) {
        return KernelStats.time("layerNorm", () ->
                NormKernels.layerNorm(this, x, weight, bias, normalizedNumel, eps));
    }

    @Override
    public Tensor[] layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd,
            Tensor weight, int normalizedNumel) {
        return KernelStats.time("layerNormBackward", () ->
                NormKernels.layerNormBackward(this, gradOut, x, mean, rstd, weight,
                normalizedNumel));
    }

    @Override
    public Tensor upsampleBilinear2d(Tensor x, int outH, int outW, boolean alignCorners) {
        return KernelStats.time("upsampleBilinear2d", () ->
                ResampleKernels.bilinear(this, x, outH, outW, alignCorners));
    }

    @Override
    public Tensor upsampleBilinear2dBackward(Tensor gradOut, Shape inputShape,
            boolean alignCorners) {
        return KernelStats.time("upsampleBilinear2dBackward", () ->
                ResampleKernels.bilinearBackward(this, gradOut, inputShape, alignCorners));
    }

    // ---- fused kernels ---------------------------------------------------------------------------

    @Override
    public Tensor priorDivergence(Tensor attn, Tensor a, Tensor b, int gridW, double eps) {
        return KernelStats.time("priorDivergence", () ->
                PriorKernels.forward(this, attn, a, b, gridW, eps));
    }

    @Override
    public Tensor[] priorDivergenceBackward(Tensor gradOut, Tensor attn, Tensor a, Tensor b,
            int gridW, double eps) {
        return KernelStats.time("priorDivergenceBackward", () ->
                PriorKernels.backward(this, gradOut, attn, a, b, gridW, eps));
    }

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, double beta1,
            double beta2, double eps, double weightDecay, double stepSize, double bc2Sqrt) {
        OptimizerKernels.adam(this, param, grad, m, v, beta1, beta2, eps, weightDecay, stepSize,
                bc2Sqrt);
    }

    // ---- indexing ------------------------------------------------------------------------------

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        return KernelStats.time("indexSelect", () -> IndexKernels.indexSelect(this, x, dim, index));
    }

    @Override
    public Tensor indexAdd(Shape shape, int dim, Tensor index, Tensor source) {
        return KernelStats.time("indexAdd", () ->
                IndexKernels.indexAdd(this, shape, dim, index, source));
    }

    @Override
    public Tensor gather(Tensor x, int dim, Tensor index) {
        return KernelStats.time("gather", () -> IndexKernels.gather(this, x, dim, index));
    }

    @Override
    public Tensor scatterAdd(Shape shape, int dim, Tensor index, Tensor source) {
        return KernelStats.time("scatterAdd", () ->
                IndexKernels.scatterAdd(this, shape, dim, index, source));
    }
}
