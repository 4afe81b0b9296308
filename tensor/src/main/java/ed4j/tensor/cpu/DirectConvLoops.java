package ed4j.tensor.cpu;

/**
 * The micro-kernel of {@link DirectConv}, in plain Java and, when the incubating Vector API is in
 * the boot layer, in vectors ({@link DirectConvLoopsVector}). Both compute every output as the
 * same chain of fused multiply-adds ({@link Math#fma}), so their results are identical bit for
 * bit.
 */
abstract class DirectConvLoops {

    /** Output channels per call. */
    static final int CHANNELS = 4;

    /** The implementation in use: vector when the module is in the boot layer. */
    static final DirectConvLoops INSTANCE = pick();

    /**
     * For {@code j < 4} and {@code q < n}: {@code out[o + j * plane + q] = sum over taps t of
     * w[wOff + 4 t + j] * in[base + tapOff[t] + q]}, the products added in tap order to zero.
     */
    abstract void block(float[] in, int base, int[] tapOff, float[] w, int wOff, int n,
            float[] out, int o, int plane);

    private static DirectConvLoops pick() {
        return VectorLoops.pick(DirectConvLoops.class, "ed4j.tensor.cpu.DirectConvLoopsVector",
                Plain::new);
    }

    /** Outputs {@code [q0, q1)} one at a time; the vector loops finish their tails with it. */
    static void scalar(float[] in, int base, int[] tapOff, float[] w, int wOff, int q0, int q1,
            float[] out, int o, int plane) {
        for (int q = q0; q < q1; q++) {
            float a0 = 0f;
            float a1 = 0f;
            float a2 = 0f;
            float a3 = 0f;
            for (int t = 0, wi = wOff; t < tapOff.length; t++, wi += CHANNELS) {
                float v = in[base + tapOff[t] + q];
                a0 = Math.fma(w[wi], v, a0);
                a1 = Math.fma(w[wi + 1], v, a1);
                a2 = Math.fma(w[wi + 2], v, a2);
                a3 = Math.fma(w[wi + 3], v, a3);
            }
            out[o + q] = a0;
            out[o + plane + q] = a1;
            out[o + 2 * plane + q] = a2;
            out[o + 3 * plane + q] = a3;
        }
    }

    /** Plain loops, one output position at a time. */
    static final class Plain extends DirectConvLoops {

        @Override
        void block(float[] in, int base, int[] tapOff, float[] w, int wOff, int n, float[] out,
                int o, int plane) {
            scalar(in, base, tapOff, w, wOff, 0, n, out, o, plane);
        }
    }
}
