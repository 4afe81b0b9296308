package ed4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link WinogradLoops} on the incubating Vector API; loaded reflectively, and only when the
 * module is present. Each loop runs whole vectors, then finishes its tail with the plain loop.
 */
final class WinogradLoopsVector extends WinogradLoops {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    void columns(float[] ev, float[] od, int span, int pitch, float[] t0, float[] t1, float[] t2,
            float[] t3) {
        int q = 0;
        for (int ub = S.loopBound(span); q < ub; q += S.length()) {
            FloatVector a = FloatVector.fromArray(S, ev, q);
            FloatVector b = FloatVector.fromArray(S, od, q);
            FloatVector c = FloatVector.fromArray(S, ev, q + pitch);
            FloatVector d = FloatVector.fromArray(S, od, q + pitch);
            a.sub(c).intoArray(t0, q);
            b.add(c).intoArray(t1, q);
            c.sub(b).intoArray(t2, q);
            b.sub(d).intoArray(t3, q);
        }
        columnsFrom(q, ev, od, span, pitch, t0, t1, t2, t3);
    }

    @Override
    void rows(float[] e, float[] o, int span, float[] v, int p, int plane) {
        int q = 0;
        for (int ub = S.loopBound(span); q < ub; q += S.length()) {
            FloatVector a = FloatVector.fromArray(S, e, q);
            FloatVector b = FloatVector.fromArray(S, o, q);
            FloatVector c = FloatVector.fromArray(S, e, q + 1);
            FloatVector d = FloatVector.fromArray(S, o, q + 1);
            a.sub(c).intoArray(v, p + q);
            b.add(c).intoArray(v, p + plane + q);
            c.sub(b).intoArray(v, p + 2 * plane + q);
            b.sub(d).intoArray(v, p + 3 * plane + q);
        }
        rowsFrom(q, e, o, span, v, p, plane);
    }

    @Override
    void outputs(float[] m, int b, int plane, int n, float bias, float[] y00, float[] y01,
            float[] y10, float[] y11) {
        int q = 0;
        for (int ub = S.loopBound(n); q < ub; q += S.length()) {
            int i = b + q;
            FloatVector m4 = FloatVector.fromArray(S, m, 4 * plane + i);
            FloatVector m5 = FloatVector.fromArray(S, m, 5 * plane + i);
            FloatVector m6 = FloatVector.fromArray(S, m, 6 * plane + i);
            FloatVector m7 = FloatVector.fromArray(S, m, 7 * plane + i);
            FloatVector m8 = FloatVector.fromArray(S, m, 8 * plane + i);
            FloatVector m9 = FloatVector.fromArray(S, m, 9 * plane + i);
            FloatVector m10 = FloatVector.fromArray(S, m, 10 * plane + i);
            FloatVector m11 = FloatVector.fromArray(S, m, 11 * plane + i);
            FloatVector s0 = FloatVector.fromArray(S, m, i).add(m4).add(m8);
            FloatVector s1 = FloatVector.fromArray(S, m, plane + i).add(m5).add(m9);
            FloatVector s2 = FloatVector.fromArray(S, m, 2 * plane + i).add(m6).add(m10);
            FloatVector s3 = FloatVector.fromArray(S, m, 3 * plane + i).add(m7).add(m11);
            FloatVector t0 = m4.sub(m8).sub(FloatVector.fromArray(S, m, 12 * plane + i));
            FloatVector t1 = m5.sub(m9).sub(FloatVector.fromArray(S, m, 13 * plane + i));
            FloatVector t2 = m6.sub(m10).sub(FloatVector.fromArray(S, m, 14 * plane + i));
            FloatVector t3 = m7.sub(m11).sub(FloatVector.fromArray(S, m, 15 * plane + i));
            s0.add(s1).add(s2).add(bias).intoArray(y00, q);
            s1.sub(s2).sub(s3).add(bias).intoArray(y01, q);
            t0.add(t1).add(t2).add(bias).intoArray(y10, q);
            t1.sub(t2).sub(t3).add(bias).intoArray(y11, q);
        }
        outputsFrom(q, m, b, plane, n, bias, y00, y01, y10, y11);
    }
}
