package ed4j.ed.train;

/**
 * Where long work reports how far it got. The command line shows a progress bar with
 * throughput and ETA; library callers may pass {@link #none()}.
 */
public interface Progress {

    /** One piece of work with a known number of steps. */
    interface Task extends AutoCloseable {
        /** {@code n} more steps done. */
        void step(long n);

        /** A short status shown beside the bar (for example the current loss). */
        void status(String text);

        @Override
        void close();
    }

    /** Starts a task of {@code total} steps counted in {@code unit}. */
    Task start(String name, long total, String unit);

    /** Reports nothing. */
    static Progress none() {
        return (name, total, unit) -> new Task() {
            @Override
            public void step(long n) {}

            @Override
            public void status(String text) {}

            @Override
            public void close() {}
        };
    }
}
