package ed4j.tensor.cpu;

import java.lang.reflect.Method;
import java.util.Locale;

/**
 * The float32 GEMM micro-kernels of the CPU backend (float64 has a single plain kernel). Both
 * give identical results bit for bit (see {@link SgemmKernel}); they differ only in speed.
 *
 * <p>The default is read once from the system property {@code ed4j.gemm.kernel}: {@code auto}
 * (the default: {@link #VECTOR} when available, else {@link #PLAIN}), {@code plain} or
 * {@code vector}. Asking for {@code vector} on a JVM without the module falls back to
 * {@link #PLAIN}; it never fails.
 */
public enum GemmKernel {

    /** Plain Java loops that the C2 compiler auto-vectorizes; always available. */
    PLAIN,

    /**
     * The incubating Vector API. Available only when the JVM runs with {@code --add-modules
     * jdk.incubator.vector} on a CPU with 256-bit float vectors (AVX2 on x86); it uses 512-bit
     * vectors where the CPU has them (AVX-512).
     */
    VECTOR;

    /** Whether this kernel can run in this JVM. */
    public boolean isAvailable() {
        return this == PLAIN || VectorHolder.KERNEL != null;
    }

    /** The kernel that {@code matmul} uses, chosen once per JVM. */
    public static GemmKernel defaultKernel() {
        return DefaultHolder.DEFAULT;
    }

    /** The implementation of this kernel, or of {@link #PLAIN} when this one is unavailable. */
    SgemmKernel implementation() {
        if (this == VECTOR && VectorHolder.KERNEL != null) {
            return VectorHolder.KERNEL;
        }
        return PlainHolder.KERNEL;
    }

    private static final class PlainHolder {
        static final SgemmKernel KERNEL = new SgemmPlainKernel();
    }

    private static final class DefaultHolder {
        static final GemmKernel DEFAULT = choose(System.getProperty("ed4j.gemm.kernel", "auto"));

        private static GemmKernel choose(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            switch (v) {
                case "auto", "", "vector" -> {
                    return VECTOR.isAvailable() ? VECTOR : PLAIN;
                }
                case "plain" -> {
                    return PLAIN;
                }
                default -> throw new IllegalArgumentException(
                        "system property ed4j.gemm.kernel must be auto, plain or vector, got '"
                                + value + "'");
            }
        }
    }

    /**
     * Loads {@link SgemmVectorKernel} reflectively and only when the module is in the boot layer,
     * so that this class never links against {@code jdk.incubator.vector} otherwise.
     */
    private static final class VectorHolder {
        static final SgemmKernel KERNEL = load();

        private static SgemmKernel load() {
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return null;
            }
            try {
                Class<?> cls = Class.forName("ed4j.tensor.cpu.SgemmVectorKernel");
                Method supported = cls.getDeclaredMethod("supported");
                if (!(Boolean) supported.invoke(null)) {
                    return null;
                }
                return (SgemmKernel) cls.getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return null;
            }
        }
    }
}
