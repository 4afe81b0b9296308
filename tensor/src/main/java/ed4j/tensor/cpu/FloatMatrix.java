package ed4j.tensor.cpu;

/**
 * One float32 matrix of a (possibly batched, possibly transposed) operand: element {@code (i, j)}
 * is {@code data[offset + i * rowStride + j * colStride]}. Strides may be any non-negative
 * values, so row-major, column-major and sliced views are all read in place.
 */
record FloatMatrix(float[] data, int offset, int rowStride, int colStride) {

    /** Element {@code (i, j)}. */
    float get(int i, int j) {
        return data[offset + i * rowStride + j * colStride];
    }
}
