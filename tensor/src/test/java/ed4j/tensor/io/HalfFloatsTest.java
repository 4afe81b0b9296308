package ed4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    /** Every finite half value as a double, sorted, with its bits: the naive reference. */
    private static final double[] FINITE_VALUES;
    private static final short[] FINITE_BITS;

    static {
        double[] v = new double[63490];
        short[] b = new short[63490];
        int n = 0;
        for (int bits = 0; bits < 0x10000; bits++) {
            int exp = (bits >>> 10) & 0x1f;
            if (exp == 0x1f || bits == 0x8000) {
                continue; // infinities, NaNs, and -0 (same value as +0)
            }
            int mant = bits & 0x3ff;
            double mag = exp == 0 ? mant * Math.pow(2, -24)
                    : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            v[n] = (bits & 0x8000) != 0 ? -mag : mag;
            b[n] = (short) bits;
            n++;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        double[] vv = v;
        Arrays.sort(order, (x, y) -> Double.compare(vv[x], vv[y]));
        FINITE_VALUES = new double[n];
        FINITE_BITS = new short[n];
        for (int i = 0; i < n; i++) {
            FINITE_VALUES[i] = v[order[i]];
            FINITE_BITS[i] = b[order[i]];
        }
    }

    /** Nearest half by search over all finite halves, ties to the even mantissa. */
    private static short referenceHalf(float f) {
        if (Float.isNaN(f)) {
            return (short) ((Float.floatToRawIntBits(f) >>> 16 & 0x8000) | 0x7e00);
        }
        int signBit = Float.floatToRawIntBits(f) >>> 16 & 0x8000;
        double x = f;
        if (Math.abs(x) >= 65520.0) {
            return (short) (signBit | 0x7c00);
        }
        int i = Arrays.binarySearch(FINITE_VALUES, x);
        short bits;
        if (i >= 0) {
            bits = FINITE_BITS[i];
        } else {
            int hi = -i - 1;
            int lo = hi - 1;
            if (hi == FINITE_VALUES.length || lo < 0) {
                // Between +-65504 and +-65520: the largest finite half.
                return FINITE_BITS[hi == FINITE_VALUES.length ? hi - 1 : 0];
            }
            double dLo = x - FINITE_VALUES[lo];
            double dHi = FINITE_VALUES[hi] - x;
            if (dLo < dHi) {
                bits = FINITE_BITS[lo];
            } else if (dHi < dLo) {
                bits = FINITE_BITS[hi];
            } else {
                bits = (FINITE_BITS[lo] & 1) == 0 ? FINITE_BITS[lo] : FINITE_BITS[hi];
            }
        }
        if ((bits & 0x7fff) == 0) {
            return (short) signBit; // zero keeps the sign of the input
        }
        return bits;
    }

    /** Nearest bfloat16 by comparing the two truncation neighbours in double precision. */
    private static short referenceBfloat16(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7fc0;
        }
        int bits = Float.floatToRawIntBits(f);
        int lo = bits & 0xffff0000;
        int hi = lo + 0x10000;
        // Rounding treats the step past the largest finite value as 2^128 (infinity).
        double hiValue = (hi & 0x7fffffff) == 0x7f800000 ? Math.copySign(0x1p128, f)
                : Float.intBitsToFloat(hi);
        double dLo = Math.abs((double) f - Float.intBitsToFloat(lo));
        double dHi = Math.abs(hiValue - (double) f);
        if ((bits & 0xffff) == 0 || dLo < dHi) {
            return (short) (lo >>> 16);
        }
        if (dHi < dLo) {
            return (short) (hi >>> 16);
        }
        return (short) (((lo >>> 16) & 1) == 0 ? lo >>> 16 : hi >>> 16);
    }

    @Test
    void everyHalfWidensExactlyAndNarrowsBack() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = HalfFloats.halfToFloat((short) bits);
            int exp = (bits >>> 10) & 0x1f;
            if (exp == 0x1f && (bits & 0x3ff) != 0) {
                assertTrue(Float.isNaN(f), "bits " + Integer.toHexString(bits));
                continue;
            }
            assertEquals((short) bits, HalfFloats.floatToHalf(f),
                    "round trip of half bits " + Integer.toHexString(bits) + " via " + f);
            if (exp != 0x1f && bits != 0x8000) {
                int k = Arrays.binarySearch(FINITE_VALUES, (double) f);
                assertTrue(k >= 0 && FINITE_BITS[k] == (short) bits || f == 0,
                        "value of half bits " + Integer.toHexString(bits) + " is " + f);
            }
        }
    }

    @Test
    void narrowingToHalfMatchesNearestEvenReference() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] special = {0f, -0f, 65504f, 65519.996f, 65520f, 65536f, Float.MAX_VALUE,
                Float.MIN_VALUE, 0x1p-24f, 0x1p-25f, 0x1.000002p-25f, 0x1.8p-24f, 0x1.8p-25f,
                0x1p-14f, 0x1.ffcp-15f, 1f + 0x1p-11f, 1f + 0x3p-11f, Float.NaN,
                Float.intBitsToFloat(0xffc00001), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY};
        for (float f : special) {
            assertEquals(referenceHalf(f), HalfFloats.floatToHalf(f), "half of " + f);
            assertEquals(referenceHalf(-f), HalfFloats.floatToHalf(-f), "half of " + -f);
        }
        for (int i = 0; i < 200_000; i++) {
            // Random bit patterns over the half range and beyond, plus exact ties.
            float f = i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt(0x30000000, 0x48000000))
                    : HalfFloats.halfToFloat((short) rnd.nextInt(0x7c00))
                            + (rnd.nextBoolean() ? 1 : -1) * 0x1p-25f;
            if (rnd.nextBoolean()) {
                f = -f;
            }
            assertEquals(referenceHalf(f), HalfFloats.floatToHalf(f), "half of " + f);
        }
    }

    @Test
    void bfloat16RoundsToNearestEven() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            short b = HalfFloats.floatToBfloat16(f);
            assertEquals(referenceBfloat16(f), b, "bfloat16 of " + f);
            float back = HalfFloats.bfloat16ToFloat(b);
            assertEquals(Float.isNaN(f), Float.isNaN(back));
        }
        assertEquals((short) 0x3f80, HalfFloats.floatToBfloat16(1f));
        // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: the even one (1) wins.
        assertEquals((short) 0x3f80, HalfFloats.floatToBfloat16(1f + 0x1p-8f));
        assertEquals((short) 0x3f82, HalfFloats.floatToBfloat16(1f + 0x3p-8f));
        assertEquals((short) 0x7f80, HalfFloats.floatToBfloat16(Float.MAX_VALUE));
    }
}
