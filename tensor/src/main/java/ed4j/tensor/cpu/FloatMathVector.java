package ed4j.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FloatMath} on the incubating Vector API; loaded reflectively, and only when the module
 * is present, so that nothing else links against it.
 *
 * <p>NOTE: exp and log are written here with plain vector arithmetic (Cody-Waite range
 * reduction and the minimax polynomials of the Cephes single-precision library) rather than the
 * API's {@code EXP}/{@code LOG} operators. Those run on the JDK's short-vector math library once
 * the JIT has compiled the loop, but on a scalar fallback before, and the two round differently:
 * results would then depend on how warm the JVM is, and a resumed training run would not repeat
 * an uninterrupted one. Additions, products and bit operations round the same either way. The
 * polynomials are accurate to about 2 float32 ulps.
 */
final class FloatMathVector extends FloatMath {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = S.vectorShape().withLanes(int.class);

    // exp: x = n ln2 + r, |r| <= ln2 / 2, with ln2 split in two for an exact reduction.
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = 0x4B400000;
    private static final float EXP_MAX = 88.3762626647949f;
    private static final float EXP_MIN = -87.3365478515625f;
    private static final float E1 = 1.9875691500E-4f;
    private static final float E2 = 1.3981999507E-3f;
    private static final float E3 = 8.3334519073E-3f;
    private static final float E4 = 4.1665795894E-2f;
    private static final float E5 = 1.6666665459E-1f;
    private static final float E6 = 5.0000001201E-1f;

    // log: x = m 2^e with m in [sqrt(1/2), sqrt(2)); log(m) by a polynomial in m - 1.
    private static final float SQRT_HALF = 0.707106781186547524f;
    private static final float[] L = {
        7.0376836292E-2f, -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f,
        1.4249322787E-1f, -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f,
        3.3333331174E-1f
    };

    // tanh(x) = x + x^3 P(x^2) for |x| < 0.625, else from exp(2|x|).
    private static final float[] T = {
        -5.70498872745E-3f, 2.06390887954E-2f, -5.37397155531E-2f, 1.33314422036E-1f,
        -3.33332819422E-1f
    };

    @Override
    boolean vectorized() {
        return S.length() >= 8 && I.length() == S.length();
    }

