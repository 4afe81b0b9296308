package ed4j.tensor;

/**
 * A flat block of elements on one device, shared by every tensor that views it.
 *
 * <p>A storage knows the backend that owns it, so operations on tensors dispatch to the backend
 * of their storage without a global registry lookup.
 */
public abstract class Storage {

    private final DType dtype;
    private final int size;

    protected Storage(DType dtype, int size) {
        if (size < 0) {
            throw new IllegalArgumentException("storage size must be non-negative, got " + size);
        }
        this.dtype = dtype;
        this.size = size;
    }

    /** Element type. */
    public final DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public final int size() {
        return size;
    }

    /** The backend that allocated this storage and runs the kernels on it. */
    public abstract Backend backend();

    /** The device the elements live on. */
    public Device device() {
        return backend().device();
    }
}
