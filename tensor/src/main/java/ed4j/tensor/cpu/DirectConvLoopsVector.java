package ed4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link DirectConvLoops} on the incubating Vector API; loaded reflectively, and only when the
 * module is present. Two vectors of positions times four channels: eight accumulators, two loads
 * and four broadcasts per tap. Tails of less than a vector run {@link DirectConvLoops#scalar}.
 */
final class DirectConvLoopsVector extends DirectConvLoops {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    void block(float[] in, int base, int[] tapOff, float[] w, int wOff, int n, float[] out,
            int o, int plane) {
        int l = S.length();
        int q = 0;
        for (; q + 2 * l <= n; q += 2 * l) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            FloatVector b0 = a0;
            FloatVector b1 = a0;
            FloatVector b2 = a0;
            FloatVector b3 = a0;
            for (int t = 0, wi = wOff; t < tapOff.length; t++, wi += CHANNELS) {
                int i = base + tapOff[t] + q;
                FloatVector u = FloatVector.fromArray(S, in, i);
                FloatVector v = FloatVector.fromArray(S, in, i + l);
                FloatVector w0 = FloatVector.broadcast(S, w[wi]);
                a0 = w0.fma(u, a0);
                b0 = w0.fma(v, b0);
                FloatVector w1 = FloatVector.broadcast(S, w[wi + 1]);
                a1 = w1.fma(u, a1);
                b1 = w1.fma(v, b1);
                FloatVector w2 = FloatVector.broadcast(S, w[wi + 2]);
                a2 = w2.fma(u, a2);
                b2 = w2.fma(v, b2);
                FloatVector w3 = FloatVector.broadcast(S, w[wi + 3]);
                a3 = w3.fma(u, a3);
                b3 = w3.fma(v, b3);
            }
            a0.intoArray(out, o + q);
            b0.intoArray(out, o + q + l);
            a1.intoArray(out, o + plane + q);
            b1.intoArray(out, o + plane + q + l);
            a2.intoArray(out, o + 2 * plane + q);
            b2.intoArray(out, o + 2 * plane + q + l);
            a3.intoArray(out, o + 3 * plane + q);
            b3.intoArray(out, o + 3 * plane + q + l);
        }
        for (; q + l <= n; q += l) {
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int t = 0, wi = wOff; t < tapOff.length; t++, wi += CHANNELS) {
                FloatVector u = FloatVector.fromArray(S, in, base + tapOff[t] + q);
                a0 = FloatVector.broadcast(S, w[wi]).fma(u, a0);
                a1 = FloatVector.broadcast(S, w[wi + 1]).fma(u, a1);
                a2 = FloatVector.broadcast(S, w[wi + 2]).fma(u, a2);
                a3 = FloatVector.broadcast(S, w[wi + 3]).fma(u, a3);
            }
            a0.intoArray(out, o + q);
            a1.intoArray(out, o + plane + q);
            a2.intoArray(out, o + 2 * plane + q);
            a3.intoArray(out, o + 3 * plane + q);
        }
        scalar(in, base, tapOff, w, wOff, q, n, out, o, plane);
    }
}
