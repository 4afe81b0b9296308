package ed4j.datasets;

import java.util.List;

/**
 * What {@link SyntheticDataset#generate} writes.
 *
 * @param classes class names, each one of {@link SyntheticDataset#CLASSES}
 * @param imageSize side of the square images, in pixels (at least 32)
 * @param trainCount normal training images per class
 * @param testGoodCount normal test images per class
 * @param testDefectCount test images per class and defect kind
 * @param defects the defect kinds, each a test folder
 * @param seed the seed everything is drawn from
 */
public record SyntheticConfig(
        List<String> classes, int imageSize, int trainCount, int testGoodCount,
        int testDefectCount, List<DefectKind> defects, long seed) {

    /** Checks and copies the arguments. */
    public SyntheticConfig {
        classes = List.copyOf(classes);
        defects = List.copyOf(defects);
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("SyntheticConfig: no classes");
        }
        for (String c : classes) {
            if (!SyntheticDataset.CLASSES.contains(c)) {
                throw new IllegalArgumentException("SyntheticConfig: unknown class '" + c
                        + "'; available: " + SyntheticDataset.CLASSES);
            }
        }
        if (imageSize < 32) {
            throw new IllegalArgumentException(
                    "SyntheticConfig: imageSize must be at least 32, got " + imageSize);
        }
        if (trainCount < 1 || testGoodCount < 0 || testDefectCount < 0) {
            throw new IllegalArgumentException("SyntheticConfig: need trainCount >= 1 and "
                    + "non-negative test counts, got " + trainCount + ", " + testGoodCount + ", "
                    + testDefectCount);
        }
        if (testDefectCount > 0 && defects.isEmpty()) {
            throw new IllegalArgumentException(
                    "SyntheticConfig: testDefectCount > 0 needs at least one defect kind");
        }
    }

    /**
     * All four classes at 256 px, 40 training images, 10 normal and 3 per defect kind test
     * images per class, all six defect kinds, seed 0: 272 images.
     */
    public static SyntheticConfig defaults() {
        return new SyntheticConfig(SyntheticDataset.CLASSES, 256, 40, 10, 3,
                List.of(DefectKind.values()), 0L);
    }

    /** This config with other classes. */
    public SyntheticConfig withClasses(String... names) {
        return new SyntheticConfig(List.of(names), imageSize, trainCount, testGoodCount,
                testDefectCount, defects, seed);
    }

    /** This config with another image size. */
    public SyntheticConfig withImageSize(int size) {
        return new SyntheticConfig(classes, size, trainCount, testGoodCount, testDefectCount,
                defects, seed);
    }

    /** This config with other image counts per class. */
    public SyntheticConfig withCounts(int train, int testGood, int testDefectPerKind) {
        return new SyntheticConfig(classes, imageSize, train, testGood, testDefectPerKind,
                defects, seed);
    }

    /** This config with other defect kinds. */
    public SyntheticConfig withDefects(DefectKind... kinds) {
        return new SyntheticConfig(classes, imageSize, trainCount, testGoodCount,
                testDefectCount, List.of(kinds), seed);
    }

    /** This config with another seed. */
    public SyntheticConfig withSeed(long newSeed) {
        return new SyntheticConfig(classes, imageSize, trainCount, testGoodCount,
                testDefectCount, defects, newSeed);
    }

    /** Images per class. */
    public int imagesPerClass() {
        return trainCount + testGoodCount + testDefectCount * defects.size();
    }
}
