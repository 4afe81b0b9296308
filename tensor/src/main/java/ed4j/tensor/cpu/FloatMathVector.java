package ed4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath} on the incubating Vector API; loaded reflectively, and only when the module
 * is present, so that nothing else links against it.
 */
final class FloatMathVector extends FloatMath {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    boolean vectorized() {
        return S.length() >= 8;
    }

    @Override
    void exp(float[] x, int xo, float scale, float shift, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).mul(scale).sub(shift)
                    .lanewise(VectorOperators.EXP).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (float) Math.exp(scale * x[xo + i] - shift);
        }
    }

    @Override
    void log(float[] x, int xo, float add, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).add(add).lanewise(VectorOperators.LOG)
                    .intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (float) Math.log(x[xo + i] + add);
        }
    }

    @Override
    void tanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).lanewise(VectorOperators.TANH)
                    .intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (float) Math.tanh(x[xo + i]);
        }
    }

    @Override
    void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector e = FloatVector.fromArray(S, x, xo + i).neg()
                    .lanewise(VectorOperators.EXP);
            FloatVector.broadcast(S, 1f).div(e.add(1f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            double v = x[xo + i];
            y[yo + i] = (float) (v >= 0 ? 1 / (1 + Math.exp(-v))
                    : Math.exp(v) / (1 + Math.exp(v)));
        }
    }

    /** {@code Phi(x)} and {@code exp(-x^2 / 2)} of one vector. */
    private static FloatVector[] phiAndGauss(FloatVector v) {
        FloatVector z = v.abs().mul(INV_SQRT2);
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(GP).add(1f));
        FloatVector poly = t.mul(GA5).add(GA4).mul(t).add(GA3).mul(t).add(GA2).mul(t).add(GA1)
                .mul(t);
        FloatVector e = z.mul(z).neg().lanewise(VectorOperators.EXP);
        FloatVector half = poly.mul(e).mul(0.5f);
        VectorMask<Float> neg = v.compare(VectorOperators.LT, 0f);
        FloatVector phi = FloatVector.broadcast(S, 1f).sub(half).blend(half, neg);
        return new FloatVector[] {phi, e};
    }

    @Override
    void gelu(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(phiAndGauss(v)[0]).intoArray(y, yo + i);
        }
        if (i < n) {
            new FloatMath.Scalar().gelu(x, xo + i, y, yo + i, n - i);
        }
    }

    @Override
    void geluDerivative(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector[] pe = phiAndGauss(v);
            pe[0].add(v.mul(pe[1]).mul(INV_SQRT_2PI)).intoArray(y, yo + i);
        }
        if (i < n) {
            new FloatMath.Scalar().geluDerivative(x, xo + i, y, yo + i, n - i);
        }
    }
}
