package ed4j.tensor;

import ed4j.tensor.cpu.CpuBackend;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Finds the backend of a device. The CPU backend is created on first use with as many threads
 * as the JVM reports processors, or the number in the system property {@code ed4j.threads}
 * (read once). Other backends come from {@link BackendProvider} services and are opened on first
 * use of their device.
 */
public final class Backends {

    private static final Object LOCK = new Object();
    private static volatile CpuBackend cpu;
    private static final Map<Device, Backend> OPENED = new HashMap<>();

    private Backends() {}

    /** The shared CPU backend. */
    public static Backend cpu() {
        CpuBackend b = cpu;
        if (b == null) {
            synchronized (LOCK) {
                b = cpu;
                if (b == null) {
                    b = CpuBackend.create(CpuBackend.defaultThreadCount());
                    cpu = b;
                }
            }
        }
        return b;
    }

    /**
     * The backend of {@code device}.
     *
     * @throws IllegalStateException when no backend for that kind of device is on the class path
     *     or the device cannot be opened
     */
    public static Backend of(Device device) {
        if (device.type() == Device.Type.CPU) {
            return cpu();
        }
        synchronized (LOCK) {
            Backend b = OPENED.get(device);
            if (b == null) {
                BackendProvider provider = providers().get(device.type());
                if (provider == null) {
                    throw new IllegalStateException(
                            "no backend for device " + device + " is available: the "
                                    + device.type() + " backend is not on the class path");
                }
                b = provider.open(device.index());
                OPENED.put(device, b);
            }
            return b;
        }
    }

    /** True when a provider for the kind of device is on the class path (no device is opened). */
    public static boolean hasProvider(Device.Type type) {
        return type == Device.Type.CPU || providers().containsKey(type);
    }

    private static Map<Device.Type, BackendProvider> providers() {
        Map<Device.Type, BackendProvider> map = new EnumMap<>(Device.Type.class);
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            map.putIfAbsent(p.type(), p);
        }
        return map;
    }
}
