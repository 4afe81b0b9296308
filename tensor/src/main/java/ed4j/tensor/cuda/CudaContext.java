package ed4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One GPU as the backend uses it: the device's primary context, one non-blocking stream on which
 * every kernel and copy is queued (so they run in program order), and the kernel modules, loaded
 * on first use from the PTX resources {@code /ed4j/tensor/cuda/<Family>.ptx} with
 * {@code cuModuleLoadData} (the driver compiles the PTX for the GPU at hand).
 *
 * <p>The first launch of each kernel is checked against the parameter list its PTX declares
 * ({@link PtxSignatures}), so a launcher that packs its arguments wrongly fails with both lists
 * instead of running the kernel on garbage.
 *
 * <p>Every driver call goes through {@link #check}: a failure becomes a {@link CudaException}
 * naming the device, the backend operation and the call. The context is made current on each
 * calling thread before its first driver call ({@link #makeCurrent()}).
 *
 * <p>With the system property {@code ed4j.cuda.sync=true} every launch is followed by a stream
 * synchronisation, so that an asynchronous kernel fault is reported with the kernel that caused it.
 */
final class CudaContext implements Gpu {

    /** Lowest compute capability the PTX targets (compute_80: TF32 and BF16 tensor cores). */
    static final int MIN_MAJOR = 8;

    private final int index;
    private final String name;
    private final CUdevice device;
    private final CUcontext context;
    private final CUstream stream;
    private final int multiprocessors;
    private final int major;
    private final int minor;
    private final long totalMemory;
    private final int driverVersion;
    private final boolean syncEachLaunch;
    private final ConcurrentHashMap<String, CUmodule> modules = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Map<String, List<String>>> signatures =
            new ConcurrentHashMap<>();
    private final PinnedStaging staging = new PinnedStaging(this);
    private final ThreadLocal<Boolean> current = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /**
     * Why JCuda's driver binding failed to load, kept from the first attempt: later attempts only
     * see a {@link NoClassDefFoundError} that no longer says why.
     */
    private static volatile String loadFailure;

    private CudaContext(int index, String name, CUdevice device, CUcontext context,
            CUstream stream, int[] info, long totalMemory, boolean syncEachLaunch) {
        this.index = index;
        this.name = name;
        this.device = device;
        this.context = context;
        this.stream = stream;
        this.multiprocessors = info[0];
        this.major = info[1];
        this.minor = info[2];
        this.driverVersion = info[3];
        this.totalMemory = totalMemory;
        this.syncEachLaunch = syncEachLaunch;
        current.set(Boolean.TRUE);
    }

    /**
     * Opens device {@code index}.
     *
     * @throws IllegalStateException with the reason when the driver library cannot be loaded,
     *     there is no such device, or the device is too old for the kernels
     */
    static CudaContext open(int index) {
        String dev = "cuda:" + index;
        try {
            JCudaDriver.setExceptionsEnabled(false);
        } catch (LinkageError e) {
            if (loadFailure == null) {
                loadFailure = firstLine(e);
            }
            throw new IllegalStateException(dev + ": the CUDA driver cannot be loaded (JCuda's "
                    + "driver binding needs libcuda.so.1 from an NVIDIA driver): " + loadFailure,
                    e);
        }
        int r = cuInit(0);
        if (r != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(dev + ": the CUDA driver did not initialise: "
                    + CudaException.errorName(r) + (r == CUresult.CUDA_ERROR_NO_DEVICE
                            ? "; no CUDA-capable GPU is visible" : ""));
        }
        int[] count = new int[1];
        checkOpen(dev, "cuDeviceGetCount", cuDeviceGetCount(count));
        if (index >= count[0]) {
            throw new IllegalStateException(dev + ": no such device; the driver reports "
                    + count[0] + " CUDA device(s)");
        }
        CUdevice device = new CUdevice();
        checkOpen(dev, "cuDeviceGet", cuDeviceGet(device, index));
        byte[] nameBytes = new byte[256];
        checkOpen(dev, "cuDeviceGetName", cuDeviceGetName(nameBytes, nameBytes.length, device));
        String name = cString(nameBytes);
        int[] info = new int[4];
        info[0] = attribute(dev, device,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        info[1] = attribute(dev, device,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        info[2] = attribute(dev, device,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        int[] version = new int[1];
        checkOpen(dev, "cuDriverGetVersion", cuDriverGetVersion(version));
        info[3] = version[0];
        if (info[1] < MIN_MAJOR) {
            throw new IllegalStateException(dev + " (" + name + "): compute capability "
                    + info[1] + "." + info[2] + " is below the " + MIN_MAJOR
                    + ".0 the kernels are compiled for");
        }
        long[] mem = new long[1];
        checkOpen(dev, "cuDeviceTotalMem", cuDeviceTotalMem(mem, device));
        CUcontext context = new CUcontext();
        checkOpen(dev, "cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain(context, device));
        checkOpen(dev, "cuCtxSetCurrent", cuCtxSetCurrent(context));
        CUstream stream = new CUstream();
        checkOpen(dev, "cuStreamCreate",
                cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING));
        boolean sync = Boolean.getBoolean("ed4j.cuda.sync");
        return new CudaContext(index, name, device, context, stream, info, mem[0], sync);
    }

    private static int attribute(String dev, CUdevice device, int attribute) {
        int[] v = new int[1];
        checkOpen(dev, "cuDeviceGetAttribute(" + attribute + ")",
                cuDeviceGetAttribute(v, attribute, device));
        return v[0];
    }

    private static void checkOpen(String dev, String call, int result) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(
                    dev + ": " + call + " failed: " + CudaException.errorName(result));
        }
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    private static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    // ---- identity ----------------------------------------------------------------------------

    /** {@code cuda:N}. */
    @Override
    public String deviceName() {
        return "cuda:" + index;
    }

    /** One line: ordinal, name, compute capability, SMs, memory, driver version. */
    @Override
    public String describe() {
        return deviceName() + " " + name + ", compute capability " + major + "." + minor + ", "
                + multiprocessors + " SMs, " + (totalMemory >> 20) + " MiB, driver API "
                + driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    @Override
    public int multiprocessors() {
        return multiprocessors;
    }

    CUstream stream() {
        return stream;
    }

    CUdevice device() {
        return device;
    }

    // ---- calls -------------------------------------------------------------------------------

    /** Makes this context current on the calling thread (once per thread). */
    void makeCurrent() {
        if (!current.get()) {
            check("makeCurrent", "cuCtxSetCurrent", cuCtxSetCurrent(context));
            current.set(Boolean.TRUE);
        }
    }

    /** Throws a {@link CudaException} naming {@code op} and {@code call} unless it succeeded. */
    void check(String op, String call, int result) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw CudaException.call(deviceName(), op, call, result);
        }
    }

    /** Waits for every queued kernel and copy. */
    @Override
    public void synchronize(String op) {
        makeCurrent();
        check(op, "cuStreamSynchronize", cuStreamSynchronize(stream));
    }

    /** {@code bytes} of device memory, or null when the device is out of memory. */
    @Override
    public CUdeviceptr allocate(long bytes) {
        makeCurrent();
        CUdeviceptr p = new CUdeviceptr();
        int r = cuMemAlloc(p, bytes);
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            return null;
        }
        check("allocate", "cuMemAlloc(" + bytes + ")", r);
        return p;
    }

    @Override
    public void free(CUdeviceptr p) {
        makeCurrent();
        check("free", "cuMemFree", cuMemFree(p));
    }

    /** Queues zeroing of {@code bytes} from {@code p}. */
    @Override
    public void zero(String op, CUdeviceptr p, long bytes) {
        makeCurrent();
        check(op, "cuMemsetD8Async", cuMemsetD8Async(p, (byte) 0, bytes, stream));
    }

    /** Queues kernel {@code kernel} of {@code family} on the stream. */
    @Override
    public void launch(String op, String family, String kernel, LaunchConfig cfg, KernelArgs args) {
        makeCurrent();
        CUfunction f = function(op, family, kernel, args);
        int r = cuLaunchKernel(f, cfg.gridX(), cfg.gridY(), cfg.gridZ(), cfg.blockX(), 1, 1,
                cfg.sharedBytes(), stream, args.kernelParams(), null);
        if (r != CUresult.CUDA_SUCCESS) {
            throw CudaException.launch(deviceName(), op, kernel, cfg, args.signature(), r);
        }
        if (syncEachLaunch) {
            r = cuStreamSynchronize(stream);
            if (r != CUresult.CUDA_SUCCESS) {
                throw CudaException.launch(deviceName(), op, kernel + " (while running)", cfg,
                        args.signature(), r);
            }
        }
    }

    private CUfunction function(String op, String family, String kernel, KernelArgs args) {
        String key = family + "/" + kernel;
        CUfunction f = functions.get(key);
        if (f != null) {
            return f;
        }
        CUmodule module = module(op, family);
        try {
            PtxSignatures.check(signatures.get(family), family, kernel, args);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(deviceName() + " " + op + ": " + e.getMessage(), e);
        }
        f = new CUfunction();
        check(op, "cuModuleGetFunction(" + kernel + " in " + family + ".ptx)",
                cuModuleGetFunction(f, module, kernel));
        functions.putIfAbsent(key, f);
        return functions.get(key);
    }

    /** The module of a kernel family, loaded on first use. */
    CUmodule module(String op, String family) {
        CUmodule m = modules.get(family);
        if (m != null) {
            return m;
        }
        synchronized (modules) {
            m = modules.get(family);
            if (m == null) {
                makeCurrent();
                byte[] ptx = ptx(family);
                m = new CUmodule();
                int r = cuModuleLoadData(m, ptx);
                if (r == CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
                    throw new CudaException(deviceName() + " " + op + ": " + family + ".ptx was "
                            + "made by a newer nvcc than this driver supports ("
                            + CudaException.errorName(r) + "); update the NVIDIA driver or "
                            + "regenerate the PTX with an older nvcc", r);
                }
                check(op, "cuModuleLoadData(" + family + ".ptx)", r);
                signatures.put(family, PtxSignatures.parse(
                        new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII)));
                modules.put(family, m);
            }
            return m;
        }
    }

    @Override
    public void upload(String op, CUdeviceptr dst, long dstByte, int n, int elemBytes,
            PinnedStaging.Transfer fill) {
        staging.upload(op, dst, dstByte, n, elemBytes, fill);
    }

    @Override
    public void download(String op, CUdeviceptr src, long srcByte, int n, int elemBytes,
            PinnedStaging.Transfer drain) {
        staging.download(op, src, srcByte, n, elemBytes, drain);
    }

    /** The PTX resource of a family, NUL-terminated as cuModuleLoadData expects. */
    static byte[] ptx(String family) {
        String path = "/ed4j/tensor/cuda/" + family + ".ptx";
        try (InputStream in = CudaContext.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("kernel resource " + path + " is missing from "
                        + "the class path; the tensor jar was built without its PTX");
            }
            byte[] b = in.readAllBytes();
            return Arrays.copyOf(b, b.length + 1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read kernel resource " + path, e);
        }
    }
}
