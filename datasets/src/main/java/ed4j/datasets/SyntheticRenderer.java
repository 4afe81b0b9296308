package ed4j.datasets;

import ed4j.tensor.Generator;
import java.util.Arrays;

/**
 * Draws one synthetic image: a procedural scene (texture or object on background) with an
 * optional defect, and the defect's exact mask.
 *
 * <p>Drawing order: the scene's layers (background, material, where the object is) from the
 * image's seed; the defect, from a generator split off that seed, so the defect-free scene is
 * the same with or without a defect; then sensor noise, the same field on both. Pixels outside
 * the mask therefore equal the defect-free image exactly, and pixels inside differ by the
 * defect's change.
 *
 * <p>Geometry is written for a 256-pixel image ({@code u = x * 256 / S}) and scales with S.
 * Only {@link StrictMath} is used for transcendental functions, so images repeat bit for bit.
 */
final class SyntheticRenderer {

    /** The clean image, the same with a defect, and the defect's mask (0 or 255). */
    record Rendered(ByteImage clean, ByteImage image, ByteImage mask) {}

    /** Scene layers, interleaved RGB doubles in [0, 255] (H, W, 3). */
    private static final class Scene {
        final double[] image;
        final double[] background;
        final double[] material;
        final boolean[] object;
        final double centerX;
        final double centerY;
        final boolean isObject;

        Scene(double[] image, double[] background, double[] material, boolean[] object,
                double centerX, double centerY, boolean isObject) {
            this.image = image;
            this.background = background;
            this.material = material;
            this.object = object;
            this.centerX = centerX;
            this.centerY = centerY;
            this.isObject = isObject;
        }
    }

    private final int size;
    private final double unit;

    SyntheticRenderer(int size) {
        this.size = size;
        this.unit = size / 256.0;
    }

    /** Draws class {@code cls} from {@code seed}, with {@code defect} unless it is null. */
    Rendered render(String cls, long seed, DefectKind defect) {
        Generator g = new Generator(seed);
        Generator defectGen = g.split();
        Generator noiseGen = g.split();
        Scene scene = switch (cls) {
            case "fabric" -> fabric(g);
            case "wood" -> wood(g);
            case "nut" -> nut(g);
            case "pill" -> pill(g);
            default -> throw new IllegalArgumentException("unknown synthetic class " + cls);
        };
        int n = size * size;
        double[] defective = scene.image.clone();
        boolean[] region = new boolean[n];
        if (defect != null) {
            applyDefect(scene, defect, defectGen, defective, region);
        }
        byte[] clean = new byte[3 * n];
        byte[] image = new byte[3 * n];
        byte[] mask = new byte[n];
        double sigma = 2.5;
        for (int i = 0; i < 3 * n; i++) {
            double noise = (noiseGen.nextDouble() + noiseGen.nextDouble() + noiseGen.nextDouble()
                    - 1.5) * 2.0 * sigma;
            clean[i] = quantize(scene.image[i] + noise);
            image[i] = quantize(defective[i] + noise);
        }
        for (int i = 0; i < n; i++) {
            mask[i] = region[i] ? (byte) 255 : 0;
        }
        return new Rendered(ByteImage.wrap(size, size, 3, clean),
                ByteImage.wrap(size, size, 3, image), ByteImage.wrap(size, size, 1, mask));
    }

    private static byte quantize(double v) {
        long r = Math.round(v);
        return (byte) (r < 0 ? 0 : Math.min(r, 255));
    }

    // ---------------------------------------------------------------------------------------
    // Scenes
    // ---------------------------------------------------------------------------------------

    /** Per-image lighting: an overall gain and a per-channel cast. */
    private static double[] lighting(Generator g) {
        double gain = 0.86 + 0.28 * g.nextDouble();
        return new double[] {gain * (0.97 + 0.06 * g.nextDouble()),
            gain * (0.97 + 0.06 * g.nextDouble()), gain * (0.97 + 0.06 * g.nextDouble())};
    }

