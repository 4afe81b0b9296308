package ed4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Memory traffic of a bandwidth-bound benchmark, as a JMH secondary metric: each call adds the
 * GB it must read and write at least, and JMH divides the counter by the measured time, so
 * {@code Bench.method:gbyte ... ops/s} reads directly as GB/s (one "op" = 1e9 bytes).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Bytes {

    /** GB moved in the current iteration; reported per second. */
    public double gbyte;

    /** Starts each iteration from zero. */
    @Setup(Level.Iteration)
    public void reset() {
        gbyte = 0;
    }

    /** Adds {@code bytes} bytes. */
    public void add(double bytes) {
        gbyte += bytes * 1e-9;
    }
}
