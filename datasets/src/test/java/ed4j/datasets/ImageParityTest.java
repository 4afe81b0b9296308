package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Tensor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decoding, resizing and the torchvision pipeline against outputs of Pillow 9.4 and torchvision
 * 0.14 written by {@code tests/python/fixtures_images.py}.
 */
class ImageParityTest {

    static Path fixtures() {
        try {
            return Path.of(ImageParityTest.class.getResource("/fixtures/images/manifest.txt")
                    .toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<String> list(String dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(fixtures().resolve(dir))) {
            List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(suffix))
                    .sorted()
                    .toList();
            if (names.isEmpty()) {
                throw new IllegalStateException("no fixtures " + dir + "/*" + suffix);
            }
            return names.stream();
        }
    }

    static Stream<String> decodeRgbCases() throws IOException {
        return list("decode", ".rgb.npy");
    }

    static Stream<String> decodeGrayCases() throws IOException {
        return list("decode", ".L.npy");
    }

    static Stream<String> lanczosCases() throws IOException {
        return list("lanczos", ".npy");
    }

    static Stream<String> nearestCases() throws IOException {
        return list("nearest", ".npy");
    }

    static Stream<String> torchvisionCases() throws IOException {
        return list("tv", ".npy");
    }

    private static Path source(String name) {
        return fixtures().resolve("src").resolve(name);
    }

    /** Source file and target size from a name like {@code rgb_37x23_64x50.npy}. */
    private static Object[] parseResizeCase(String fixture) {
        String stem = fixture.substring(0, fixture.length() - ".npy".length());
        int cut = stem.lastIndexOf('_');
        String[] wh = stem.substring(cut + 1).split("x");
        return new Object[] {stem.substring(0, cut) + ".png", Integer.parseInt(wh[0]),
            Integer.parseInt(wh[1])};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodeRgbCases")
    void decodeRgbEqualsPil(String fixture) throws IOException {
        String file = fixture.substring(0, fixture.length() - ".rgb.npy".length());
        NpyFile expected = NpyFile.read(fixtures().resolve("decode").resolve(fixture));
        ByteImage got = ImageDecoder.decodeRgb(source(file));
        assertEquals(3, got.channels());
        assertArrayEquals(expected.shape, new int[] {got.height(), got.width(), 3}, file);
        PixelStats.compare(file, expected.bytes(), got.toArray()).assertExact();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodeGrayCases")
    void decodeGrayEqualsPil(String fixture) throws IOException {
        String file = fixture.substring(0, fixture.length() - ".L.npy".length());
        NpyFile expected = NpyFile.read(fixtures().resolve("decode").resolve(fixture));
        ByteImage got = ImageDecoder.decodeGray(source(file));
        assertArrayEquals(expected.shape, new int[] {got.height(), got.width()}, file);
        PixelStats.compare(file, expected.bytes(), got.toArray()).assertExact();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lanczosCases")
    void lanczosMatchesPil(String fixture) throws IOException {
        Object[] c = parseResizeCase(fixture);
        NpyFile expected = NpyFile.read(fixtures().resolve("lanczos").resolve(fixture));
        ByteImage in = ImageDecoder.decodeRgb(source((String) c[0]));
        if (expected.shape.length == 2) {
            in = ImageDecoder.decodeGray(source((String) c[0]));
        }
        ByteImage got = PilResample.lanczos(in, (int) c[1], (int) c[2]);
        int[] gotShape = got.channels() == 1
                ? new int[] {got.height(), got.width()}
                : new int[] {got.height(), got.width(), got.channels()};
        assertArrayEquals(expected.shape, gotShape, fixture);
        PixelStats stats = PixelStats.compare(fixture, expected.bytes(), got.toArray());
        stats.print();
        stats.assertWithinOneLevel(0.999);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nearestCases")
    void nearestEqualsPil(String fixture) throws IOException {
        Object[] c = parseResizeCase(fixture);
        NpyFile expected = NpyFile.read(fixtures().resolve("nearest").resolve(fixture));
        ByteImage in = ImageDecoder.decodeGray(source((String) c[0]));
        ByteImage got = PilResample.nearest(in, (int) c[1], (int) c[2]);
        assertArrayEquals(expected.shape, new int[] {got.height(), got.width()}, fixture);
        PixelStats.compare(fixture, expected.bytes(), got.toArray()).assertExact();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("torchvisionCases")
    void pipelineMatchesTorchvision(String fixture) throws IOException {
        // Names: <img|mask>_<shorter|exact>_<source stem>_s<size>.npy
        String stem = fixture.substring(0, fixture.length() - ".npy".length());
        String[] parts = stem.split("_");
        boolean mask = parts[0].equals("mask");
        ResizeMode mode = parts[1].equals("shorter")
                ? ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP
                : ResizeMode.EXACT;
        int size = Integer.parseInt(parts[parts.length - 1].substring(1));
        String src = String.join("_", Arrays.copyOfRange(parts, 2, parts.length - 1)) + ".png";
        Preprocess pre = new Preprocess(mode, size);
        NpyFile expected = NpyFile.read(fixtures().resolve("tv").resolve(fixture));
        Tensor got = mask
                ? Transforms.toTensor(pre.mask(ImageDecoder.decodeGray(source(src))))
                : Transforms.toImagenetTensor(pre.image(ImageDecoder.decodeRgb(source(src))));
        assertArrayEquals(expected.shape, got.shape().toArray(), fixture);
        float[] e = expected.floats();
        float[] g = got.toFloatArray();
        // One gray level after Normalize: 1 / 255 / min(std) = 0.0175.
        double oneLevel = 1.0 / 255.0 / 0.224 + 1e-6;
        int exact = 0;
        double maxDiff = 0;
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToIntBits(e[i]) == Float.floatToIntBits(g[i])) {
                exact++;
            }
            maxDiff = Math.max(maxDiff, Math.abs(e[i] - g[i]));
        }
        System.out.printf("%-40s %6d values, %.4f%% bit-exact, max diff %.5f%n", fixture,
                e.length, 100.0 * exact / e.length, maxDiff);
        if (mask) {
            assertEquals(e.length, exact, fixture + ": mask values must be bit-exact");
        } else {
            assertTrue(maxDiff <= oneLevel, fixture + ": max diff " + maxDiff);
            assertTrue(exact >= 0.999 * e.length, fixture + ": only " + exact + " of "
                    + e.length + " values bit-exact");
        }
    }
}
