package ed4j.tensor.cuda;

import ed4j.tensor.Backend;
import ed4j.tensor.DType;
import ed4j.tensor.Storage;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.driver.CUdeviceptr;

/**
 * Device memory holding the elements of tensors on one GPU: a block of the backend's
 * {@link CachingAllocator}.
 *
 * <p>Close a storage (or use try-with-resources) when no tensor viewing it is needed any more:
 * its block goes back to the allocator's free list at once. A storage that becomes unreachable
 * without being closed is returned by a {@link Cleaner} as a safety net, later and at the
 * garbage collector's pace. Using a storage after {@link #close()} throws
 * {@link IllegalStateException}.
 */
public final class CudaStorage extends Storage implements AutoCloseable {

    /** Returns the block exactly once, from {@link #close()} or from the cleaner. */
    private static final class Release implements Runnable {
        private final CachingAllocator<CUdeviceptr> allocator;
        private final CachingAllocator.Block<CUdeviceptr> block;
        private final AtomicBoolean done = new AtomicBoolean();

        Release(CachingAllocator<CUdeviceptr> allocator, CachingAllocator.Block<CUdeviceptr> b) {
            this.allocator = allocator;
            this.block = b;
        }

        @Override
        public void run() {
            if (done.compareAndSet(false, true) && block != null) {
                allocator.release(block);
            }
        }
    }

    private final CudaBackend backend;
    private final CUdeviceptr pointer;
    private final Release release;
    private final Cleaner.Cleanable cleanable;

    CudaStorage(CudaBackend backend, DType dtype, int size, CachingAllocator<CUdeviceptr> allocator,
            Cleaner cleaner) {
        super(dtype, size);
        this.backend = backend;
        CachingAllocator.Block<CUdeviceptr> block =
                size == 0 ? null : allocator.acquire((long) size * dtype.byteSize());
        this.pointer = block == null ? new CUdeviceptr() : block.handle();
        this.release = new Release(allocator, block);
        this.cleanable = cleaner.register(this, release);
    }

    @Override
    public Backend backend() {
        return backend;
    }

    /** The device address of element 0. */
    CUdeviceptr pointer() {
        if (release.done.get()) {
            throw new IllegalStateException("a " + dtype() + " CUDA storage of " + size()
                    + " elements on " + backend.device() + " was used after close()");
        }
        return pointer;
    }

    /** True once the memory went back to the allocator. */
    public boolean isClosed() {
        return release.done.get();
    }

    /** Returns the memory to the backend's allocator; later calls do nothing. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
