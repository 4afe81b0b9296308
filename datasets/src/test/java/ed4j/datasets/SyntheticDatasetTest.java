package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticDatasetTest {

    @TempDir
    Path tmp;

    private static final SyntheticConfig SMALL = SyntheticConfig.defaults()
            .withClasses("fabric", "nut")
            .withImageSize(48)
            .withCounts(3, 2, 1)
            .withDefects(DefectKind.SCRATCH, DefectKind.MISSING, DefectKind.STAIN)
            .withSeed(11);

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }

    @Test
    void generationIsDeterministicAndWritesTheMvtecLayout() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        SyntheticDataset.Generated g = SyntheticDataset.generate(a, SMALL);
        SyntheticDataset.generate(b, SMALL);
        assertEquals(2 * (3 + 2 + 3), g.imagesWritten());
        List<Path> fa = files(a);
        assertEquals(fa, files(b));
        // images + masks + manifest
        assertEquals(2 * (3 + 2 + 3) + 2 * 3 + 1, fa.size());
        for (Path f : fa) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)),
                    f.toString());
        }
        assertTrue(Files.isRegularFile(a.resolve("nut/ground_truth/missing/000_mask.png")));

        AnomalyDataset train = AnomalyDataset.scan(a, SyntheticDataset.layout(), "nut",
                Split.TRAIN);
        assertEquals(3, train.size());
        AnomalyDataset test = AnomalyDataset.scan(a, SyntheticDataset.layout(), "fabric",
                Split.TEST);
        assertEquals(5, test.size());
        assertEquals(3, test.samples().stream().filter(Sample::isAnomalous).count());
        ByteImage mask = ImageDecoder.decodeGray(
                a.resolve("fabric/ground_truth/scratch/000_mask.png"));
        assertEquals(48, mask.width());
        for (byte v : mask.toArray()) {
            assertTrue(v == 0 || v == (byte) 255);
        }
    }

    @Test
    void seedsAndClassesAreIndependent() throws IOException {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        Path other = tmp.resolve("other");
        SyntheticDataset.generate(one, SMALL.withClasses("fabric"));
        SyntheticDataset.generate(two, SMALL.withClasses("wood", "fabric"));
        SyntheticDataset.generate(other, SMALL.withClasses("fabric").withSeed(12));
        Path f = Path.of("fabric/test/stain/000.png");
        // Adding a class changes no image of another class.
        assertArrayEquals(Files.readAllBytes(one.resolve(f)), Files.readAllBytes(two.resolve(f)));
        // Another seed draws other images.
        assertFalse(Arrays.equals(Files.readAllBytes(one.resolve(f)),
                Files.readAllBytes(other.resolve(f))));
    }

    @Test
    void existingDataSetIsReusedAndForeignFoldersAreRefused() throws IOException {
        Path root = tmp.resolve("d");
        SyntheticConfig c = SMALL.withClasses("pill").withCounts(1, 0, 0);
        assertFalse(SyntheticDataset.generate(root, c).reused());
        SyntheticDataset.Generated again = SyntheticDataset.generate(root, c);
        assertTrue(again.reused());
        assertEquals(0, again.imagesWritten());
        DatasetException e = assertThrows(DatasetException.class,
                () -> SyntheticDataset.generate(root, c.withSeed(99)));
        assertTrue(e.getMessage().contains(root.toString()), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SMALL.withClasses("carpet"));
    }

    @Test
    void masksAreExactAndDefectsVisible() {
        int size = 64;
        for (String cls : SyntheticDataset.CLASSES) {
            for (DefectKind kind : DefectKind.values()) {
                for (int seed = 0; seed < 3; seed++) {
                    SyntheticRenderer.Rendered r = SyntheticDataset.render(cls, size,
                            1000 * seed + kind.ordinal(), kind);
                    String what = cls + "/" + kind + "/" + seed;
                    int area = 0;
                    long change = 0;
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            boolean in = r.mask().get(x, y, 0) != 0;
                            for (int c = 0; c < 3; c++) {
                                int d = Math.abs(r.image().get(x, y, c) - r.clean().get(x, y, c));
                                if (!in) {
                                    assertEquals(0, d, what + ": changed outside the mask at "
                                            + x + "," + y);
                                }
                                change += in ? d : 0;
                            }
                            area += in ? 1 : 0;
                        }
                    }
                    double fraction = (double) area / (size * size);
                    double meanChange = (double) change / (3.0 * Math.max(area, 1));
                    assertTrue(fraction > 0.0005 && fraction < 0.04,
                            what + ": mask covers " + fraction);
                    assertTrue(meanChange >= 20, what + ": mean change " + meanChange);
                }
            }
        }
    }

    @Test
    void globalStatisticsDoNotRevealDefects() {
        int size = 64;
        for (String cls : SyntheticDataset.CLASSES) {
            List<double[]> normal = new ArrayList<>();
            List<double[]> defective = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                normal.add(meanAndStd(SyntheticDataset.render(cls, size, 500 + i, null).image()));
                DefectKind kind = DefectKind.values()[i % DefectKind.values().length];
                defective.add(meanAndStd(SyntheticDataset.render(cls, size, 900 + i, kind)
                        .image()));
            }
            for (int stat = 0; stat < 2; stat++) {
                double auroc = auroc(normal, defective, stat);
                assertTrue(auroc > 0.25 && auroc < 0.75,
                        cls + ": AUROC of global " + (stat == 0 ? "mean" : "std") + " is "
                                + auroc);
            }
        }
    }

    private static double[] meanAndStd(ByteImage im) {
        byte[] b = im.toArray();
        double s = 0;
        double s2 = 0;
        for (byte v : b) {
            s += v & 0xFF;
            s2 += (v & 0xFF) * (v & 0xFF);
        }
        double mean = s / b.length;
        return new double[] {mean, Math.sqrt(s2 / b.length - mean * mean)};
    }

    /** P(defective score > normal score), ties counted half: a naive AUROC. */
    private static double auroc(List<double[]> normal, List<double[]> defective, int stat) {
        double wins = 0;
        for (double[] d : defective) {
            for (double[] n : normal) {
                wins += d[stat] > n[stat] ? 1 : d[stat] == n[stat] ? 0.5 : 0;
            }
        }
        return wins / (normal.size() * defective.size());
    }

    @Test
    void generatedDataLoadsEndToEnd() throws IOException {
        Path root = tmp.resolve("e2e");
        SyntheticDataset.generate(root, SMALL.withClasses("nut"));
        AnomalyDataset test = AnomalyDataset.scan(root, SyntheticDataset.layout(), "nut",
                Split.TEST);
        try (DataLoader loader = DataLoader.builder(test, 32).batchSize(5).workers(2).build()) {
            Batch b = loader.iterator().next();
            assertArrayEquals(new int[] {5, 3, 32, 32}, b.images().shape().toArray());
            for (int i = 0; i < 5; i++) {
                double maskSum = b.masks().select(0, i).sum().item();
                assertEquals(b.samples().get(i).isAnomalous(), maskSum > 0,
                        b.samples().get(i).image().toString());
            }
        }
    }
}
