package ed4j.gpuchecks;

import ed4j.tensor.Backend;
import ed4j.tensor.Backends;
import ed4j.tensor.Device;
import ed4j.tensor.cuda.CudaBackend;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Entry point of {@code gpu-checks.jar}, for a GPU machine with a Java runtime but no Maven.
 *
 * <pre>
 * usage: java -jar gpu-checks.jar [info | test | bench | all] [--out DIR] [--package PKG]
 *   info   the device as the CUDA backend sees it
 *   test   the JUnit tests of PKG (default ed4j.tensor.cuda: parity suite and backend tests)
 *   bench  GEMM, convolution and ED benchmarks
 *   all    info, test, then bench (default)
 * </pre>
 *
 * Output goes to the console and, with {@code --out}, to {@code DIR/gpu-checks.log}; benchmark
 * results also to {@code DIR/bench.tsv}. Exit status: 0 when every test passed, 1 when some
 * failed, 2 on a usage error or when no CUDA device could be opened.
 */
public final class GpuChecks {

    private GpuChecks() {}

    public static void main(String[] args) throws IOException {
        System.exit(run(args));
    }

    /** Runs the checks; returns the exit status. */
    public static int run(String... args) throws IOException {
        String command = "all";
        Path outDir = null;
        String pkg = "ed4j.tensor.cuda";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "info", "test", "bench", "all" -> command = args[i];
                case "--out" -> outDir = Path.of(args[++i]);
                case "--package" -> pkg = args[++i];
                default -> {
                    System.err.println("gpu-checks: unknown argument '" + args[i] + "' in "
                            + Arrays.toString(args)
                            + "; usage: [info | test | bench | all] [--out DIR] [--package PKG]");
                    return 2;
                }
            }
        }
        OutputStream log = OutputStream.nullOutputStream();
        if (outDir != null) {
            Files.createDirectories(outDir);
            log = new FileOutputStream(outDir.resolve("gpu-checks.log").toFile());
        }
        try (PrintStream out = new PrintStream(new Tee(System.out, log), true,
                StandardCharsets.UTF_8)) {
            return run(command, pkg, outDir, out);
        }
    }

    private static int run(String command, String pkg, Path outDir, PrintStream out)
            throws IOException {
        out.println("java " + System.getProperty("java.version") + " on "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        CudaBackend be = null;
        try {
            Backend b = Backends.of(Device.cuda(0));
            be = (CudaBackend) b;
            out.println("device: " + be.describe() + "; cuBLAS "
                    + (be.cublasAvailable() ? "available" : "not available") + "; GEMM mode "
                    + be.gemmMode());
        } catch (IllegalStateException e) {
            out.println("no CUDA device: " + e.getMessage());
            if (!command.equals("test")) {
                return 2;
            }
        }
        int failed = 0;
        if (command.equals("test") || command.equals("all")) {
            out.println("== tests of " + pkg);
            failed = SuiteRunner.run(pkg, out);
        }
        if ((command.equals("bench") || command.equals("all")) && be != null) {
            out.println("== benchmarks");
            GpuBench bench = new GpuBench(be, out);
            try {
                for (String part : new String[] {"gemm", "conv", "ed"}) {
                    try {
                        switch (part) {
                            case "gemm" -> bench.gemm();
                            case "conv" -> bench.conv();
                            default -> bench.ed();
                        }
                    } catch (RuntimeException e) {
                        // One failing part (say the ED model on this device) leaves the others.
                        out.println("FAIL bench " + part + ": " + e);
                        e.printStackTrace(out);
                        failed++;
                    }
                }
            } finally {
                if (outDir != null) {
                    Files.write(outDir.resolve("bench.tsv"), bench.rows(),
                            StandardCharsets.UTF_8);
                }
                long[] mem = be.memoryStats();
                out.println("memory: " + (mem[0] >> 20) + " MiB in use, " + (mem[1] >> 20)
                        + " MiB cached, " + mem[2] + " driver allocations");
            }
        }
        return failed == 0 ? 0 : 1;
    }

    /** Writes to two streams. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }

        @Override
        public void close() throws IOException {
            a.flush();
            b.close();
        }
    }
}
