package ed4j.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits index ranges over a fixed pool of worker threads.
 *
 * <p>Work is cut into pieces whose boundaries depend only on the range and the grain, never on
 * the thread count or timing, and each output element is produced by one piece with a
 * sequential inner loop, so results repeat bit for bit. Calls from inside a worker run inline,
 * so nested kernels do not oversubscribe the pool.
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private final ForkJoinPool pool;
    private final int threads;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        AtomicInteger counter = new AtomicInteger();
        this.pool = new ForkJoinPool(
                this.threads,
                p -> {
                    ForkJoinWorkerThread t =
                            ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                    t.setName("ed4j-cpu-" + counter.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                },
                null,
                false);
    }

    /** Number of worker threads. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, n)} in pieces of at least {@code grain} indices (about
     * four pieces per thread when the range is large).
     */
    public void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int g = Math.max(1, grain);
        if (threads == 1 || n <= g || inWorker()) {
            body.run(0, n);
            return;
        }
        int pieces = (int) Math.min((long) threads * 4, (n + (long) g - 1) / g);
        int step = (int) ((n + (long) pieces - 1) / pieces);
        forPieces(n, step, body);
    }

    /**
     * Runs {@code body} over {@code [0, n)} cut at multiples of {@code step}: the boundaries
     * depend only on {@code step}, which deterministic reductions rely on.
     */
    public void forPieces(int n, int step, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int pieces = (int) ((n + (long) step - 1) / step);
        if (threads == 1 || pieces == 1 || inWorker()) {
            body.run(0, n);
            return;
        }
        RecursiveAction[] tasks = new RecursiveAction[pieces];
        for (int i = 0; i < pieces; i++) {
            int s = i * step;
            int e = (int) Math.min(n, (long) s + step);
            tasks[i] = new RecursiveAction() {
                @Override
                protected void compute() {
                    body.run(s, e);
                }
            };
        }
        pool.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                ForkJoinTask.invokeAll(tasks);
            }
        });
    }

    private boolean inWorker() {
        return Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == pool;
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
