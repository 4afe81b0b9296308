package ed4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PriorRows} on the incubating Vector API; loaded reflectively, only when the module is
 * present. Each lane keeps its own float32 partial sums; the lanes are then added in double in
 * lane order (not with {@code reduceLanes}, whose order is unspecified), so a row's result does
 * not depend on whether the loop has been compiled yet.
 */
final class PriorRowsVector extends PriorRows {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    boolean vectorized() {
        return true;
    }

    @Override
    void terms(float[] a, int ao, float[] p, float[] la, float[] lp, int n, double[] out) {
        int len = S.length();
        FloatVector klPa = FloatVector.zero(S);
        FloatVector klAp = FloatVector.zero(S);
        FloatVector ent = FloatVector.zero(S);
        int j = 0;
        for (; j <= n - len; j += len) {
            FloatVector av = FloatVector.fromArray(S, a, ao + j);
            FloatVector pv = FloatVector.fromArray(S, p, j);
            FloatVector lav = FloatVector.fromArray(S, la, j);
            FloatVector d = FloatVector.fromArray(S, lp, j).sub(lav);
            klPa = klPa.add(pv.mul(d));
            klAp = klAp.sub(av.mul(d));
            ent = ent.sub(av.mul(lav));
        }
        out[0] = FloatMathVector.lanes(klPa);
        out[1] = FloatMathVector.lanes(klAp);
        out[2] = FloatMathVector.lanes(ent);
        termsFrom(j, a, ao, p, la, lp, n, out);
    }

    @Override
    double gradients(float[] a, int ao, float[] p, float[] la, float[] lp, int n, float eps,
            float[] g, int go, float[] gA, int gao, float[] gP) {
        int len = S.length();
        float g0 = -g[go];
        float g1 = g[go + 1];
        float g2 = g[go + 2];
        float g3 = g[go + 3];
        float g4 = g[go + 4];
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector dot = FloatVector.zero(S);
        int j = 0;
        for (; j <= n - len; j += len) {
            FloatVector av = FloatVector.fromArray(S, a, ao + j);
            FloatVector pv = FloatVector.fromArray(S, p, j);
            FloatVector lav = FloatVector.fromArray(S, la, j);
            FloatVector lpv = FloatVector.fromArray(S, lp, j);
            FloatVector inA = one.div(av.add(eps));
            FloatVector inP = one.div(pv.add(eps));
            FloatVector ra = av.mul(inA);
            FloatVector d = lav.sub(lpv);
            pv.mul(g0).mul(inA).add(d.add(ra).mul(g1)).sub(lav.add(ra).mul(g2))
                    .intoArray(gA, gao + j);
            FloatVector gp = pv.mul(inP).sub(d).mul(g3).sub(av.mul(g4).mul(inP));
            gp.intoArray(gP, j);
            dot = dot.add(gp.mul(pv));
        }
        return FloatMathVector.lanes(dot)
                + gradientsFrom(j, a, ao, p, la, lp, n, eps, g, go, gA, gao, gP);
    }
}
