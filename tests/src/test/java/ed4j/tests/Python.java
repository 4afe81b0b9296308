package ed4j.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the project's Python reference scripts with Debian's PyTorch ({@code /usr/bin/python3}
 * with {@code python3-torch} and {@code python3-torchvision}), for tests whose fixtures are too
 * large to commit.
 */
final class Python {

    private static final Path INTERPRETER = Paths.get("/usr/bin/python3");
    private static final Path SCRIPTS = Paths.get("python").toAbsolutePath();
    private static String unavailable;
    private static boolean checked;

    private Python() {}

    /** Null when PyTorch is usable, else why not (for a visible skip). */
    static synchronized String unavailableReason() {
        if (!checked) {
            checked = true;
            if (!Files.isExecutable(INTERPRETER)) {
                unavailable = INTERPRETER + " is missing";
            } else {
                try {
                    run(List.of("-c", "import torch, torchvision"), 120);
                } catch (IOException e) {
                    unavailable = "PyTorch is not installed for " + INTERPRETER
                            + " (apt-get install python3-torch python3-torchvision): "
                            + e.getMessage();
                }
            }
        }
        return unavailable;
    }

    /** Runs {@code script} from {@code tests/python} with arguments; fails with its output. */
    static void script(String script, List<String> args, long timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(SCRIPTS.resolve(script).toString());
        cmd.addAll(args);
        run(cmd, timeoutSeconds);
    }

    private static void run(List<String> args, long timeoutSeconds) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(INTERPRETER.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.directory(SCRIPTS.toFile());
        Process p = pb.start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out after " + timeoutSeconds + " s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new IOException("exit " + p.exitValue() + " from " + cmd + ":\n"
                        + new String(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + cmd, e);
        }
    }
}