    /** A plain weave: threads alternate over and under, each with a rounded cross-section. */
    private Scene fabric(Generator g) {
        double[] light = lighting(g);
        double angle = (g.nextDouble() - 0.5) * 0.12;
        double period = 7.0 + g.nextDouble() * 0.6;
        double phaseX = g.nextDouble() * 2 * period;
        double phaseY = g.nextDouble() * 2 * period;
        long s1 = g.nextLong();
        long s2 = g.nextLong();
        double[] warp = {72, 98, 146};
        double[] weft = {58, 82, 126};
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        double[] img = new double[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double u = x / unit;
                double v = y / unit;
                double xr = (u * cos - v * sin + phaseX) / period;
                double yr = (u * sin + v * cos + phaseY) / period;
                double cx = Math.floor(xr);
                double cy = Math.floor(yr);
                double fx = xr - cx;
                double fy = yr - cy;
                boolean warpOnTop = (((long) cx + (long) cy) & 1) == 0;
                double across = warpOnTop ? fx : fy;
                double along = warpOnTop ? fy : fx;
                double shade = (0.62 + 0.38 * StrictMath.sin(Math.PI * across))
                        * (0.88 + 0.12 * StrictMath.sin(Math.PI * along));
                double low = 1.0 + 0.09 * Noise.fbm(s1, u / 48, v / 48, 3);
                double fibre = 7.0 * Noise.value(s2, u * 0.8, v * 0.8);
                double[] base = warpOnTop ? warp : weft;
                int o = 3 * (y * size + x);
                for (int c = 0; c < 3; c++) {
                    img[o + c] = base[c] * shade * low * light[c] + fibre;
                }
            }
        }
        return new Scene(img, null, img, null, size / 2.0, size / 2.0, false);
    }

    /** Wood: growth rings bent by low-frequency noise, fine streaks along the grain. */
    private Scene wood(Generator g) {
        double[] light = lighting(g);
        double angle = (g.nextDouble() - 0.5) * 0.16;
        double ringWidth = 9.0 + 2.0 * g.nextDouble();
        double phase = g.nextDouble();
        long s1 = g.nextLong();
        long s2 = g.nextLong();
        long s3 = g.nextLong();
        double[] pale = {206, 160, 112};
        double[] dark = {150, 100, 62};
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        double[] img = new double[3 * size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double u = x / unit;
                double v = y / unit;
                double xr = u * cos - v * sin;
                double yr = u * sin + v * cos;
                double bend = 7.0 * Noise.fbm(s1, xr / 90, yr / 30, 3);
                double ring = (yr + bend) / ringWidth + phase;
                double band = 0.5 + 0.5 * StrictMath.sin(2 * Math.PI * ring);
                double t = band * band;
                double streak = 0.07 * Noise.value(s2, xr / 6, yr * 1.3);
                double low = 1.0 + 0.06 * Noise.fbm(s3, u / 64, v / 64, 2);
                int o = 3 * (y * size + x);
                for (int c = 0; c < 3; c++) {
                    double base = pale[c] + (dark[c] - pale[c]) * t;
                    img[o + c] = base * (1.0 + streak) * low * light[c];
                }
            }
        }
        return new Scene(img, null, img, null, size / 2.0, size / 2.0, false);
    }

    /** A hexagonal metal nut with a round hole, lit from one side, on a dark background. */
    private Scene nut(Generator g) {
        double[] light = lighting(g);
        double cx = size / 2.0 + (g.nextDouble() - 0.5) * 0.05 * size;
        double cy = size / 2.0 + (g.nextDouble() - 0.5) * 0.05 * size;
        double rot = g.nextDouble() * Math.PI / 3;
        double lightDir = (g.nextDouble() - 0.5) * 0.6 - 0.8;
        double circum = 0.34 * size;
        double apothem = circum * StrictMath.cos(Math.PI / 6);
        double hole = 0.13 * size;
        double bevel = 0.035 * size;
        long s1 = g.nextLong();
        long s2 = g.nextLong();
        double cosR = StrictMath.cos(-rot);
        double sinR = StrictMath.sin(-rot);
        double lx = StrictMath.cos(lightDir);
        double ly = StrictMath.sin(lightDir);
        double cos30 = StrictMath.cos(Math.PI / 6);
        int n = size * size;
        double[] bg = new double[3 * n];
        double[] metal = new double[3 * n];
        boolean[] object = new boolean[n];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double u = x / unit;
                double v = y / unit;
                double back = 50 + 9 * Noise.fbm(s1, u / 40, v / 40, 3) + 6.0 * y / size;
                double dx = x + 0.5 - cx;
                double dy = y + 0.5 - cy;
                double px = dx * cosR - dy * sinR;
                double py = dx * sinR + dy * cosR;
                double edge = apothem - Math.max(Math.abs(py),
                        Math.abs(px) * cos30 + Math.abs(py) * 0.5);
                double r = Math.sqrt(dx * dx + dy * dy);
                double rim = r - hole;
                double toward = (dx * lx + dy * ly) / circum;
                double top = 150 + 38 * toward + 9 * Noise.value(s2, r / unit / 2.5, 0.5);
                double shade = top;
                // Beyond the outline the layer stays flat metal: what excess material shows.
                if (edge >= 0 && edge < bevel) {
                    shade = top - 45 * (1 - edge / bevel) * (0.6 - toward);
                }
                if (rim < bevel) {
                    shade = top + 40 * (1 - Math.max(rim, 0) / bevel) * (toward - 0.2);
                }
                int o = 3 * (y * size + x);
                for (int c = 0; c < 3; c++) {
                    bg[o + c] = back * light[c] + (c == 2 ? 4 : 0);
                    metal[o + c] = shade * light[c] + (c == 0 ? 3 : 0);
                }
                object[y * size + x] = edge >= 0 && rim >= 0;
            }
        }
        return new Scene(compose(bg, metal, object), bg, metal, object, cx, cy, true);
    }

    /** A two-colour capsule with cylindrical shading on a blue-gray background. */
    private Scene pill(Generator g) {
        double[] light = lighting(g);
        double cx = size / 2.0 + (g.nextDouble() - 0.5) * 0.04 * size;
        double cy = size / 2.0 + (g.nextDouble() - 0.5) * 0.04 * size;
        double rot = (g.nextDouble() - 0.5) * 0.3;
        double half = 0.27 * size;
        double radius = 0.13 * size;
        long s1 = g.nextLong();
        long s2 = g.nextLong();
        double[] red = {186, 54, 50};
        double[] white = {232, 226, 208};
        double cosR = StrictMath.cos(-rot);
        double sinR = StrictMath.sin(-rot);
        int n = size * size;
        double[] bg = new double[3 * n];
        double[] body = new double[3 * n];
        boolean[] object = new boolean[n];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double u = x / unit;
                double v = y / unit;
                double back = 118 + 7 * Noise.fbm(s1, u / 50, v / 50, 3) - 8.0 * y / size;
                double dx = x + 0.5 - cx;
                double dy = y + 0.5 - cy;
                double px = dx * cosR - dy * sinR;
                double py = dx * sinR + dy * cosR;
                double along = Math.max(-half, Math.min(half, px));
                double d = Math.sqrt((px - along) * (px - along) + py * py);
                // Beyond the outline the layer is lit like the body's face: excess material.
                double t = d < radius ? d / radius : 0.3;
                double cyl = Math.sqrt(1 - t * t);
                double c8 = cyl * cyl;
                c8 *= c8;
                c8 *= c8;
                double shade = 0.6 + 0.4 * cyl + 0.12 * c8
                        + 0.02 * Noise.value(s2, u / 3, v / 3);
                double seam = Math.abs(px) < 1.2 * unit ? 0.85 : 1.0;
                double[] base = px < 0 ? red : white;
                int o = 3 * (y * size + x);
                for (int c = 0; c < 3; c++) {
                    bg[o + c] = (back + 7 * c) * light[c];
                    body[o + c] = Math.min(base[c] * shade * seam, 250) * light[c];
                }
                object[y * size + x] = d < radius;
            }
        }
        return new Scene(compose(bg, body, object), bg, body, object, cx, cy, true);
    }

    private static double[] compose(double[] bg, double[] fg, boolean[] object) {
        double[] out = bg.clone();
        for (int i = 0; i < object.length; i++) {
            if (object[i]) {
                System.arraycopy(fg, 3 * i, out, 3 * i, 3);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------
    // Defects
    // ---------------------------------------------------------------------------------------

    private void applyDefect(Scene s, DefectKind kind, Generator g, double[] img,
            boolean[] region) {
        int n = size * size;
        // Redraw placements that would leave a too small mark (e.g. a scratch off the object).
        int minArea = Math.max(12, (int) (0.0012 * n));
        for (int attempt = 0; attempt < 50; attempt++) {
            Arrays.fill(region, false);
            switch (kind) {
                case SCRATCH -> stroke(region, curve(s, g, 0.15, 0.3), (0.9 + 0.7 * g.nextDouble())
                        * unit);
                case SPOT -> blob(region, inside(s, g), (0.018 + 0.02 * g.nextDouble()) * size,
                        0.3, g);
                case CRACK -> stroke(region, walk(s, g), (0.6 + 0.5 * g.nextDouble()) * unit);
                case MISSING, EXTRA -> {
                    double[] at = s.isObject ? boundary(s, g) : inside(s, g);
                    blob(region, at, (0.045 + 0.035 * g.nextDouble()) * size, 0.35, g);
                }
                case STAIN -> blob(region, inside(s, g), (0.05 + 0.04 * g.nextDouble()) * size,
                        0.45, g);
                default -> throw new IllegalStateException("unhandled defect " + kind);
            }
            if (s.isObject) {
                for (int i = 0; i < n; i++) {
                    // Extra material grows outside the object; everything else lies on it.
                    region[i] &= kind == DefectKind.EXTRA ? !s.object[i] : s.object[i];
                }
            }
            int area = 0;
            for (boolean b : region) {
                area += b ? 1 : 0;
            }
            if (area >= minArea) {
                break;
            }
        }
        paint(s, kind, g, img, region);
    }

    private void paint(Scene s, DefectKind kind, Generator g, double[] img, boolean[] region) {
        double strength = 0.55 + 0.2 * g.nextDouble();
        double[] tint = {0.75, 0.55, 0.30};
        double lumaSum = 0;
        int area = 0;
        for (int i = 0; i < region.length; i++) {
            if (region[i]) {
                lumaSum += 0.299 * img[3 * i] + 0.587 * img[3 * i + 1] + 0.114 * img[3 * i + 2];
                area++;
            }
        }
        // Light material gets a dark scratch, dark material a light one.
        boolean lightMaterial = area > 0 && lumaSum / area > 150;
        for (int i = 0; i < region.length; i++) {
            if (!region[i]) {
                continue;
            }
            int o = 3 * i;
            for (int c = 0; c < 3; c++) {
                double v = img[o + c];
                img[o + c] = switch (kind) {
                    case SCRATCH -> lightMaterial ? v * 0.5 : v + (255 - v) * strength;
                    case SPOT -> v * 0.32 + 0.5 * new double[] {44, 30, 20}[c];
                    case CRACK -> v * 0.16;
                    case MISSING -> s.isObject ? s.background[o + c] : 20 + 0.1 * v;
                    case EXTRA -> s.isObject ? s.material[o + c] : Math.min(v * 1.15 + 40, 255);
                    case STAIN -> v * (1 - strength) + v * tint[c] * strength;
                };
            }
        }
    }

    /** A point on the material: anywhere on textures, on the object for objects. */
    private double[] inside(Scene s, Generator g) {
        double margin = 0.1 * size;
        while (true) {
            double x = margin + g.nextDouble() * (size - 2 * margin);
            double y = margin + g.nextDouble() * (size - 2 * margin);
            if (!s.isObject || s.object[(int) y * size + (int) x]) {
                return new double[] {x, y};
            }
        }
    }

    /** A point on the outline of the object, found by walking out from its centre. */
    private double[] boundary(Scene s, Generator g) {
        double a = g.nextDouble() * 2 * Math.PI;
        double dx = StrictMath.cos(a);
        double dy = StrictMath.sin(a);
        double last = 0;
        for (double r = 0; r < size; r += 0.5) {
            int x = (int) (s.centerX + r * dx);
            int y = (int) (s.centerY + r * dy);
            if (x < 0 || y < 0 || x >= size || y >= size) {
                break;
            }
            if (s.object[y * size + x]) {
                last = r;
            }
        }
        return new double[] {s.centerX + last * dx, s.centerY + last * dy};
    }

    /** Points along a quadratic Bezier curve of length about {@code lo..hi} times the size. */
    private double[][] curve(Scene s, Generator g, double lo, double hi) {
        double[] p0 = inside(s, g);
        double len = (lo + (hi - lo) * g.nextDouble()) * size;
        double a = g.nextDouble() * 2 * Math.PI;
        double[] p2 = {p0[0] + len * StrictMath.cos(a), p0[1] + len * StrictMath.sin(a)};
        double bend = (g.nextDouble() - 0.5) * 0.5 * len;
        double[] p1 = {(p0[0] + p2[0]) / 2 - bend * StrictMath.sin(a),
            (p0[1] + p2[1]) / 2 + bend * StrictMath.cos(a)};
        int steps = (int) (2 * len) + 2;
        double[][] pts = new double[steps + 1][];
        for (int i = 0; i <= steps; i++) {
            double t = (double) i / steps;
            double u = 1 - t;
            pts[i] = new double[] {u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1]};
        }
        return pts;
    }

    /** A jagged random walk with one branch, as a crack runs. */
    private double[][] walk(Scene s, Generator g) {
        double[] p = inside(s, g);
        double step = 0.5 * unit;
        int steps = (int) ((0.12 + 0.12 * g.nextDouble()) * size / step);
        int branchAt = steps / 3 + g.nextInt(Math.max(1, steps / 3));
        double heading = g.nextDouble() * 2 * Math.PI;
        double[][] pts = new double[2 * steps][];
        int k = 0;
        double x = p[0];
        double y = p[1];
        double[] branchFrom = null;
        for (int i = 0; i < steps; i++) {
            if (i % 6 == 0) {
                heading += (g.nextDouble() - 0.5) * 1.2;
            }
            x += step * StrictMath.cos(heading);
            y += step * StrictMath.sin(heading);
            pts[k++] = new double[] {x, y};
            if (i == branchAt) {
                branchFrom = new double[] {x, y, heading};
            }
        }
        if (branchFrom != null) {
            x = branchFrom[0];
            y = branchFrom[1];
            heading = branchFrom[2] + (g.nextDouble() < 0.5 ? -0.9 : 0.9);
            for (int i = 0; i < steps / 2; i++) {
                if (i % 6 == 0) {
                    heading += (g.nextDouble() - 0.5) * 1.2;
                }
                x += step * StrictMath.cos(heading);
                y += step * StrictMath.sin(heading);
                pts[k++] = new double[] {x, y};
            }
        }
        return Arrays.copyOf(pts, k);
    }

    /** Marks pixels whose centre lies within {@code halfWidth} of any of the points. */
    private void stroke(boolean[] region, double[][] pts, double halfWidth) {
        int r = (int) Math.ceil(halfWidth);
        double r2 = halfWidth * halfWidth;
        for (double[] p : pts) {
            int x0 = (int) Math.floor(p[0]);
            int y0 = (int) Math.floor(p[1]);
            for (int y = y0 - r; y <= y0 + r; y++) {
                for (int x = x0 - r; x <= x0 + r; x++) {
                    if (x < 0 || y < 0 || x >= size || y >= size) {
                        continue;
                    }
                    double dx = x + 0.5 - p[0];
                    double dy = y + 0.5 - p[1];
                    if (dx * dx + dy * dy <= r2) {
                        region[y * size + x] = true;
                    }
                }
            }
        }
    }

    /** Marks an irregular blob: radius {@code r} modulated by three random harmonics. */
    private void blob(boolean[] region, double[] c, double r, double irregular, Generator g) {
        double[] amp = new double[3];
        double[] phase = new double[3];
        for (int k = 0; k < 3; k++) {
            amp[k] = irregular * g.nextDouble() / (k + 1);
            phase[k] = g.nextDouble() * 2 * Math.PI;
        }
        int reach = (int) Math.ceil(r * (1 + irregular * 2)) + 1;
        for (int y = (int) c[1] - reach; y <= (int) c[1] + reach; y++) {
            for (int x = (int) c[0] - reach; x <= (int) c[0] + reach; x++) {
                if (x < 0 || y < 0 || x >= size || y >= size) {
                    continue;
                }
                double dx = x + 0.5 - c[0];
                double dy = y + 0.5 - c[1];
                double a = StrictMath.atan2(dy, dx);
                double rr = r;
                for (int k = 0; k < 3; k++) {
                    rr *= 1 + amp[k] * StrictMath.cos((k + 2) * a + phase[k]);
                }
                if (dx * dx + dy * dy <= rr * rr) {
                    region[y * size + x] = true;
                }
            }
        }
    }
}
