package ed4j.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Splits index ranges over the calling thread and a fixed set of helper threads.
 *
 * <p>Work is cut into pieces whose boundaries depend only on the range and the grain, never on
 * the thread count or timing, and each output element is produced by one piece with a
 * sequential inner loop, so results repeat bit for bit. Calls from inside a piece run inline, so
 * nested kernels do not oversubscribe the threads; so does a call made while another thread's
 * loop holds the helpers.
 *
 * <p>Note [Parallel loops]: most loops of a training step are short (an elementwise op over
 * 65k floats takes about 50 us on one core), so what it costs to start and join one matters as
 * much as the split. A fork-join pool, with the caller waiting while the workers wake one
 * another, took 70-100 us per loop on a 2-core VM, more than the work it split. Here the caller
 * publishes the loop and takes pieces itself; helpers claim the rest from a shared counter, and
 * after a loop they spin for {@link #SPIN_NANOS} before they park, so the next loop of a step
 * finds them awake.
 */
public final class Parallel implements AutoCloseable {

    /** The body of a parallel loop over {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** How long an idle helper watches for the next loop before it parks. */
    static final long SPIN_NANOS = 200_000;

    private final int threads;
    private final Helper[] helpers;
    /** Held by the thread whose loop the helpers run. */
    private final ReentrantLock owner = new ReentrantLock();
    /** The current loop; replaced, never reused, for each loop. */
    private volatile Loop loop;
    private volatile boolean closed;

    Parallel(int threads) {
        this.threads = Math.max(1, threads);
        helpers = new Helper[this.threads - 1];
        for (int i = 0; i < helpers.length; i++) {
            helpers[i] = new Helper("ed4j-cpu-" + i);
            helpers[i].start();
        }
    }

    /** Number of threads a loop runs on, the caller included. */
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
        if (threads == 1 || n <= g) {
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
        if (threads == 1 || pieces == 1 || owner.isHeldByCurrentThread() || !owner.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            Loop l = new Loop(body, n, step, pieces, Thread.currentThread());
            loop = l;
            for (Helper h : helpers) {
                if (h.parked) {
                    LockSupport.unpark(h);
                }
            }
            l.work();
            l.awaitDone();
            loop = null;
            l.rethrow();
        } finally {
            owner.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Helper h : helpers) {
            LockSupport.unpark(h);
        }
    }

    /** One loop: its pieces, the next unclaimed one, how many are unfinished. */
    private static final class Loop {
        final RangeBody body;
        final int n;
        final int step;
        final int pieces;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger unfinished;
        volatile boolean callerParked;
        volatile Throwable failure;

        Loop(RangeBody body, int n, int step, int pieces, Thread caller) {
            this.body = body;
            this.n = n;
            this.step = step;
            this.pieces = pieces;
            this.caller = caller;
            this.unfinished = new AtomicInteger(pieces);
        }

        /** Claims and runs pieces until none is left. */
        void work() {
            for (int p = next.getAndIncrement(); p < pieces; p = next.getAndIncrement()) {
                int s = p * step;
                int e = (int) Math.min(n, (long) s + step);
                try {
                    if (failure == null) {
                        body.run(s, e);
                    }
                } catch (Throwable t) {
                    if (failure == null) {
                        failure = t;
                    }
                } finally {
                    if (unfinished.decrementAndGet() == 0 && callerParked) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        /** Waits, spinning first, until every piece has finished. */
        void awaitDone() {
            long start = System.nanoTime();
            while (unfinished.get() != 0) {
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                callerParked = true;
                if (unfinished.get() != 0) {
                    // Bounded: a helper's unpark may race with this park.
                    LockSupport.parkNanos(this, 1_000_000);
                }
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t instanceof RuntimeException r) {
                throw r;
            }
            if (t instanceof Error err) {
                throw err;
            }
            if (t != null) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** A helper thread: runs pieces of each loop it sees, spins a while, then parks. */
    private final class Helper extends Thread {
        volatile boolean parked;

        Helper(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            Loop done = null;
            long idleSince = System.nanoTime();
            while (!closed) {
                Loop l = loop;
                if (l != null && l != done) {
                    l.work();
                    done = l;
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                Loop now = loop;
                if (now == null || now == done) {
                    LockSupport.park(this);
                }
                parked = false;
                idleSince = System.nanoTime();
            }
        }
    }
}
