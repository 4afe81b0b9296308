package ed4j.tensor.io;

import ed4j.tensor.DType;
import java.nio.ByteBuffer;

/**
 * An element type as stored in a file, and how it maps onto the engine's {@link DType}s.
 *
 * <p>Files hold more types than the engine computes with. On reading, floating types of up to 32
 * bits widen to {@link DType#FLOAT32}, {@link #FLOAT64} stays {@link DType#FLOAT64}, and every
 * integer and boolean type widens to {@link DType#INT64} (booleans as 0 and 1). The conversions
 * are exact. Only {@link #FLOAT32}, {@link #FLOAT64}, {@link #INT64}, {@link #FLOAT16} and
 * {@link #BFLOAT16} can be written.
 */
public enum ElementType {
    BOOL(1, DType.INT64),
    UINT8(1, DType.INT64),
    INT8(1, DType.INT64),
    INT16(2, DType.INT64),
    UINT16(2, DType.INT64),
    INT32(4, DType.INT64),
    UINT32(4, DType.INT64),
    INT64(8, DType.INT64),
    FLOAT16(2, DType.FLOAT32),
    BFLOAT16(2, DType.FLOAT32),
    FLOAT32(4, DType.FLOAT32),
    FLOAT64(8, DType.FLOAT64);

    private final int byteSize;
    private final DType engineType;

    ElementType(int byteSize, DType engineType) {
        this.byteSize = byteSize;
        this.engineType = engineType;
    }

    /** Bytes per element in the file. */
    public int byteSize() {
        return byteSize;
    }

    /** The engine dtype elements of this type are read into. */
    public DType engineType() {
        return engineType;
    }

    /** The file type that holds an engine dtype without loss. */
    public static ElementType of(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> FLOAT32;
            case FLOAT64 -> FLOAT64;
            case INT64 -> INT64;
        };
    }

    /** True for the types {@link TensorBytes#write} can encode. */
    public boolean isWritable() {
        return this == FLOAT32 || this == FLOAT64 || this == INT64 || this == FLOAT16
                || this == BFLOAT16;
    }

    /** A zeroed engine array of {@code n} elements: float[], double[] or long[]. */
    Object newArray(int n) {
        return switch (engineType) {
            case FLOAT32 -> new float[n];
            case FLOAT64 -> new double[n];
            case INT64 -> new long[n];
        };
    }

    /**
     * Decodes {@code count} elements from {@code src} (at its position, in its byte order) into
     * the engine array {@code dst} from index {@code pos}, and advances {@code src}.
     */
    void decode(ByteBuffer src, Object dst, int pos, int count) {
        switch (this) {
            case FLOAT32 -> src.asFloatBuffer().get((float[]) dst, pos, count);
            case FLOAT64 -> src.asDoubleBuffer().get((double[]) dst, pos, count);
            case INT64 -> src.asLongBuffer().get((long[]) dst, pos, count);
            default -> decodeWidening(src, dst, pos, count);
        }
        if (this == FLOAT32 || this == FLOAT64 || this == INT64) {
            src.position(src.position() + count * byteSize);
        }
    }

    private void decodeWidening(ByteBuffer src, Object dst, int pos, int count) {
        if (engineType == DType.FLOAT32) {
            float[] out = (float[]) dst;
            for (int i = 0; i < count; i++) {
                short h = src.getShort();
                out[pos + i] = this == FLOAT16 ? HalfFloats.halfToFloat(h)
                        : HalfFloats.bfloat16ToFloat(h);
            }
            return;
        }
        long[] out = (long[]) dst;
        for (int i = 0; i < count; i++) {
            out[pos + i] = switch (this) {
                // NOTE: any nonzero byte is true, as NumPy and PyTorch read it.
                case BOOL -> src.get() != 0 ? 1 : 0;
                case UINT8 -> src.get() & 0xffL;
                case INT8 -> src.get();
                case INT16 -> src.getShort();
                case UINT16 -> src.getShort() & 0xffffL;
                case INT32 -> src.getInt();
                case UINT32 -> src.getInt() & 0xffffffffL;
                default -> throw new IllegalStateException("not a widening type: " + this);
            };
        }
    }

    /**
     * Encodes {@code count} elements of the engine array {@code src} from index {@code pos} into
     * {@code dst} (at its position, in its byte order) and advances {@code dst}.
     */
    void encode(Object src, int pos, int count, ByteBuffer dst) {
        switch (this) {
            case FLOAT32 -> dst.asFloatBuffer().put((float[]) src, pos, count);
            case FLOAT64 -> dst.asDoubleBuffer().put((double[]) src, pos, count);
            case INT64 -> dst.asLongBuffer().put((long[]) src, pos, count);
            case FLOAT16, BFLOAT16 -> {
                float[] in = (float[]) src;
                for (int i = 0; i < count; i++) {
                    dst.putShort(this == FLOAT16 ? HalfFloats.floatToHalf(in[pos + i])
                            : HalfFloats.floatToBfloat16(in[pos + i]));
                }
                return;
            }
            default -> throw new IllegalStateException(this + " cannot be written");
        }
        dst.position(dst.position() + count * byteSize);
    }
}
