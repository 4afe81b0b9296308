package ed4j.datasets;

/**
 * Hash-based value noise for the synthetic textures: lattice values from a 64-bit integer hash,
 * smoothstep interpolation, octave sums. Pure integer and double arithmetic, so images repeat
 * bit for bit on every JVM.
 */
final class Noise {

    private Noise() {}

    /** A deterministic value in [-1, 1) for lattice point (ix, iy) under {@code seed}. */
    static double lattice(long seed, long ix, long iy) {
        long z = seed ^ (ix * 0x9E3779B97F4A7C15L) ^ (iy * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        z ^= z >>> 33;
        return (z >>> 11) * 0x1.0p-52 - 1.0;
    }

    /** Smoothly interpolated value noise in [-1, 1]. */
    static double value(long seed, double x, double y) {
        double fx = Math.floor(x);
        double fy = Math.floor(y);
        long ix = (long) fx;
        long iy = (long) fy;
        double tx = x - fx;
        double ty = y - fy;
        tx = tx * tx * (3 - 2 * tx);
        ty = ty * ty * (3 - 2 * ty);
        double a = lattice(seed, ix, iy);
        double b = lattice(seed, ix + 1, iy);
        double c = lattice(seed, ix, iy + 1);
        double d = lattice(seed, ix + 1, iy + 1);
        double top = a + (b - a) * tx;
        double bottom = c + (d - c) * tx;
        return top + (bottom - top) * ty;
    }

    /** Fractal sum of {@code octaves} octaves (frequency x2, amplitude x0.5), about [-1, 1]. */
    static double fbm(long seed, double x, double y, int octaves) {
        double sum = 0;
        double amp = 0.5;
        double norm = 0;
        for (int o = 0; o < octaves; o++) {
            sum += amp * value(seed + o * 0x632BE59BD9B4E019L, x, y);
            norm += amp;
            x *= 2;
            y *= 2;
            amp *= 0.5;
        }
        return sum / norm;
    }
}
