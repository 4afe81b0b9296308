package ed4j.tensor.cuda;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator of device memory: freed blocks go to a free list of their size class and
 * serve the next request of that class, so a model that runs the same shapes step after step
 * allocates from the driver only in its first step.
 *
 * <p>Size classes: requests are rounded up to a multiple of 512 bytes below 1 MiB, and above to
 * a multiple of an eighth of their highest power of two (at least 1 MiB), which wastes at most
 * 12.5% and keeps the number of classes small. A block is reused only for its own class.
 *
 * <p>All kernels of a backend run on one stream, so a block released while kernels that use it
 * are still queued is safe to hand out again: the next user's work is queued after them. Blocks
 * go back to the driver only when an allocation fails (after a synchronisation), or on
 * {@link #releaseCached()}. Thread-safe: storages may be released from a {@link
 * java.lang.ref.Cleaner} thread; that path makes no driver call.
 *
 * @param <B> the handle of a device block ({@code CUdeviceptr} on a GPU, anything in tests)
 */
final class CachingAllocator<B> {

    /** Where blocks come from. */
    interface DeviceMemory<B> {
        /** A new block of {@code bytes}, or null when the device is out of memory. */
        B allocate(long bytes);

        /** Returns a block to the driver. */
        void free(B block);

        /** Waits until queued work is done, before blocks go back to the driver. */
        void synchronize();
    }

    /** A block handed out: its handle and its class size. */
    record Block<B>(B handle, long size) {}

    static final long SMALL_LIMIT = 1L << 20;
    static final long SMALL_STEP = 512;
    /** Retries after a collection when the device is full: waits of 1 to 256 ms. */
    static final int COLLECT_ATTEMPTS = 9;

    private final DeviceMemory<B> device;
    private final String deviceName;
    private final Map<Long, ArrayDeque<B>> free = new HashMap<>();
    private long bytesInUse;
    private long bytesCached;
    private long driverAllocations;
    private long reuses;
    private long collections;

    CachingAllocator(DeviceMemory<B> device, String deviceName) {
        this.device = device;
        this.deviceName = deviceName;
    }

    /** The class a request of {@code bytes} (positive) is served from. */
    static long sizeClass(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive, got " + bytes);
        }
        if (bytes < SMALL_LIMIT) {
            return roundUp(bytes, SMALL_STEP);
        }
        long step = Math.max(SMALL_LIMIT, Long.highestOneBit(bytes) / 8);
        return roundUp(bytes, step);
    }

    private static long roundUp(long v, long step) {
        return (v + step - 1) / step * step;
    }

    /**
     * A block of at least {@code bytes} (positive).
     *
     * <p>When the device is full even after the cache went back to the driver, the blocks of
     * tensors that are no longer reachable may still count as in use: they come back only once
     * the Java collector has found their storages and the cleaner has run. A step on the GPU
     * makes gigabytes of intermediate results but only kilobytes of Java objects, so the heap
     * would not be collected for many steps on its own. As a direct buffer allocation does, the
     * allocator then asks for a collection and retries, waiting 1, 2, 4, ... ms in between (at
     * most about half a second), before it gives up.
     *
     * @throws CudaException when the device has no memory left even after that
     */
    Block<B> acquire(long bytes) {
        long size = sizeClass(bytes);
        Block<B> b = tryAcquire(size);
        for (int attempt = 0; b == null && attempt < COLLECT_ATTEMPTS; attempt++) {
            // Outside the lock: the cleaner's releases need it.
            if (attempt == 0) {
                countCollection();
                System.gc();
            }
            try {
                Thread.sleep(1L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            b = tryAcquire(size);
        }
        if (b == null) {
            throw new CudaException(deviceName + " allocate: out of device memory for " + size
                    + " bytes (" + bytesInUse() + " bytes in use by live tensors)", 2);
        }
        return b;
    }

    /** A block from the free list or the driver (returning the cache first), or null. */
    private synchronized Block<B> tryAcquire(long size) {
        ArrayDeque<B> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            reuses++;
            bytesCached -= size;
            bytesInUse += size;
            return new Block<>(list.pop(), size);
        }
        B handle = device.allocate(size);
        driverAllocations++;
        if (handle == null) {
            releaseCached();
            handle = device.allocate(size);
            driverAllocations++;
            if (handle == null) {
                return null;
            }
        }
        bytesInUse += size;
        return new Block<>(handle, size);
    }

    /** Puts a block back on its free list. */
    synchronized void release(Block<B> block) {
        free.computeIfAbsent(block.size(), s -> new ArrayDeque<>()).push(block.handle());
        bytesInUse -= block.size();
        bytesCached += block.size();
    }

    /** Returns every cached block to the driver (after waiting for queued work). */
    synchronized void releaseCached() {
        if (bytesCached == 0) {
            return;
        }
        device.synchronize();
        for (ArrayDeque<B> list : free.values()) {
            while (!list.isEmpty()) {
                device.free(list.pop());
            }
        }
        free.clear();
        bytesCached = 0;
    }

    /** Bytes in blocks handed out and not yet released. */
    synchronized long bytesInUse() {
        return bytesInUse;
    }

    /** Bytes in cached free blocks. */
    synchronized long bytesCached() {
        return bytesCached;
    }

    /** How many times the driver was asked for memory. */
    synchronized long driverAllocations() {
        return driverAllocations;
    }

    /** How many requests a cached block served. */
    synchronized long reuses() {
        return reuses;
    }

    private synchronized void countCollection() {
        collections++;
    }

    /** How many times a full device made the allocator ask the JVM for a collection. */
    synchronized long collections() {
        return collections;
    }
}
