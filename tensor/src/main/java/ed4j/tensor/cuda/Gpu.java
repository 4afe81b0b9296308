package ed4j.tensor.cuda;

import jcuda.driver.CUdeviceptr;

/**
 * What {@link CudaBackend} needs from a GPU: memory, copies, launches, synchronisation.
 * {@link CudaContext} is the real one; tests use a recording stand-in that checks every launch
 * against the kernels' PTX signatures, so the launchers' argument packing is verified on
 * machines without a GPU.
 */
interface Gpu {

    /** {@code cuda:N}. */
    String deviceName();

    /** One line about the device. */
    String describe();

    /** Streaming multiprocessors, for sizing grids. */
    int multiprocessors();

    /** {@code bytes} of device memory, or null when the device is out of memory. */
    CUdeviceptr allocate(long bytes);

    /** Returns memory to the driver. */
    void free(CUdeviceptr p);

    /** Waits for all queued work. */
    void synchronize(String op);

    /** Queues zeroing of {@code bytes} from {@code p}. */
    void zero(String op, CUdeviceptr p, long bytes);

    /** Queues a kernel of a family. */
    void launch(String op, String family, String kernel, LaunchConfig cfg, KernelArgs args);

    /** Queues an upload of {@code n} elements; {@code fill} writes them into staging buffers. */
    void upload(String op, CUdeviceptr dst, long dstByte, int n, int elemBytes,
            PinnedStaging.Transfer fill);

    /** Downloads {@code n} elements; {@code drain} reads them from staging buffers. */
    void download(String op, CUdeviceptr src, long srcByte, int n, int elemBytes,
            PinnedStaging.Transfer drain);
}
