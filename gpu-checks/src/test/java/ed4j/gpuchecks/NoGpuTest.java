package ed4j.gpuchecks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.ed.cli.Main;
import ed4j.tensor.Backends;
import ed4j.tensor.Device;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without a GPU: the ED command line stops with one clear error for {@code --device cuda}, and
 * the GPU-check jar's entry point says there is no device. Skipped where a GPU works.
 */
class NoGpuTest {

    @TempDir
    Path tmp;

    @BeforeEach
    void requireNoGpu() {
        boolean gpu;
        try {
            Backends.of(Device.cuda(0));
            gpu = true;
        } catch (IllegalStateException e) {
            gpu = false;
        }
        Assumptions.assumeFalse(gpu, "a CUDA device is usable here");
    }

    private static String[] capture(ThrowingRun r) throws Exception {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = r.run();
            return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8),
                e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @FunctionalInterface
    interface ThrowingRun {
        int run() throws Exception;
    }

    @Test
    void deviceCudaStopsWithAClearMessage() throws Exception {
        Files.createDirectories(tmp.resolve("data"));
        String[] r = capture(() -> Main.run("train", "--device", "cuda", "--dataset", "folder",
                "--data-path", tmp.resolve("data").toString(), "--backbone", "resnet18",
                "--save-path", tmp.resolve("runs").toString()));
        assertTrue(!r[0].equals("0"), "exit status " + r[0]);
        String err = r[2];
        assertTrue(err.contains("--device cuda: the GPU cannot be used: cuda:0: the CUDA driver "
                + "cannot be loaded"), err);
        assertTrue(err.contains("libcuda.so.1"), err);
        assertTrue(err.contains("use --device cpu or auto"), err);
    }

    @Test
    void deviceAutoFallsBackToTheCpu() throws Exception {
        String[] r = capture(() -> Main.run("train", "--device", "auto", "--dataset", "folder",
                "--data-path", tmp.resolve("missing").toString(), "--backbone", "resnet18"));
        assertTrue(!r[2].contains("GPU cannot be used"), r[2]);
    }

    @Test
    void gpuChecksReportTheMissingDevice() throws IOException {
        Path out = tmp.resolve("out");
        PrintStream stdout = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            code = GpuChecks.run("info", "--out", out.toString());
        } finally {
            System.setOut(stdout);
        }
        assertEquals(2, code);
        String log = Files.readString(out.resolve("gpu-checks.log"));
        assertTrue(log.contains("no CUDA device: cuda:0: the CUDA driver cannot be loaded"), log);
        assertEquals(2, GpuChecks.run("--bogus"));
    }
}
