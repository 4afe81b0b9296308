package ed4j.tensor.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Float buffers for packed GEMM operands, kept from one product to the next. A network runs the
 * same shapes over and over, and a fresh multi-megabyte array costs a zeroing pass and, under G1,
 * a humongous allocation that can start a collection: for a 64 x 576 x 4096 product (a ResNet
 * 3x3 convolution) that was measured at a third of the time of the product itself.
 *
 * <p>Buffers come back uncleared: the packing routines write every element they later read. The
 * pool keeps at most {@link #MAX_KEPT} buffers and {@link #MAX_FLOATS} floats in all; anything
 * beyond that is left to the collector.
 */
final class PackBuffers {

    static final int MAX_KEPT = 48;
    /** 64 MiB of float32. */
    static final long MAX_FLOATS = 1L << 24;

    private static final List<float[]> FREE = new ArrayList<>();
    private static long kept;

    private PackBuffers() {}

    /**
     * A buffer of at least {@code n} floats and at most twice that, from the pool when one
     * fits (the smallest such), otherwise new.
     */
    static float[] take(int n) {
        synchronized (FREE) {
            int best = -1;
            for (int i = 0; i < FREE.size(); i++) {
                int len = FREE.get(i).length;
                if (len >= n && len / 2 <= n && (best < 0 || len < FREE.get(best).length)) {
                    best = i;
                }
            }
            if (best >= 0) {
                float[] a = FREE.remove(best);
                kept -= a.length;
                return a;
            }
        }
        return new float[n];
    }

    /** Hands a buffer back; it must not be used afterwards. */
    static void give(float[] a) {
        if (a == null || a.length > MAX_FLOATS) {
            return;
        }
        synchronized (FREE) {
            FREE.add(a);
            kept += a.length;
            // Drop the oldest until both bounds hold.
            while (FREE.size() > MAX_KEPT || kept > MAX_FLOATS) {
                kept -= FREE.remove(0).length;
            }
        }
    }

    /** Empties the pool (tests). */
    static void clear() {
        synchronized (FREE) {
            FREE.clear();
            kept = 0;
        }
    }
}
