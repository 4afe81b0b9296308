package ed4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Floating-point work done by a benchmark, as a JMH secondary metric: each call adds its
 * GFLOP count to {@link #gflop}, and JMH divides the counter by the measured time, so the line
 * {@code Bench.method:gflop ... ops/s} reads directly as GFLOP/s (one "op" = 1e9 flops).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Flops {

    /** GFLOP done in the current iteration; reported per second. */
    public double gflop;

    /** Starts each iteration from zero. */
    @Setup(Level.Iteration)
    public void reset() {
        gflop = 0;
    }

    /** Adds {@code flops} floating-point operations. */
    public void add(double flops) {
        gflop += flops * 1e-9;
    }
}
