package ed4j.tensor;

/**
 * Element types a tensor can hold.
 *
 * <p>{@link #FLOAT32} is the working type of models; {@link #FLOAT64} exists so that gradient
 * checks can use central finite differences at double precision; {@link #INT64} holds indices
 * (the result of {@code max} along a dim, the argument of {@code gather}).
 */
public enum DType {
    FLOAT32(4, "float32"),
    FLOAT64(8, "float64"),
    INT64(8, "int64");

    private final int byteSize;
    private final String displayName;

    DType(int byteSize, String displayName) {
        this.byteSize = byteSize;
        this.displayName = displayName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types. */
    public boolean isFloatingPoint() {
        return this != INT64;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
