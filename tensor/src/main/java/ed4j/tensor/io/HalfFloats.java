package ed4j.tensor.io;

/**
 * Conversions between float32 and the two 16-bit floating formats: IEEE 754 binary16
 * ("half", {@code F16}) and bfloat16 ({@code BF16}, the top 16 bits of a float32).
 *
 * <p>Widening to float32 is exact. Narrowing rounds to nearest, ties to even, and follows
 * PyTorch's conversions bit for bit: values from 65520 up become infinity in half precision, and
 * NaN becomes the quiet NaN {@code 0x7E00} (sign kept) in half and {@code 0x7FC0} in bfloat16.
 */
public final class HalfFloats {

    private HalfFloats() {}

    /** The float32 value of the binary16 bits {@code h}. */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24, exact in float32.
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** The binary16 bits nearest to {@code f} (round to nearest, ties to even). */
    public static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00);
        }
        if (abs >= 0x477ff000) {
            // 65520 and above round to infinity (65504 is the largest finite half).
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) {
            // Below 2^-14: a subnormal half or zero; exactly 2^-25 ties to even (zero).
            if (abs <= 0x33000000) {
                return (short) sign;
            }
            int e = abs >>> 23;
            int m = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - e;
            return (short) (sign | roundShift(m, shift));
        }
        int result = ((abs >>> 23) - 112) << 10 | ((abs & 0x7fffff) >>> 13);
        int rem = abs & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (result & 1) != 0)) {
            // A carry out of the mantissa correctly moves to the next exponent.
            result++;
        }
        return (short) (sign | result);
    }

    /** The float32 value of the bfloat16 bits {@code b}. */
    public static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** The bfloat16 bits nearest to {@code f} (round to nearest, ties to even). */
    public static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) 0x7fc0;
        }
        int bias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + bias) >>> 16);
    }

    /** {@code m >> shift} rounded to nearest, ties to even; {@code 1 <= shift <= 30}. */
    private static int roundShift(int m, int shift) {
        int result = m >>> shift;
        int rem = m & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rem > half || (rem == half && (result & 1) != 0)) {
            result++;
        }
        return result;
    }
}
