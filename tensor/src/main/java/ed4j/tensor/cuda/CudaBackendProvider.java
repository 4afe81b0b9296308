package ed4j.tensor.cuda;

import ed4j.tensor.Backend;
import ed4j.tensor.BackendProvider;
import ed4j.tensor.Device;

/**
 * Makes the CUDA backend known to {@link ed4j.tensor.Backends} (registered in
 * {@code META-INF/services/ed4j.tensor.BackendProvider}). Finding the provider loads nothing
 * native; only {@link #open} touches the driver.
 */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public Device.Type type() {
        return Device.Type.CUDA;
    }

    /**
     * Opens GPU {@code index}.
     *
     * @throws IllegalStateException with the reason when the JCuda classes, the driver library
     *     ({@code libcuda.so.1}) or the device are missing or unusable
     */
    @Override
    public Backend open(int index) {
        try {
            return CudaBackend.open(index);
        } catch (LinkageError e) {
            throw new IllegalStateException("cuda:" + index + ": the CUDA backend cannot be "
                    + "loaded (" + e + ")", e);
        }
    }
}
