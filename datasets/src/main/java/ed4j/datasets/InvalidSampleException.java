package ed4j.datasets;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file of a data set that cannot be used: unreadable, corrupt, not an image, or a mask that is
 * missing or does not match its image. The message names the file; {@link #file()} returns it.
 * These are the failures that {@code skipInvalid} options turn into counted warnings.
 */
public final class InvalidSampleException extends IOException {

    private final transient Path file;

    /** A failure of {@code file}, described by {@code reason}. */
    public InvalidSampleException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    /** A failure of {@code file}, described by {@code reason}, caused by {@code cause}. */
    public InvalidSampleException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
