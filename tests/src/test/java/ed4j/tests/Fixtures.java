package ed4j.tests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the committed fixtures of the oracle tests. */
final class Fixtures {

    private Fixtures() {}

    /** {@code src/test/resources/fixtures/<name>} of this module. */
    static Path dir(String name) {
        Path p = Paths.get("src", "test", "resources", "fixtures", name);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException(
                    "fixture folder " + p.toAbsolutePath() + " is missing; regenerate it with "
                            + "/usr/bin/python3 tests/python/make_fixtures.py");
        }
        return p;
    }
}
