package ed4j.tensor;

/**
 * Service interface through which a non-CPU backend (the CUDA one) makes itself known, found
 * with {@link java.util.ServiceLoader} so that the CPU path never loads native libraries.
 */
public interface BackendProvider {

    /** The kind of device this provider serves. */
    Device.Type type();

    /**
     * Opens the backend of one device.
     *
     * @throws IllegalStateException with the reason when the device cannot be used (no driver,
     *     no such device)
     */
    Backend open(int index);
}
