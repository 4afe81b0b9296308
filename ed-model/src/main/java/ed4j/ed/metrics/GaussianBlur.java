package ed4j.ed.metrics;

import ed4j.tensor.Backends;
import ed4j.tensor.cpu.CpuBackend;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Gaussian smoothing of 2-D float32 maps, bit for bit as {@code
 * scipy.ndimage.gaussian_filter(map, sigma)} with its defaults (SciPy 1.10; ED-SPEC section 5
 * uses sigma 4). Maps are row-major {@code (H, W)} arrays.
 *
 * <pre>
 * r     = int(truncate * sigma + 0.5)                      truncate 4: r = 16 for sigma 4
 * phi_x = exp(-0.5 / sigma^2 * x^2),  x = -r..r
 * w_x   = phi_x / sum(phi)                                 (sum as NumPy's pairwise sum)
 * out   = rows( cols(in) )                                 axis 0 first, then axis 1
 * pass: o_l = in_l w_0 + sum_{d=r..1} (in_{l-d} + in_{l+d}) w_d     in double precision
 * </pre>
 * Indices outside the line mirror half-sample style ({@code d c b a | a b c d | d c b a}),
 * repeatedly for lines shorter than r: index i maps to {@code m = i mod 2n}, then {@code m} or
 * {@code 2n - 1 - m}.
 *
 * <p>NOTE: every detail that changes a bit is SciPy's. Each pass sums in double in the order
 * above (the centre first, then the pairs from the farthest in, as SciPy's symmetric-kernel
 * loop does), and the output of the first pass is rounded to float32 before the second, since
 * SciPy writes it to the float32 output array (keeping it in double changes 30% of the fixture
 * pixels). {@code exp} is correctly rounded (NumPy's {@code exp} is, for these
 * arguments; {@code StrictMath.exp} is not for 2 of the 17 weights of sigma 4), and the
 * normalising sum copies NumPy's pairwise summation.
 *
 * <p>Memory: one float32 intermediate of the map's size and a few line buffers per map.
 */
public final class GaussianBlur {

    /** SciPy's default truncation, in standard deviations. */
    public static final double DEFAULT_TRUNCATE = 4.0;

    private final double sigma;
    private final int radius;
    private final double[] kernel;

    /** A blur of standard deviation {@code sigma} (in pixels) truncated at 4 sigma. */
    public GaussianBlur(double sigma) {
        this(sigma, DEFAULT_TRUNCATE);
    }

    /** A blur of standard deviation {@code sigma} truncated at {@code truncate} sigma. */
    public GaussianBlur(double sigma, double truncate) {
        if (!(sigma > 0) || !Double.isFinite(sigma) || !(truncate > 0)
                || !Double.isFinite(truncate)) {
            throw new IllegalArgumentException("GaussianBlur: sigma and truncate must be positive"
                    + " and finite, got sigma " + sigma + ", truncate " + truncate);
        }
        double r = truncate * sigma + 0.5;
        if (r >= 1 << 20) {
            throw new IllegalArgumentException("GaussianBlur: radius " + r + " (sigma " + sigma
                    + ", truncate " + truncate + ") is too large");
        }
        this.sigma = sigma;
        this.radius = (int) r;
        this.kernel = kernel(sigma, radius);
    }

    /** The standard deviation in pixels. */
    public double sigma() {
        return sigma;
    }

    /** The kernel radius r: the kernel has 2r + 1 taps. */
    public int radius() {
        return radius;
    }

    /** The 2r + 1 weights, as SciPy's {@code _gaussian_kernel1d(sigma, 0, r)} (a copy). */
    public double[] kernel() {
        return kernel.clone();
    }

    /**
     * The blurred copy of one {@code (height, width)} map.
     *
     * @throws IllegalArgumentException when {@code map.length != height * width}
     */
    public float[] apply(float[] map, int height, int width) {
        check(map.length, 1, height, width);
        float[] out = new float[map.length];
        new Workspace(height, width).blur(map, 0, out, height, width);
        return out;
    }

    /**
     * The blurred copies of {@code count} maps of {@code (height, width)} stored one after
     * another, computed in parallel over maps on the shared CPU pool (each map by one thread,
     * so the result does not depend on the thread count).
     *
     * @throws IllegalArgumentException when {@code maps.length != count * height * width}
     */
    public float[] applyAll(float[] maps, int count, int height, int width) {
        check(maps.length, count, height, width);
        float[] out = new float[maps.length];
        int plane = height * width;
        ((CpuBackend) Backends.cpu()).parallel().forRange(count, 1, (s, e) -> {
            Workspace ws = new Workspace(height, width);
            for (int m = s; m < e; m++) {
                ws.blur(maps, m * plane, out, height, width);
            }
        });
        return out;
    }

    private static void check(int length, int count, int height, int width) {
        if (count < 0 || height < 1 || width < 1
                || (long) count * height * width != length) {
            throw new IllegalArgumentException("GaussianBlur: " + length + " values do not form "
                    + count + " map(s) of " + height + " x " + width
                    + " (height and width must be positive)");
        }
    }

    /** Line buffers for one map size. */
    private final class Workspace {
        final float[] tmp;
        final double[] acc;
        final double[] line;
        final int[] rowOf;
        final int[] colOf;

        Workspace(int height, int width) {
            tmp = new float[height * width];
            acc = new double[width];
            line = new double[width + 2 * radius];
            rowOf = mirrored(height, radius);
            colOf = mirrored(width, radius);
        }

        /** Blurs the map at {@code in[off ..]} into {@code out[off ..]}. */
        void blur(float[] in, int off, float[] out, int height, int width) {
            int r = radius;
            double w0 = kernel[r];
            // Axis 0: each output row from rows l-d and l+d, all columns at once.
            for (int l = 0; l < height; l++) {
                int base = off + l * width;
                for (int c = 0; c < width; c++) {
                    acc[c] = (double) in[base + c] * w0;
                }
                for (int d = r; d >= 1; d--) {
                    double wd = kernel[r + d];
                    int lo = off + rowOf[l - d + r] * width;
                    int hi = off + rowOf[l + d + r] * width;
                    for (int c = 0; c < width; c++) {
                        acc[c] += ((double) in[lo + c] + (double) in[hi + c]) * wd;
                    }
                }
                for (int c = 0; c < width; c++) {
                    tmp[l * width + c] = (float) acc[c];
                }
            }
            // Axis 1: each row extended by r mirrored values on both sides.
            for (int row = 0; row < height; row++) {
                int base = row * width;
                for (int k = 0; k < width + 2 * r; k++) {
                    line[k] = tmp[base + colOf[k]];
                }
                for (int l = 0; l < width; l++) {
                    double a = line[l + r] * w0;
                    for (int d = r; d >= 1; d--) {
                        a += (line[l + r - d] + line[l + r + d]) * kernel[r + d];
                    }
                    out[off + base + l] = (float) a;
                }
            }
        }
    }

    /** {@code out[k]} is the source index of position {@code k - r} of a mirrored line. */
    static int[] mirrored(int n, int r) {
        int[] out = new int[n + 2 * r];
        long period = 2L * n;
        for (int k = 0; k < out.length; k++) {
            long m = Math.floorMod(k - (long) r, period);
            out[k] = (int) (m < n ? m : period - 1 - m);
        }
        return out;
    }

    // -----------------------------------------------------------------------------------------
    // Kernel
    // -----------------------------------------------------------------------------------------

    /** SciPy's weights: {@code exp(-0.5 / sigma^2 * x^2)} normalised by their pairwise sum. */
    static double[] kernel(double sigma, int radius) {
        double scale = -0.5 / (sigma * sigma);
        double[] phi = new double[2 * radius + 1];
        for (int x = -radius; x <= radius; x++) {
            phi[x + radius] = expCorrectlyRounded(scale * (double) ((long) x * x));
        }
        double sum = pairwiseSum(phi, 0, phi.length);
        for (int i = 0; i < phi.length; i++) {
            phi[i] /= sum;
        }
        return phi;
    }

    /**
     * NumPy's pairwise summation of a contiguous float64 array (numpy {@code pairwise_sum}):
     * under 8 values a plain loop, up to 128 eight interleaved partial sums combined as {@code
     * ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))} plus the rest in order, above that two halves split
     * at a multiple of 8.
     */
    static double pairwiseSum(double[] a, int from, int n) {
        if (n < 8) {
            double res = 0.0;
            for (int i = 0; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        if (n <= 128) {
            double[] r = new double[8];
            System.arraycopy(a, from, r, 0, 8);
            int i = 8;
            for (; i < n - n % 8; i += 8) {
                for (int j = 0; j < 8; j++) {
                    r[j] += a[from + i + j];
                }
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++) {
                res += a[from + i];
            }
            return res;
        }
        int n2 = n / 2;
        n2 -= n2 % 8;
        return pairwiseSum(a, from, n2) + pairwiseSum(a, from + n2, n - n2);
    }

    private static final MathContext EXP_CONTEXT = new MathContext(60);
    private static final BigDecimal HALF = new BigDecimal("0.5");
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final BigDecimal TERM_LIMIT = new BigDecimal("1e-70");

    /**
     * {@code e^a} rounded once to the nearest double: the series of {@code e^|a| / 2^k} with
     * {@code |a| / 2^k <= 1/2}, squared k times, at 60 significant digits, then rounded by
     * {@link BigDecimal#doubleValue()} (correct rounding, subnormals included).
     */
    static double expCorrectlyRounded(double a) {
        if (Double.isNaN(a)) {
            return Double.NaN;
        }
        if (a == 0) {
            return 1.0;
        }
        if (a < -746) {
            return 0.0;
        }
        if (a > 710) {
            return Double.POSITIVE_INFINITY;
        }
        BigDecimal x = new BigDecimal(Math.abs(a));
        int k = 0;
        while (x.compareTo(HALF) > 0) {
            x = x.divide(TWO);
            k++;
        }
        BigDecimal term = BigDecimal.ONE;
        BigDecimal sum = BigDecimal.ONE;
        for (int n = 1; term.compareTo(TERM_LIMIT) > 0; n++) {
            term = term.multiply(x, EXP_CONTEXT).divide(BigDecimal.valueOf(n), EXP_CONTEXT);
            sum = sum.add(term, EXP_CONTEXT);
        }
        for (int i = 0; i < k; i++) {
            sum = sum.multiply(sum, EXP_CONTEXT);
        }
        return a > 0 ? sum.doubleValue() : BigDecimal.ONE.divide(sum, EXP_CONTEXT).doubleValue();
    }
}
