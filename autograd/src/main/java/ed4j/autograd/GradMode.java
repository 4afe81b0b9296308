package ed4j.autograd;

/**
 * Whether operations record the graph, per thread. Recording is on by default; {@link #noGrad()}
 * opens a scope without it, for inference and for parameter updates:
 *
 * <pre>{@code
 * try (GradMode.Scope s = GradMode.noGrad()) {
 *     Variable y = model.forward(x); // no graph, no saved tensors
 * }
 * }</pre>
 *
 * <p>NOTE: this is the engine's one piece of ambient state; it is thread-local, like PyTorch's,
 * so a worker thread starts with recording on whatever its parent does.
 */
public final class GradMode {

    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() ->
            new boolean[] {true});

    private GradMode() {}

    /** True when operations on this thread record the graph. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Turns recording off until the returned scope closes. */
    public static Scope noGrad() {
        return set(false);
    }

    /** Turns recording on until the returned scope closes (inside a no-grad scope). */
    public static Scope enableGrad() {
        return set(true);
    }

    private static Scope set(boolean enabled) {
        boolean[] state = ENABLED.get();
        boolean previous = state[0];
        state[0] = enabled;
        return new Scope(previous);
    }

    /** Restores the previous mode when closed. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            if (!closed) {
                ENABLED.get()[0] = previous;
                closed = true;
            }
        }
    }
}
