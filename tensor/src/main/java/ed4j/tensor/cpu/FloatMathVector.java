package ed4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
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
    void exp(float[] x, int xo, float shift, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector.fromArray(S, x, xo + i).sub(shift).lanewise(VectorOperators.EXP)
                    .intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = (float) Math.exp(x[xo + i] - shift);
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
}
