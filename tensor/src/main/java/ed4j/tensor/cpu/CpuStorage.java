package ed4j.tensor.cpu;

import ed4j.tensor.Backend;
import ed4j.tensor.DType;
import ed4j.tensor.Storage;

/** Host memory: one Java primitive array ({@code float[]}, {@code double[]} or {@code long[]}). */
public final class CpuStorage extends Storage {

    private final CpuBackend backend;
    private final float[] floats;
    private final double[] doubles;
    private final long[] longs;

    CpuStorage(CpuBackend backend, float[] data) {
        super(DType.FLOAT32, data.length);
        this.backend = backend;
        this.floats = data;
        this.doubles = null;
        this.longs = null;
    }

    CpuStorage(CpuBackend backend, double[] data) {
        super(DType.FLOAT64, data.length);
        this.backend = backend;
        this.floats = null;
        this.doubles = data;
        this.longs = null;
    }

    CpuStorage(CpuBackend backend, long[] data) {
        super(DType.INT64, data.length);
        this.backend = backend;
        this.floats = null;
        this.doubles = null;
        this.longs = data;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    /** The backing array of a float32 storage. */
    public float[] floats() {
        if (floats == null) {
            throw new IllegalStateException("storage holds " + dtype() + ", not float32");
        }
        return floats;
    }

    /** The backing array of a float64 storage. */
    public double[] doubles() {
        if (doubles == null) {
            throw new IllegalStateException("storage holds " + dtype() + ", not float64");
        }
        return doubles;
    }

    /** The backing array of an int64 storage. */
    public long[] longs() {
        if (longs == null) {
            throw new IllegalStateException("storage holds " + dtype() + ", not int64");
        }
        return longs;
    }
}
