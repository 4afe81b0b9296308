package ed4j.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Images processed, as a JMH secondary metric: {@code Bench.method:images ... ops/s} reads
 * directly as images per second.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Images {

    /** Images in the current iteration; reported per second. */
    public double images;

    /** Starts each iteration from zero. */
    @Setup(Level.Iteration)
    public void reset() {
        images = 0;
    }

    /** Adds {@code n} images. */
    public void add(int n) {
        images += n;
    }
}
