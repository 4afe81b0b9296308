package ed4j.ed.cli;

import ed4j.datasets.DatasetException;
import ed4j.ed.train.TrainingDivergedException;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    @Override
    public Integer call() throws Exception {
        return new DemoCommand().call();
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
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (0 success, 1 error, 2 usage). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof IOException
                    || ex instanceof UncheckedIOException || ex instanceof DatasetException
                    || ex instanceof TrainingDivergedException
                    || ex instanceof UnsupportedOperationException) {
                cmd.getErr().println("error: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        return cli.execute(args);
    }
}
