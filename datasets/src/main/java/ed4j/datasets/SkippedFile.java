package ed4j.datasets;

import java.nio.file.Path;

/**
 * A file left out of a data set or a loader because it was invalid and skipping was asked for.
 *
 * @param file the offending file
 * @param reason why it was left out
 */
public record SkippedFile(Path file, String reason) {}
