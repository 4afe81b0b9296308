package ed4j.gpuchecks;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the JUnit tests of a package (by default {@code ed4j.tensor.cuda}, the CUDA parity suite
 * and the backend's unit tests) and prints one line per test: {@code PASS}, {@code FAIL} with the
 * assertion message, or {@code SKIP} with the reason; then {@code N passed, N failed, N skipped}.
 */
public final class SuiteRunner {

    private SuiteRunner() {}

    /** Runs the package's tests; returns the number of failed tests (1 when none was found). */
    public static int run(String pkg, PrintStream out) {
        AtomicInteger passed = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) {
                    skipped.incrementAndGet();
                }
                out.println("SKIP " + id.getDisplayName() + " " + id.getUniqueId() + ": "
                        + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                String name = id.getLegacyReportingName();
                switch (result.getStatus()) {
                    case SUCCESSFUL -> {
                        if (id.isTest()) {
                            passed.incrementAndGet();
                            out.println("PASS " + parent(id) + name);
                        }
                    }
                    case ABORTED -> {
                        if (id.isTest()) {
                            skipped.incrementAndGet();
                        }
                        out.println("SKIP " + parent(id) + name + ": " + message(result));
                    }
                    case FAILED -> {
                        if (id.isTest()) {
                            failed.incrementAndGet();
                        }
                        out.println("FAIL " + parent(id) + name + ": " + message(result));
                        result.getThrowable().ifPresent(t -> t.printStackTrace(out));
                    }
                }
                out.flush();
            }
        };
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage(pkg)).build();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, listener);
        out.println(passed.get() + " passed, " + failed.get() + " failed, " + skipped.get()
                + " skipped");
        if (passed.get() + failed.get() + skipped.get() == 0) {
            out.println("FAIL no tests found in package " + pkg + " (a Java runtime without the "
                    + "jdk.zipfs module cannot look inside the jar)");
            return 1;
        }
        return failed.get();
    }

    private static String parent(TestIdentifier id) {
        String uid = id.getUniqueId();
        int c = uid.indexOf("[class:");
        if (c < 0) {
            return "";
        }
        int end = uid.indexOf(']', c);
        String cls = uid.substring(c + 7, end);
        return cls.substring(cls.lastIndexOf('.') + 1) + ".";
    }

    private static String message(TestExecutionResult r) {
        return r.getThrowable().map(t -> t.getClass().getSimpleName() + ": " + t.getMessage())
                .orElse("");
    }
}
