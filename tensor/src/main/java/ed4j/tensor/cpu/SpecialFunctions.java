package ed4j.tensor.cpu;

/**
 * Special functions that {@link Math} lacks, at double precision.
 *
 * <p>The error function follows W. J. Cody, "Rational Chebyshev approximations for the error
 * function", Math. Comp. 23 (1969) 631-638: a rational function in {@code x^2} below 0.46875,
 * {@code erfc} as {@code exp(-x^2)} times a rational function in {@code x} up to 4, and in
 * {@code 1/x^2} beyond. Relative error is near machine precision, which float64 gradient checks
 * of GELU need.
 */
final class SpecialFunctions {

    private SpecialFunctions() {}

    private static final double THRESHOLD = 0.46875;
    private static final double INV_SQRT_PI = 0.56418958354775628695;
    private static final double INV_SQRT2 = 0.70710678118654752440;
    private static final double INV_SQRT_2PI = 0.39894228040143267794;

    // erf(x) = x * A(x^2) / B(x^2) for |x| <= 0.46875
    private static final double A0 = 3.1611237438705656;
    private static final double A1 = 113.864154151050156;
    private static final double A2 = 377.485237685302021;
    private static final double A3 = 3209.37758913846947;
    private static final double A4 = .185777706184603153;
    private static final double B0 = 23.6012909523441209;
    private static final double B1 = 244.024637934444173;
    private static final double B2 = 1282.61652607737228;
    private static final double B3 = 2844.23683343917062;

    // erfc(y) = exp(-y^2) * C(y) / D(y) for 0.46875 < y <= 4
    private static final double[] C = {
        .564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
        881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
        2.15311535474403846e-8
    };
    private static final double[] D = {
        15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
        3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942
    };

    // erfc(y) = exp(-y^2) / y * (1/sqrt(pi) - P(1/y^2) / (y^2 Q(1/y^2))) for y > 4
    private static final double[] P = {
        .305326634961232344, .360344899949804439, .125781726111229246, .0160837851487422766,
        6.58749161529837803e-4, .0163153871373020978
    };
    private static final double[] Q = {
        2.56852019228982242, 1.87295284992346047, .527905102951428412, .0605183413124413191,
        .00233520497626869185
    };

    /** The error function. */
    static double erf(double x) {
        double y = Math.abs(x);
        if (y <= THRESHOLD) {
            return x * smallRatio(y * y);
        }
        double r = 1.0 - erfcPositive(y);
        return x < 0 ? -r : r;
    }

    /** The complementary error function {@code 1 - erf(x)}, accurate for large {@code x}. */
    static double erfc(double x) {
        double y = Math.abs(x);
        if (y <= THRESHOLD) {
            return 1.0 - x * smallRatio(y * y);
        }
        double r = erfcPositive(y);
        return x < 0 ? 2.0 - r : r;
    }

    /** The standard normal CDF, through erfc so that the left tail keeps its precision. */
    static double normalCdf(double x) {
        return 0.5 * erfc(-x * INV_SQRT2);
    }

    /** The standard normal density. */
    static double normalPdf(double x) {
        return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }

    /** Exact GELU: {@code x * Phi(x)}. */
    static double gelu(double x) {
        return x * normalCdf(x);
    }

    /** d/dx of the exact GELU: {@code Phi(x) + x * phi(x)}. */
    static double geluDerivative(double x) {
        return normalCdf(x) + x * normalPdf(x);
    }

    private static double smallRatio(double ysq) {
        double num = (((A4 * ysq + A0) * ysq + A1) * ysq + A2) * ysq + A3;
        double den = (((ysq + B0) * ysq + B1) * ysq + B2) * ysq + B3;
        return num / den;
    }

    /** erfc for {@code y > 0.46875}. */
    private static double erfcPositive(double y) {
        double ratio;
        if (y <= 4.0) {
            double num = C[8] * y;
            double den = y;
            for (int i = 0; i < 7; i++) {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            ratio = (num + C[7]) / (den + D[7]);
        } else {
            if (y >= 27.0) {
                return 0.0;
            }
            double z = 1.0 / (y * y);
            double num = P[5] * z;
            double den = z;
            for (int i = 0; i < 4; i++) {
                num = (num + P[i]) * z;
                den = (den + Q[i]) * z;
            }
            ratio = (INV_SQRT_PI - z * (num + P[4]) / (den + Q[4])) / y;
        }
        // exp(-y^2) split as exp(-h^2) * exp(-(y-h)(y+h)) with h = y rounded down to 1/16,
        // so that the square is formed without cancellation.
        double h = Math.floor(y * 16.0) / 16.0;
        double del = (y - h) * (y + h);
        return Math.exp(-h * h) * Math.exp(-del) * ratio;
    }
}
