package ed4j.tensor.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Host-device copies through two pinned (page-locked) staging buffers of {@link #CHUNK} bytes.
 *
 * <p>An upload copies a chunk of the Java array into a free buffer and queues its transfer on the
 * stream; an event marks when the buffer is free again, so the next chunk fills the other buffer
 * while the first one is in flight. A download queues the transfer of the next chunk before it
 * waits for the current one and copies it out. Java arrays are never handed to the driver, and
 * uploads do not wait for their transfers: the stream orders them before the kernels that read
 * the data. Downloads return when their data is on the host, which makes them the backend's
 * synchronisation points.
 */
final class PinnedStaging {

    /** Bytes per staging buffer. */
    static final int CHUNK = 8 << 20;

    /** Moves {@code count} elements between a Java array, from {@code from}, and a buffer. */
    interface Transfer {
        void apply(ByteBuffer buffer, int from, int count);
    }

    private final CudaContext ctx;
    private final Pointer[] host = new Pointer[2];
    private final ByteBuffer[] buffers = new ByteBuffer[2];
    private final CUevent[] free = new CUevent[2];
    private final boolean[] pending = new boolean[2];

    PinnedStaging(CudaContext ctx) {
        this.ctx = ctx;
    }

    private void ensureBuffers(String op) {
        if (host[0] != null) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            Pointer p = new Pointer();
            ctx.check(op, "cuMemAllocHost(" + CHUNK + ")", cuMemAllocHost(p, CHUNK));
            host[i] = p;
            buffers[i] = p.getByteBuffer(0, CHUNK).order(ByteOrder.nativeOrder());
            free[i] = new CUevent();
            ctx.check(op, "cuEventCreate",
                    cuEventCreate(free[i], CUevent_flags.CU_EVENT_DISABLE_TIMING));
        }
    }

    private void await(String op, int slot) {
        if (pending[slot]) {
            ctx.check(op, "cuEventSynchronize", cuEventSynchronize(free[slot]));
            pending[slot] = false;
        }
    }

    private void record(String op, int slot) {
        ctx.check(op, "cuEventRecord", cuEventRecord(free[slot], ctx.stream()));
        pending[slot] = true;
    }

    /**
     * Queues the upload of {@code n} elements of {@code elemBytes} each to {@code dst} at byte
     * offset {@code dstByte}; {@code fill} writes elements {@code [from, from + count)} of the
     * source array into a buffer.
     */
    synchronized void upload(String op, CUdeviceptr dst, long dstByte, int n, int elemBytes,
            Transfer fill) {
        ctx.makeCurrent();
        ensureBuffers(op);
        int per = CHUNK / elemBytes;
        for (int from = 0, c = 0; from < n; from += per, c++) {
            int slot = c % 2;
            int count = Math.min(per, n - from);
            await(op, slot);
            ByteBuffer b = buffers[slot];
            b.clear();
            fill.apply(b, from, count);
            ctx.check(op, "cuMemcpyHtoDAsync",
                    cuMemcpyHtoDAsync(dst.withByteOffset(dstByte + (long) from * elemBytes),
                            host[slot], (long) count * elemBytes, ctx.stream()));
            record(op, slot);
        }
    }

    /**
     * Downloads {@code n} elements of {@code elemBytes} each from {@code src} at byte offset
     * {@code srcByte}; {@code drain} copies elements {@code [from, from + count)} out of a buffer.
     * Returns when every element is on the host.
     */
    synchronized void download(String op, CUdeviceptr src, long srcByte, int n, int elemBytes,
            Transfer drain) {
        ctx.makeCurrent();
        ensureBuffers(op);
        int per = CHUNK / elemBytes;
        int chunks = (n + per - 1) / per;
        for (int c = 0; c < chunks; c++) {
            if (c == 0) {
                queueDownload(op, src, srcByte, n, elemBytes, per, 0);
            }
            if (c + 1 < chunks) {
                queueDownload(op, src, srcByte, n, elemBytes, per, c + 1);
            }
            int slot = c % 2;
            await(op, slot);
            ByteBuffer b = buffers[slot];
            b.clear();
            drain.apply(b, c * per, Math.min(per, n - c * per));
        }
    }

    private void queueDownload(String op, CUdeviceptr src, long srcByte, int n, int elemBytes,
            int per, int c) {
        int slot = c % 2;
        await(op, slot);
        int from = c * per;
        int count = Math.min(per, n - from);
        ctx.check(op, "cuMemcpyDtoHAsync",
                cuMemcpyDtoHAsync(host[slot], src.withByteOffset(srcByte + (long) from * elemBytes),
                        (long) count * elemBytes, ctx.stream()));
        record(op, slot);
    }
}
