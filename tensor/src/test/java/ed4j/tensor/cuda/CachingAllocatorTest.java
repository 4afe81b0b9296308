package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caching allocator on a simulated device with a fixed capacity. */
class CachingAllocatorTest {

    /** Hands out numbered blocks until {@code capacity} bytes are out. */
    static final class FakeDevice implements CachingAllocator.DeviceMemory<Long> {
        final long capacity;
        long used;
        long next;
        int syncs;
        final List<Long> freed = new ArrayList<>();
        final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

        FakeDevice(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public Long allocate(long bytes) {
            if (used + bytes > capacity) {
                return null;
            }
            used += bytes;
            sizes.put(next, bytes);
            return next++;
        }

        @Override
        public void free(Long block) {
            used -= sizes.remove(block);
            freed.add(block);
        }

        @Override
        public void synchronize() {
            syncs++;
        }
    }

    @Test
    void sizeClassesRoundUpWithBoundedWaste() {
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(512));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1L << 20, CachingAllocator.sizeClass((1L << 20) - 1));
        assertEquals(1L << 20, CachingAllocator.sizeClass(1L << 20));
        assertEquals(2L << 20, CachingAllocator.sizeClass((1L << 20) + 1));
        // 100 MiB + 1 byte: steps of 64 MiB / 8 = 8 MiB.
        assertEquals(104L << 20, CachingAllocator.sizeClass((100L << 20) + 1));
        for (long b = 1; b < (1L << 33); b = b * 3 + 7) {
            long c = CachingAllocator.sizeClass(b);
            assertTrue(c >= b && c <= Math.max(b + 511, b + b / 8 + (1L << 20)),
                    b + " -> " + c);
        }
        assertThrows(IllegalArgumentException.class, () -> CachingAllocator.sizeClass(0));
    }

    @Test
    void releasedBlocksServeTheirClassWithoutTheDriver() {
        FakeDevice dev = new FakeDevice(1L << 30);
        CachingAllocator<Long> a = new CachingAllocator<>(dev, "cuda:0");
        CachingAllocator.Block<Long> x = a.acquire(1000);
        CachingAllocator.Block<Long> y = a.acquire(3000);
        assertEquals(2, a.driverAllocations());
        a.release(x);
        a.release(y);
        assertEquals(0, a.bytesInUse());
        assertEquals(1024 + 3072, a.bytesCached());
        for (int step = 0; step < 10; step++) {
            CachingAllocator.Block<Long> p = a.acquire(1000);
            CachingAllocator.Block<Long> q = a.acquire(2600);
            assertEquals(x.handle(), p.handle());
            assertEquals(y.handle(), q.handle());
            a.release(q);
            a.release(p);
        }
        assertEquals(2, a.driverAllocations());
        assertEquals(20, a.reuses());
        CachingAllocator.Block<Long> other = a.acquire(5000);
        assertNotEquals(x.handle(), other.handle());
        assertEquals(3, a.driverAllocations());
    }

    @Test
    void outOfMemoryReturnsTheCacheOnceThenFailsClearly() {
        FakeDevice dev = new FakeDevice(4096);
        CachingAllocator<Long> a = new CachingAllocator<>(dev, "cuda:0");
        a.release(a.acquire(2048));
        CachingAllocator.Block<Long> held = a.acquire(1024);
        // 2048 cached + 1024 held: 3072 of the device's 4096 bytes are taken.
        CachingAllocator.Block<Long> big = a.acquire(3000);
        assertEquals(1, dev.syncs, "the cache goes back after a synchronisation");
        assertEquals(1, dev.freed.size());
        assertEquals(0, a.bytesCached());
        assertEquals(3072 + 1024, a.bytesInUse());
        CudaException e = assertThrows(CudaException.class, () -> a.acquire(512));
        assertTrue(e.getMessage().contains("cuda:0 allocate: out of device memory for 512 bytes"),
                e.getMessage());
        a.release(big);
        a.release(held);
    }

    @Test
    void blocksOfUnreachableOwnersComeBackThroughACollection() {
        FakeDevice dev = new FakeDevice(64 * 1024);
        CachingAllocator<Long> a = new CachingAllocator<>(dev, "cuda:0");
        java.lang.ref.Cleaner cleaner = java.lang.ref.Cleaner.create();
        // Owners dropped without close(), as a step drops its intermediate tensors: only the
        // collector and the cleaner give their blocks back.
        List<Object> owners = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            CachingAllocator.Block<Long> block = a.acquire(4096);
            Object owner = new Object();
            cleaner.register(owner, () -> a.release(block));
            owners.add(owner);
        }
        assertEquals(64 * 1024, a.bytesInUse(), "the device is full");
        owners.clear();
        CachingAllocator.Block<Long> first = a.acquire(4096);
        // The blocks came back through the requested collection (or, rarely, one that happened
        // on its own just before, and then from the cache).
        assertTrue(a.collections() >= 1 || a.reuses() > 0);
        a.release(first);
        for (int step = 0; step < 3; step++) {
            a.release(a.acquire(4096));
        }
        assertTrue(dev.used <= dev.capacity);
    }
}
