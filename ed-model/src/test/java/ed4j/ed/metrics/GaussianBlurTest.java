package ed4j.ed.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The blur against scipy.ndimage.gaussian_filter(map, 4) of SciPy 1.10, bit for bit. */
class GaussianBlurTest {

    /** Distance in float32 units in the last place (0 = same bits, +0 and -0 apart). */
    static long ulps(float a, float b) {
        int x = Float.floatToIntBits(a);
        int y = Float.floatToIntBits(b);
        x = x < 0 ? Integer.MIN_VALUE - x : x;
        y = y < 0 ? Integer.MIN_VALUE - y : y;
        return Math.abs((long) x - y);
    }

    static void assertSameBits(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what + ": length");
        long worst = 0;
        int bad = -1;
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            long u = ulps(expected[i], got[i]);
            if (u != 0) {
                count++;
                if (u > worst) {
                    worst = u;
                    bad = i;
                }
            }
        }
        System.out.printf("blur %s: %d values, %d differ, max %d ulp%n", what, expected.length,
                count, worst);
        if (count != 0) {
            throw new AssertionError(what + ": " + count + " of " + expected.length
                    + " values differ from SciPy, worst " + worst + " ulp at index " + bad
                    + " (expected " + expected[bad] + ", got " + got[bad] + ")");
        }
    }

    @Test
    void kernelIsScipysBitForBit() {
        String[] names = {"4", "1_5", "0_7", "16"};
        double[] sigmas = {4.0, 1.5, 0.7, 16.0};
        int[] radii = {16, 6, 3, 64};
        for (int k = 0; k < names.length; k++) {
            GaussianBlur blur = new GaussianBlur(sigmas[k]);
            assertEquals(radii[k], blur.radius(), "radius of sigma " + sigmas[k]);
            double[] expected = MetricFixtures.doubles("kernel.sigma" + names[k]);
            assertArrayEquals(expected, blur.kernel(), 0.0, "kernel of sigma " + sigmas[k]);
        }
    }

    @Test
    void matchesScipyOnMapsOfAllSizes() {
        GaussianBlur blur = new GaussianBlur(4.0);
        for (String c : new String[] {"64x64", "37x29", "20x40", "5x3", "1x1", "1x7", "2x33"}) {
            int[] shape = MetricFixtures.shape("blur." + c + ".in");
            float[] in = MetricFixtures.floats("blur." + c + ".in");
            float[] out = blur.apply(in, shape[0], shape[1]);
            assertSameBits(MetricFixtures.floats("blur." + c + ".out"), out, c);
        }
    }

    @Test
    void batchEqualsSingleMapsAndGivesScipysImageScores() {
        GaussianBlur blur = new GaussianBlur(4.0);
        for (String set : new String[] {"a", "b"}) {
            int[] shape = MetricFixtures.shape("set." + set + ".maps");
            int plane = shape[1] * shape[2];
            float[] maps = MetricFixtures.floats("set." + set + ".maps");
            float[] all = blur.applyAll(maps, shape[0], shape[1], shape[2]);
            float[] expectedScores = MetricFixtures.floats("set." + set + ".image_scores");
            for (int i = 0; i < shape[0]; i++) {
                float[] one = blur.apply(MetricFixtures.plane(maps, i, plane), shape[1], shape[2]);
                assertArrayEquals(one, MetricFixtures.plane(all, i, plane), "map " + i);
                float max = Float.NEGATIVE_INFINITY;
                for (float v : one) {
                    max = Math.max(max, v);
                }
                assertEquals(expectedScores[i], max, 0.0f, "image score " + i + " of set " + set);
            }
        }
    }

    @Test
    void mirrorsHalfSampleStyleRepeatedly() {
        // A line a b c (n = 3) mirrored 7 to each side: ... c c b a | a b c | c b a a b c c
        assertArrayEquals(new int[] {0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2},
                GaussianBlur.mirrored(3, 7));
        assertArrayEquals(new int[] {0, 0, 0, 0, 0}, GaussianBlur.mirrored(1, 2));
    }

    @Test
    void pairwiseSumAndExpAreNumpys() {
        // Values whose sum depends on the order: pairwise differs from left to right here.
        double[] a = new double[20];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 2 == 0 ? 1e16 : 1.0 + i;
        }
        double leftToRight = 0;
        for (double v : a) {
            leftToRight += v;
        }
        // r_j = a_j + a_{8+j}; then ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)); then a16..a19.
        double[] r = new double[8];
        for (int j = 0; j < 8; j++) {
            r[j] = a[j] + a[8 + j];
        }
        double expected = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (int i = 16; i < 20; i++) {
            expected += a[i];
        }
        assertNotEquals(leftToRight, expected);
        assertEquals(expected, GaussianBlur.pairwiseSum(a, 0, a.length), 0.0);
        assertEquals(1.0, GaussianBlur.expCorrectlyRounded(0.0), 0.0);
        assertEquals(Math.exp(-1.0), GaussianBlur.expCorrectlyRounded(-1.0), Math.ulp(0.37));
        // exp(-49/32): StrictMath.exp is one ulp off; NumPy and the exact value give ...055p-3.
        assertEquals(Double.longBitsToDouble(0x3fcbae93b5663055L),
                GaussianBlur.expCorrectlyRounded(-49.0 / 32.0), 0.0);
        assertEquals(0.0, GaussianBlur.expCorrectlyRounded(-800.0), 0.0);
        assertEquals(Double.MIN_VALUE, GaussianBlur.expCorrectlyRounded(-745.0), 0.0);
    }

    @Test
    void refusesBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(0.0));
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(Double.NaN));
        GaussianBlur blur = new GaussianBlur(4.0);
        assertThrows(IllegalArgumentException.class, () -> blur.apply(new float[6], 2, 4));
        assertThrows(IllegalArgumentException.class,
                () -> blur.applyAll(new float[12], 2, 2, 4));
    }
}
