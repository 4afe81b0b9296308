package ed4j.tensor.cuda;

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
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import jcuda.driver.CUdeviceptr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CUDA backend of one GPU: device memory from a {@link CachingAllocator}, copies through
 * {@link PinnedStaging}, and the project's kernels (PTX resources compiled from the
 * {@code .cu} files next to them), all queued on one stream of a {@link CudaContext}. Each
 * kernel family has a launcher class of the same name as its {@code .cu} file; this class only
 * routes to them. The CPU backend ({@code ed4j.tensor.cpu}) is the reference of every op.
 *
 * <p>Synchronisation: kernels and uploads are queued and return at once; downloads
 * ({@link #downloadFloats} and friends, hence {@code Tensor.item()} and {@code Tensor.to(CPU)})
 * and {@link #synchronize()} wait for the stream. Errors of asynchronous work surface at the next
 * synchronising call; with {@code -Ded4j.cuda.sync=true} every launch synchronises.
 *
 * <p>Matrix products use cuBLAS (JCublas2) when {@code libcublas.so.12} loads and the layout
 * suits it, else the project's tiled GEMM; {@link GemmMode} selects float32, TF32 or BF16
 * arithmetic for float32 products and convolutions (system property
 * {@code ed4j.cuda.gemm=fp32|tf32|bf16}, default fp32; {@code ed4j.cuda.cublas=false} turns
 * cuBLAS off).
 */
public final class CudaBackend implements Backend {

    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

    private final Gpu gpu;
    private final Device device;
    private final CachingAllocator<CUdeviceptr> allocator;
    private final Cleaner cleaner = Cleaner.create();
    private final CublasGemm cublas;
    private volatile GemmMode gemmMode;
    private volatile boolean cublasEnabled;

    CudaBackend(Gpu gpu, CublasGemm cublas, GemmMode mode, boolean useCublas) {
        this.gpu = gpu;
        this.device = Device.cuda(Integer.parseInt(gpu.deviceName().substring(5)));
        this.allocator = new CachingAllocator<>(new CachingAllocator.DeviceMemory<>() {
            @Override
            public CUdeviceptr allocate(long bytes) {
                return gpu.allocate(bytes);
            }

            @Override
            public void free(CUdeviceptr block) {
                gpu.free(block);
            }

            @Override
            public void synchronize() {
                gpu.synchronize("free");
            }
        }, gpu.deviceName());
        this.cublas = cublas;
        this.gemmMode = mode;
        this.cublasEnabled = useCublas;
    }

    /**
     * Opens GPU {@code index}.
     *
     * @throws IllegalStateException with the reason when there is no usable GPU or driver
     */
    public static CudaBackend open(int index) {
        CudaContext ctx = CudaContext.open(index);
        try {
            // Loading one module now turns a driver that cannot JIT our PTX into an error here.
            ctx.module("open", ElementwiseKernels.FAMILY);
        } catch (CudaException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        GemmMode mode = GemmMode.parse(System.getProperty("ed4j.cuda.gemm", "fp32"));
        boolean useCublas = !"false".equalsIgnoreCase(System.getProperty("ed4j.cuda.cublas"));
        CublasGemm cublas = null;
        try {
            cublas = CublasGemm.create(ctx);
        } catch (LinkageError | RuntimeException e) {
            LOG.info("{}: cuBLAS is not available ({}); matrix products use the built-in GEMM",
                    ctx.deviceName(), e.toString().lines().findFirst().orElse(""));
        }
        CudaBackend be = new CudaBackend(ctx, cublas, mode, useCublas);
        LOG.info("{}; GEMM {}, cuBLAS {}", ctx.describe(), mode,
                cublas == null ? "unavailable" : useCublas ? "on" : "off");
        return be;
    }

    @Override
    public Device device() {
        return device;
    }

    /** One line about the GPU: name, compute capability, SMs, memory, driver. */
    public String describe() {
        return gpu.describe();
    }

    /** Waits until every queued kernel and copy is done. */
    public void synchronize() {
        gpu.synchronize("synchronize");
    }

    /** The arithmetic of float32 matrix products and convolutions. */
    public GemmMode gemmMode() {
        return gemmMode;
    }

    /** Selects the arithmetic of float32 matrix products and convolutions. */
    public void setGemmMode(GemmMode mode) {
        this.gemmMode = mode;
    }

    /** True when cuBLAS loaded. */
    public boolean cublasAvailable() {
        return cublas != null;
    }

    /** Allows or forbids cuBLAS for matrix products (when available). */
    public void setCublasEnabled(boolean enabled) {
        this.cublasEnabled = enabled;
    }

    /** Bytes in live storages, bytes cached for reuse, driver allocations so far. */
    public long[] memoryStats() {
        return new long[] {allocator.bytesInUse(), allocator.bytesCached(),
            allocator.driverAllocations()};
    }

    /** Gives every cached free block back to the driver. */
    public void releaseCachedMemory() {
        allocator.releaseCached();
    }

    // ---- package helpers for the launchers ---------------------------------------------------

    CublasGemm cublas() {
        return cublasEnabled ? cublas : null;
    }

    int multiprocessors() {
        return gpu.multiprocessors();
    }

    static CudaStorage storage(Tensor t) {
        return (CudaStorage) t.storage();
    }

    /** The kernel name suffix of a dtype: f32, f64 or i64. */
    static String suffix(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "f32";
            case FLOAT64 -> "f64";
            case INT64 -> "i64";
        };
    }

    /** A new contiguous tensor whose elements are not initialised. */
    Tensor empty(Shape shape, DType dtype) {
        return Tensor.wrap(new CudaStorage(this, dtype, shape.numel(), allocator, cleaner), shape);
    }

    /** A new zero-filled contiguous tensor. */
    Tensor zeros(Shape shape, DType dtype) {
        return Tensor.wrap(allocate(dtype, shape.numel()), shape);
    }

    void launch(String op, String family, String kernel, LaunchConfig cfg, KernelArgs args) {
        gpu.launch(op, family, kernel, cfg, args);
    }

    // ---- memory ------------------------------------------------------------------------------

    @Override
    public CudaStorage allocate(DType dtype, int numel) {
        CudaStorage s = new CudaStorage(this, dtype, numel, allocator, cleaner);
        if (numel > 0) {
            gpu.zero("allocate", s.pointer(), (long) numel * dtype.byteSize());
        }
        return s;
    }

    @Override
    public CudaStorage upload(float[] data) {
        CudaStorage s = new CudaStorage(this, DType.FLOAT32, data.length, allocator, cleaner);
        gpu.upload("upload", s.pointer(), 0, data.length, 4,
                (ByteBuffer b, int from, int n) -> b.asFloatBuffer().put(data, from, n));
        return s;
    }

    @Override
    public CudaStorage upload(double[] data) {
        CudaStorage s = new CudaStorage(this, DType.FLOAT64, data.length, allocator, cleaner);
        gpu.upload("upload", s.pointer(), 0, data.length, 8,
                (ByteBuffer b, int from, int n) -> b.asDoubleBuffer().put(data, from, n));
        return s;
    }

    @Override
    public CudaStorage upload(long[] data) {
        CudaStorage s = new CudaStorage(this, DType.INT64, data.length, allocator, cleaner);
        gpu.upload("upload", s.pointer(), 0, data.length, 8,
                (ByteBuffer b, int from, int n) -> b.asLongBuffer().put(data, from, n));
        return s;
    }

    @Override
    public float[] downloadFloats(Tensor x) {
        float[] out = new float[x.numel()];
        try (Scratch s = new Scratch(this)) {
            Tensor c = s.contiguous(x);
            gpu.download("download", storage(c).pointer(), 4L * c.offset(), out.length, 4,
                    (ByteBuffer b, int from, int n) -> b.asFloatBuffer().get(out, from, n));
        }
        return out;
    }

    @Override
    public double[] downloadDoubles(Tensor x) {
        double[] out = new double[x.numel()];
        try (Scratch s = new Scratch(this)) {
            Tensor c = s.contiguous(x);
            gpu.download("download", storage(c).pointer(), 8L * c.offset(), out.length, 8,
                    (ByteBuffer b, int from, int n) -> b.asDoubleBuffer().get(out, from, n));
        }
        return out;
    }

    @Override
    public long[] downloadLongs(Tensor x) {
        long[] out = new long[x.numel()];
        try (Scratch s = new Scratch(this)) {
            Tensor c = s.contiguous(x);
            gpu.download("download", storage(c).pointer(), 8L * c.offset(), out.length, 8,
                    (ByteBuffer b, int from, int n) -> b.asLongBuffer().get(out, from, n));
        }
        return out;
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
        return ElementwiseKernels.cast(this, x, dtype);
    }

    // ---- elementwise -------------------------------------------------------------------------

    @Override
    public Tensor unary(UnaryOp op, Tensor x) {
        return ElementwiseKernels.unary(this, op, x);
    }

    @Override
    public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        return ElementwiseKernels.binary(this, op, a, b);
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        if (!dst.isContiguous() || dst.dtype() == DType.INT64) {
            Backend.super.addInPlace(dst, src);
            return;
        }
        ElementwiseKernels.addInto(this, dst, src);
    }

    @Override
    public Tensor clamp(Tensor x, double min, double max) {
        return ElementwiseKernels.clamp(this, x, min, max);
    }

    @Override
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        return ElementwiseKernels.where(this, cond, a, b);
    }

    // ---- reductions --------------------------------------------------------------------------

    @Override
    public Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim) {
        return ReduceKernels.reduce(this, op, x, dims, keepdim);
    }

    @Override
    public Tensor[] reduceWithIndex(IndexReduceOp op, Tensor x, int dim, boolean keepdim) {
        return ReduceKernels.reduceWithIndex(this, op, x, dim, keepdim);
    }

    @Override
    public Tensor softmax(Tensor x, int dim) {
        return ReduceKernels.softmax(this, x, dim, false, 1.0);
    }

    @Override
    public Tensor logSoftmax(Tensor x, int dim) {
        return ReduceKernels.softmax(this, x, dim, true, 1.0);
    }

    @Override
    public Tensor scaledSoftmax(Tensor x, double scale, int dim) {
        return ReduceKernels.softmax(this, x, dim, false, scale);
    }

    @Override
    public Tensor softmaxBackward(Tensor gradOut, Tensor y, int dim, double scale) {
        if (y.rank() == 0) {
            return Backend.super.softmaxBackward(gradOut, y, dim, scale);
        }
        return ReduceKernels.softmaxBackward(this, gradOut, y, dim, scale);
    }

    @Override
    public Tensor sumTimesLog(Tensor a, Tensor y, double floor) {
        if (!a.shape().equals(y.shape()) || a.dtype() != y.dtype()) {
            return Backend.super.sumTimesLog(a, y, floor);
        }
        return ReduceKernels.sumTimesLog(this, a, y, floor);
    }

    // ---- linear algebra and convolution ------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        return GemmKernels.matmul(this, a, b, gemmMode, true);
    }

    /**
     * {@link #matmul(Tensor, Tensor)} with an explicit arithmetic and, when {@code allowCublas}
     * is false, always the built-in GEMM; for tests and benchmarks. Operands as for
     * {@link Backend#matmul}: {@code a (..., M, K)} and {@code b (..., K, N)} with equal leading
     * dims and one dtype.
     */
    public Tensor matmul(Tensor a, Tensor b, GemmMode mode, boolean allowCublas) {
        return GemmKernels.matmul(this, a, b, mode, allowCublas);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p) {
        return ConvKernels.conv2d(this, x, weight, bias, p, gemmMode);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual,
            boolean relu) {
        return ConvKernels.conv2d(this, x, weight, bias, p, gemmMode, residual, relu);
    }

    /** {@link #conv2d} with an explicit arithmetic, for tests and benchmarks. */
    public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, GemmMode mode) {
        return ConvKernels.conv2d(this, x, weight, bias, p, mode);
    }

    @Override
    public Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, Shape inputShape,
            Conv2dParams p) {
        return ConvKernels.backwardInput(this, gradOut, weight, inputShape, p);
    }

    @Override
    public Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, Shape weightShape,
            Conv2dParams p) {
        return ConvKernels.backwardWeight(this, gradOut, x, weightShape, p);
    }

    // ---- pooling, normalisation, resampling --------------------------------------------------

    @Override
    public Tensor avgPool2d(Tensor x, Pool2dParams p) {
        return PoolKernels.avgPool2d(this, x, p);
    }

    @Override
    public Tensor avgPool2dBackward(Tensor gradOut, Shape inputShape, Pool2dParams p) {
        return PoolKernels.avgPool2dBackward(this, gradOut, inputShape, p);
    }

    @Override
    public Tensor[] maxPool2d(Tensor x, Pool2dParams p) {
        return PoolKernels.maxPool2d(this, x, p);
    }

    @Override
    public Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, Shape inputShape) {
        return PoolKernels.maxPool2dBackward(this, gradOut, indices, inputShape);
    }

    @Override
    public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, int normalizedNumel,
            double eps) {
        return NormKernels.layerNorm(this, x, weight, bias, normalizedNumel, eps);
    }

    @Override
    public Tensor[] layerNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor rstd,
            Tensor weight, int normalizedNumel) {
        return NormKernels.layerNormBackward(this, gradOut, x, mean, rstd, weight,
                normalizedNumel);
    }

    @Override
    public Tensor upsampleBilinear2d(Tensor x, int outH, int outW, boolean alignCorners) {
        return ResampleKernels.bilinear(this, x, outH, outW, alignCorners);
    }

    @Override
    public Tensor upsampleBilinear2dBackward(Tensor gradOut, Shape inputShape,
            boolean alignCorners) {
        return ResampleKernels.bilinearBackward(this, gradOut, inputShape, alignCorners);
    }

    // ---- fused kernels -----------------------------------------------------------------------

    @Override
    public Tensor priorDivergence(Tensor attn, Tensor a, Tensor b, int gridW, double eps) {
        return PriorKernels.forward(this, attn, a, b, gridW, eps);
    }

    @Override
    public Tensor[] priorDivergenceBackward(Tensor gradOut, Tensor attn, Tensor a, Tensor b,
            int gridW, double eps) {
        return PriorKernels.backward(this, gradOut, attn, a, b, gridW, eps);
    }

    // ---- optimizers --------------------------------------------------------------------------

    @Override
    public void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, double beta1,
            double beta2, double eps, double weightDecay, double stepSize, double bc2Sqrt) {
        ElementwiseKernels.adam(this, param, grad, m, v, beta1, beta2, eps, weightDecay,
                stepSize, bc2Sqrt);
    }

    // ---- indexing ----------------------------------------------------------------------------

    @Override
    public Tensor indexSelect(Tensor x, int dim, Tensor index) {
        return IndexKernels.indexSelect(this, x, dim, index);
    }

    @Override
    public Tensor indexAdd(Shape shape, int dim, Tensor index, Tensor source) {
        return IndexKernels.indexAdd(this, shape, dim, index, source);
    }

    @Override
    public Tensor gather(Tensor x, int dim, Tensor index) {
        return IndexKernels.gather(this, x, dim, index);
    }

    @Override
    public Tensor scatterAdd(Shape shape, int dim, Tensor index, Tensor source) {
        return IndexKernels.scatterAdd(this, shape, dim, index, source);
    }
}
