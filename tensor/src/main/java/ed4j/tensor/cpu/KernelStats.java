package ed4j.tensor.cpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Wall time and call count per CPU kernel, for finding where a model spends its time. Off
 * unless the system property {@code ed4j.profile} is {@code true} (read once); when off, the
 * wrapper costs one branch per kernel call.
 */
public final class KernelStats {

    private static final boolean ENABLED = Boolean.getBoolean("ed4j.profile");
    private static final Map<String, long[]> STATS = new ConcurrentHashMap<>();

    private KernelStats() {}

    /** Whether statistics are collected. */
    public static boolean enabled() {
        return ENABLED;
    }

    static <T> T time(String kernel, Supplier<T> body) {
        if (!ENABLED) {
            return body.get();
        }
        long t0 = System.nanoTime();
        T result = body.get();
        long dt = System.nanoTime() - t0;
        long[] s = STATS.computeIfAbsent(kernel, k -> new long[2]);
        synchronized (s) {
            s[0] += dt;
            s[1]++;
        }
        return result;
    }

    /** Forgets what was collected. */
    public static void reset() {
        STATS.clear();
    }

    /** A table of kernels by total time, largest first. */
    public static String report() {
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(STATS.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-28s %10s %8s%n",
                "kernel", "total ms", "calls"));
        for (Map.Entry<String, long[]> e : rows) {
            sb.append(String.format(Locale.ROOT, "%-28s %10.1f %8d%n", e.getKey(),
                    e.getValue()[0] / 1e6, e.getValue()[1]));
        }
        return sb.toString();
    }
}
