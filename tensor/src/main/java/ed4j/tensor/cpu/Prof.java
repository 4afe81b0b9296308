package ed4j.tensor.cpu;
public final class Prof {
    static final java.util.concurrent.ConcurrentHashMap<String, long[]> M = new java.util.concurrent.ConcurrentHashMap<>();
    static void add(String k, long t0) { long d = System.nanoTime() - t0; long[] a = M.computeIfAbsent(k, x -> new long[2]); synchronized (a) { a[0] += d; a[1]++; } }
    public static void dump() { M.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0])).forEach(e -> System.err.printf("%-28s %8.0f ms %7d calls%n", e.getKey(), e.getValue()[0] / 1e6, e.getValue()[1])); }
    public static void reset() { M.clear(); }
}
