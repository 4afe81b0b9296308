package ed4j.ed.cli;

import ed4j.datasets.DatasetException;
import ed4j.ed.train.TrainingDivergedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ed-train.jar}: the Emphasize Differences anomaly detector on the command line. Without
 * arguments it runs the demo.
 */
@Command(name = "ed-train", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"Emphasize Differences (ED) anomaly detection on the JVM: train on "
                + "normal images, score anomalies, evaluate.",
            "Without a command, runs the demo on a generated data set."},
        subcommands = {DemoCommand.class, FeaturesCommand.class, RefFeaturesCommand.class,
            TrainCommand.class, TestCommand.class, PredictCommand.class,
            CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    static {
        // slf4j-simple reads these once; the command line logs concise lines on stderr.
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "info");
        setIfAbsent("org.slf4j.simpleLogger.showDateTime", "true");
        setIfAbsent("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        setIfAbsent("org.slf4j.simpleLogger.levelInBrackets", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** No command: the demo. */
    @Override
    public Integer call() throws Exception {
        return demoWithDefaults().call();
    }

    /**
     * The demo as {@code demo} with no options would run it: its fields take their values from
     * the option defaults only when picocli parses a command line, so a bare instance would have
     * none.
     */
    static DemoCommand demoWithDefaults() {
        return CommandLine.populateCommand(new DemoCommand());
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"ed-train " + (v == null ? "(development build)" : v)};
        }
    }

    public static void main(String[] args) {
        int relaunched = relaunchWithVectorModule(args);
        System.exit(relaunched >= 0 ? relaunched : run(args));
    }

    /**
     * The CPU kernels are fastest with the incubating Vector API, which the JVM only offers with
     * {@code --add-modules jdk.incubator.vector}, a flag a jar's manifest cannot set. Without it,
     * this starts the same command once more in a child JVM with the flag (and the same JVM
     * options), waits for it and returns its exit code; -1 when nothing was started (the module
     * is there, {@code -Ded4j.relaunch=false}, or no java launcher could be found).
     */
    static int relaunchWithVectorModule(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                || "false".equals(System.getProperty("ed4j.relaunch"))) {
            return -1;
        }
        Optional<String> launcher = ProcessHandle.current().info().command();
        if (launcher.isEmpty()) {
            return -1;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.get());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.add("-Ded4j.relaunch=false");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            return p.waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** Runs the command line and returns the exit code (0 success, 1 error, 2 usage). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IOException
                    || ex instanceof UncheckedIOException || ex instanceof DatasetException
                    || ex instanceof TrainingDivergedException
                    || ex instanceof UnsupportedOperationException) {
                cmd.getErr().println("error: " + describe(ex));
                return 1;
            }
            throw ex;
        });
        return cli.execute(args);
    }

    /**
     * The message of a user-facing failure. The file-system exceptions of {@code java.nio} carry
     * only the path as their message; say what happened to it.
     */
    static String describe(Throwable ex) {
        Throwable t = ex instanceof UncheckedIOException u && u.getCause() != null
                ? u.getCause() : ex;
        if (t instanceof NoSuchFileException e) {
            return "no such file or folder: " + e.getFile();
        }
        if (t instanceof AccessDeniedException e) {
            return "permission denied: " + e.getFile();
        }
        if (t instanceof NotDirectoryException e) {
            return "not a folder: " + e.getFile();
        }
        if (t instanceof FileAlreadyExistsException e) {
            return "already exists: " + e.getFile();
        }
        return ex.getMessage();
    }
}