    @Override
    float scaledMax(float[] x, int xo, float scale, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            acc = acc.max(FloatVector.fromArray(S, x, xo + i).mul(scale));
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < S.length(); l++) {
            max = Math.max(max, acc.lane(l));
        }
        for (; i < n; i++) {
            max = Math.max(max, scale * x[xo + i]);
        }
        return max;
    }

    /** The lanes of {@code v} added in double, in lane order ({@code reduceLanes} has none). */
    static double lanes(FloatVector v) {
        double s = 0;
        for (int l = 0; l < S.length(); l++) {
            s += v.lane(l);
        }
        return s;
    }

    @Override
    void multiplyAdd(float[] a, int ao, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, a, ao + i)
                    .mul(FloatVector.fromArray(S, x, xo + i))).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a[ao + i] * x[xo + i];
        }
    }

    @Override
    void adam(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo, int n,
            AdamCoefficients c) {
        int len = S.length();
        int i = 0;
        for (; i <= n - len; i += len) {
            FloatVector pv = FloatVector.fromArray(S, p, po + i);
            FloatVector gr = FloatVector.fromArray(S, g, go + i).add(pv.mul(c.wd()));
            FloatVector mn = FloatVector.fromArray(S, m, mo + i).mul(c.b1()).add(gr.mul(c.c1()));
            FloatVector vn = FloatVector.fromArray(S, v, vo + i).mul(c.b2())
                    .add(gr.mul(c.c2()).mul(gr));
            mn.intoArray(m, mo + i);
            vn.intoArray(v, vo + i);
            FloatVector den = vn.lanewise(VectorOperators.SQRT).div(c.bc()).add(c.eps());
            pv.sub(mn.div(den).mul(c.step())).intoArray(p, po + i);
        }
        for (; i < n; i++) {
            adamOne(p, po + i, g, go + i, m, mo + i, v, vo + i, c);
        }
    }

    /** {@code e^x} of one vector: NaN stays NaN, overflow gives infinity, underflow 0. */
    static FloatVector expV(FloatVector x) {
        VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
        VectorMask<Float> high = x.compare(VectorOperators.GT, EXP_MAX);
        VectorMask<Float> low = x.compare(VectorOperators.LT, EXP_MIN);
        FloatVector v = x.max(EXP_MIN).min(EXP_MAX);
        // Round x log2(e) to the nearest integer n by adding 1.5 * 2^23: the sum's low mantissa
        // bits are then n (float-to-int conversions are not vectorised on every JDK).
        FloatVector tm = v.mul(LOG2E).add(ROUND);
        FloatVector n = tm.sub(ROUND);
        FloatVector r = v.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector p = r.mul(E1).add(E2).mul(r).add(E3).mul(r).add(E4).mul(r).add(E5).mul(r)
                .add(E6).mul(z).add(r).add(1f);
        IntVector bits = ((IntVector) tm.reinterpretShape(I, 0)).sub(ROUND_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23);
        FloatVector scale = (FloatVector) bits.reinterpretShape(S, 0);
        FloatVector out = p.mul(scale);
        out = out.blend(Float.POSITIVE_INFINITY, high).blend(0f, low);
        return out.blend(x, nan);
    }

    /** {@code log(x)} of one vector: 0 gives -infinity, negatives and NaN give NaN. */
    static FloatVector logV(FloatVector x) {
        VectorMask<Float> invalid = x.compare(VectorOperators.LT, 0f)
                .or(x.test(VectorOperators.IS_NAN));
        VectorMask<Float> zero = x.compare(VectorOperators.EQ, 0f);
        VectorMask<Float> inf = x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY);
        // Subnormals: scale up by 2^23 first so that the exponent field is meaningful.
        VectorMask<Float> tiny = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
        FloatVector v = x.blend(x.mul(8388608f), tiny);
        IntVector bits = (IntVector) v.reinterpretShape(I, 0);
        IntVector expo = bits.lanewise(VectorOperators.LSHR, 23).sub(126);
        FloatVector m = (FloatVector) bits.and(0x807FFFFF).or(0x3F000000).reinterpretShape(S, 0);
        FloatVector e = (FloatVector) expo.convert(VectorOperators.I2F, 0);
        e = e.sub(23f, tiny);
        // m in [0.5, 1): move to [sqrt(1/2), sqrt(2)).
        VectorMask<Float> small = m.compare(VectorOperators.LT, SQRT_HALF);
        e = e.sub(1f, small);
        FloatVector f = m.add(m, small).sub(1f);
        FloatVector z = f.mul(f);
        FloatVector y = f.mul(L[0]);
        for (int i = 1; i < L.length; i++) {
            y = y.add(L[i]).mul(f);
        }
        y = y.mul(z);
        y = y.add(e.mul(LN2_LO));
        y = y.sub(z.mul(0.5f));
        FloatVector out = f.add(y).add(e.mul(LN2_HI));
        out = out.blend(Float.NEGATIVE_INFINITY, zero).blend(Float.POSITIVE_INFINITY, inf);
        return out.blend(Float.NaN, invalid);
    }

    @Override
    void exp(float[] x, int xo, float scale, float shift, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            expV(FloatVector.fromArray(S, x, xo + i).mul(scale).sub(shift)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = tail(scale * x[xo + i] - shift, 0);
        }
    }

    @Override
    void log(float[] x, int xo, float add, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            logV(FloatVector.fromArray(S, x, xo + i).add(add)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = tail(x[xo + i] + add, 1);
        }
    }

    @Override
    void tanh(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            tanhV(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = tail(x[xo + i], 2);
        }
    }

    private static FloatVector tanhV(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector z = x.mul(x);
        FloatVector p = z.mul(T[0]);
        for (int k = 1; k < T.length; k++) {
            p = p.add(T[k]).mul(z);
        }
        FloatVector near = p.mul(x).add(x);
        // 1 - 2 / (e^(2|x|) + 1), with the sign of x.
        FloatVector far = FloatVector.broadcast(S, 1f)
                .sub(FloatVector.broadcast(S, 2f).div(expV(a.mul(2f)).add(1f)));
        far = far.blend(far.neg(), x.compare(VectorOperators.LT, 0f));
        return near.blend(far, a.compare(VectorOperators.GE, 0.625f))
                .blend(x, x.test(VectorOperators.IS_NAN));
    }

    @Override
    void sigmoid(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector e = expV(FloatVector.fromArray(S, x, xo + i).neg());
            FloatVector.broadcast(S, 1f).div(e.add(1f)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = tail(x[xo + i], 3);
        }
    }

    /**
     * One value through the same vector code (lane 0 of a broadcast), so that loop tails round
     * exactly as full vectors do.
     */
    private static float tail(float v, int fn) {
        FloatVector b = FloatVector.broadcast(S, v);
        FloatVector r = switch (fn) {
            case 0 -> expV(b);
            case 1 -> logV(b);
            case 2 -> tanhV(b);
            case 3 -> FloatVector.broadcast(S, 1f).div(expV(b.neg()).add(1f));
            case 4 -> b.mul(phi(b, gauss(b)));
            default -> phi(b, gauss(b)).add(b.mul(gauss(b)).mul(INV_SQRT_2PI));
        };
        return r.lane(0);
    }

    /** {@code exp(-x^2 / 2)} of one vector. */
    private static FloatVector gauss(FloatVector v) {
        return expV(v.mul(v).mul(-0.5f));
    }

    /** {@code Phi(x)} of one vector, given {@code exp(-x^2 / 2)}. */
    private static FloatVector phi(FloatVector v, FloatVector gauss) {
        FloatVector z = v.abs().mul(INV_SQRT2);
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.mul(GP).add(1f));
        FloatVector poly = t.mul(GA5).add(GA4).mul(t).add(GA3).mul(t).add(GA2).mul(t).add(GA1)
                .mul(t);
        FloatVector half = poly.mul(gauss).mul(0.5f);
        VectorMask<Float> neg = v.compare(VectorOperators.LT, 0f);
        return FloatVector.broadcast(S, 1f).sub(half).blend(half, neg);
    }

    @Override
    void gelu(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            v.mul(phi(v, gauss(v))).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = tail(x[xo + i], 4);
        }
    }

    @Override
    void geluDerivative(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        for (int ub = S.loopBound(n); i < ub; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i);
            FloatVector e = gauss(v);
            phi(v, e).add(v.mul(e).mul(INV_SQRT_2PI)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] = tail(x[xo + i], 5);
        }
    }
}
