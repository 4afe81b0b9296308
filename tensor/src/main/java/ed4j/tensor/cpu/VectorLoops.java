package ed4j.tensor.cpu;

import java.util.function.Supplier;

/**
 * Chooses between the Vector API and the plain Java implementation of a family of loops. The
 * vector classes are loaded reflectively, and only when {@code jdk.incubator.vector} is in the
 * boot layer, so that nothing else links against the incubating module.
 */
final class VectorLoops {

    private VectorLoops() {}

    /**
     * A new instance of {@code vectorClass} (a subclass of {@code type} with a no-argument
     * constructor) when the module is present and the class loads; {@code plain} otherwise.
     */
    static <T> T pick(Class<T> type, String vectorClass, Supplier<? extends T> plain) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            try {
                return type.cast(Class.forName(vectorClass).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException | LinkageError e) {
                // fall back to the plain loops
            }
        }
        return plain.get();
    }
}
