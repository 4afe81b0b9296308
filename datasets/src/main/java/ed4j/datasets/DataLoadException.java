package ed4j.datasets;

import java.nio.file.Path;

/**
 * A failure inside a {@link DataLoader}'s iteration, carried out of its worker threads: the
 * message and {@link #file()} name the file being decoded; the cause is the original error.
 */
public final class DataLoadException extends RuntimeException {

    private final transient Path file;

    /** A failure while loading {@code file}. */
    public DataLoadException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    /** The file being loaded when the failure happened. */
    public Path file() {
        return file;
    }
}
