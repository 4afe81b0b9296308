package ed4j.tensor.cpu;

/** The float64 counterpart of {@link FloatMatrix}. */
record DoubleMatrix(double[] data, int offset, int rowStride, int colStride) {

    /** Element {@code (i, j)}. */
    double get(int i, int j) {
        return data[offset + i * rowStride + j * colStride];
    }
}
