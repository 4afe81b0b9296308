package ed4j.tensor.io;

import ed4j.tensor.Backends;
import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.cpu.CpuBackend;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves packed elements between files and engine tensors in bounded pieces, so that no format
 * needs a second copy of a whole file on the heap.
 *
 * <p>Regions of a file are either read through a small buffer or, from {@link
 * #MAP_THRESHOLD_BYTES} up, memory-mapped in windows of at most {@link #MAP_WINDOW_BYTES}.
 * Streams (zip members) are read in chunks that are allocated only as bytes arrive, so a size
 * claimed by a header but not backed by data cannot make the reader allocate it.
 */
public final class TensorBytes {

    /** Regions at least this large are memory-mapped instead of read through a buffer. */
    public static final long MAP_THRESHOLD_BYTES = 4L << 20;

    /** The largest window mapped at once (below the 2 GiB limit of one mapping). */
    public static final long MAP_WINDOW_BYTES = 1L << 30;

    /** Streams claiming up to this many bytes get their array up front. */
    private static final long EAGER_STREAM_BYTES = 16L << 20;

    private static final int CHUNK_BYTES = 1 << 20;

    private TensorBytes() {}

    /**
     * A contiguous CPU tensor over an engine array (float[], double[] or long[]) without copying
     * float and double arrays; the caller gives the array up.
     */
    public static Tensor tensor(Object array, Shape shape) {
        CpuBackend cpu = (CpuBackend) Backends.cpu();
        if (array instanceof float[] f) {
            return cpu.adopt(f, shape);
        }
        if (array instanceof double[] d) {
            return cpu.adopt(d, shape);
        }
        return Tensor.ofLongs((long[]) array, shape.toArray());
    }

    /**
     * Reads {@code numel} elements of {@code type} stored at {@code position} of {@code channel}
     * into an engine array.
     *
     * @throws EOFException when the region extends past the end of the file
     */
    public static Object read(
            FileChannel channel, long position, ElementType type, ByteOrder order, int numel)
            throws IOException {
        long length = (long) numel * type.byteSize();
        if (position < 0 || position > channel.size() - length) {
            throw new EOFException(
                    length + " bytes at offset " + position + " extend past the end of the file ("
                            + channel.size() + " bytes)");
        }
        Object dst = type.newArray(numel);
        if (length >= MAP_THRESHOLD_BYTES) {
            readMapped(channel, position, type, order, numel, dst);
        } else {
            readBuffered(channel, position, type, order, numel, dst);
        }
        return dst;
    }

    private static void readMapped(FileChannel channel, long position, ElementType type,
            ByteOrder order, int numel, Object dst) throws IOException {
        int perWindow = (int) (MAP_WINDOW_BYTES / type.byteSize());
        for (int done = 0; done < numel; ) {
            int n = Math.min(perWindow, numel - done);
            MappedByteBuffer window = channel.map(FileChannel.MapMode.READ_ONLY,
                    position + (long) done * type.byteSize(), (long) n * type.byteSize());
            window.order(order);
            type.decode(window, dst, done, n);
            done += n;
        }
    }

    private static void readBuffered(FileChannel channel, long position, ElementType type,
            ByteOrder order, int numel, Object dst) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(
                (int) Math.min(CHUNK_BYTES, (long) numel * type.byteSize())).order(order);
        int perChunk = Math.max(1, buf.capacity() / type.byteSize());
        long pos = position;
        for (int done = 0; done < numel; ) {
            int n = Math.min(perChunk, numel - done);
            buf.clear().limit(n * type.byteSize());
            while (buf.hasRemaining()) {
                int r = channel.read(buf, pos + buf.position());
                if (r < 0) {
                    throw new EOFException("file ended inside the data at offset "
                            + (pos + buf.position()));
                }
            }
            buf.flip();
            type.decode(buf, dst, done, n);
            pos += (long) n * type.byteSize();
            done += n;
        }
    }

    /**
     * Reads exactly {@code numel} elements of {@code type} from {@code in} into an engine array.
     *
     * <p>When {@code backed} is true the caller has checked that the bytes are really present
     * (a stored zip member inside the archive), and the array is allocated up front and filled
     * through a small buffer. Otherwise memory grows with the bytes actually read, in chunks, so
     * a stream that ends early costs at most the bytes it held plus one chunk; the price is a
     * second copy of the data while it is decoded.
     *
     * @throws EOFException when the stream ends before {@code numel} elements
     */
    public static Object read(InputStream in, ElementType type, ByteOrder order, int numel,
            boolean backed) throws IOException {
        long length = (long) numel * type.byteSize();
        if (backed || length <= EAGER_STREAM_BYTES) {
            Object dst = type.newArray(numel);
            byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, length)];
            int perChunk = Math.max(1, chunk.length / type.byteSize());
            for (int done = 0; done < numel; ) {
                int n = Math.min(perChunk, numel - done);
                readExactly(in, chunk, n * type.byteSize(), length);
                type.decode(ByteBuffer.wrap(chunk, 0, n * type.byteSize()).order(order), dst,
                        done, n);
                done += n;
            }
            return dst;
        }
        List<byte[]> chunks = new ArrayList<>();
        int big = 16 * CHUNK_BYTES;
        for (long left = length; left > 0; ) {
            byte[] chunk = new byte[(int) Math.min(big, left)];
            readExactly(in, chunk, chunk.length, length);
            chunks.add(chunk);
            left -= chunk.length;
        }
        Object dst = type.newArray(numel);
        int done = 0;
        for (byte[] chunk : chunks) {
            int n = chunk.length / type.byteSize();
            type.decode(ByteBuffer.wrap(chunk).order(order), dst, done, n);
            done += n;
        }
        return dst;
    }

    private static void readExactly(InputStream in, byte[] buf, int n, long expectedTotal)
            throws IOException {
        int got = in.readNBytes(buf, 0, n);
        if (got != n) {
            throw new EOFException(
                    "data ended early: expected " + expectedTotal + " bytes of elements");
        }
    }

    /**
     * Writes the elements of {@code t} in row-major order as {@code type} (float32 tensors may be
     * narrowed to {@link ElementType#FLOAT16} or {@link ElementType#BFLOAT16}).
     *
     * @throws IllegalArgumentException when {@code type} cannot hold the tensor's dtype
     */
    public static void write(WritableByteChannel channel, Tensor t, ElementType type,
            ByteOrder order) throws IOException {
        checkWritable(t.dtype(), type);
        Object src = switch (t.dtype()) {
            case FLOAT32 -> t.toFloatArray();
            case FLOAT64 -> t.toDoubleArray();
            case INT64 -> t.toLongArray();
        };
        int numel = t.numel();
        ByteBuffer buf = ByteBuffer.allocate(
                (int) Math.min(CHUNK_BYTES, Math.max(1L, (long) numel * type.byteSize())))
                .order(order);
        int perChunk = Math.max(1, buf.capacity() / type.byteSize());
        for (int done = 0; done < numel; ) {
            int n = Math.min(perChunk, numel - done);
            buf.clear();
            type.encode(src, done, n, buf);
            buf.flip();
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            done += n;
        }
    }

    /**
     * Checks that a tensor of {@code dtype} can be stored as {@code type}.
     *
     * @throws IllegalArgumentException naming both when it cannot
     */
    public static void checkWritable(DType dtype, ElementType type) {
        boolean ok = switch (type) {
            case FLOAT32, FLOAT16, BFLOAT16 -> dtype == DType.FLOAT32;
            case FLOAT64 -> dtype == DType.FLOAT64;
            case INT64 -> dtype == DType.INT64;
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException(
                    "cannot store a " + dtype + " tensor as " + type
                            + " (writable: float32 as FLOAT32, FLOAT16 or BFLOAT16; float64 as"
                            + " FLOAT64; int64 as INT64)");
        }
    }
}
