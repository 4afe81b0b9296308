package ed4j.datasets;

import java.io.IOException;

/**
 * A data set folder that does not follow its layout: a missing directory, a class that is not
 * there, an empty split. The message names the folder and the expected convention.
 */
public final class DatasetException extends IOException {

    /** A layout failure described by {@code message}. */
    public DatasetException(String message) {
        super(message);
    }
}
