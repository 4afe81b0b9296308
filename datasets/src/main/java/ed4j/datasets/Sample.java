package ed4j.datasets;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One image of a data set as found in its folder layout, before any decoding.
 *
 * @param image the image file
 * @param className the class (product category), e.g. {@code bottle}
 * @param split the split the image belongs to
 * @param defectType the folder the image lies in: the normal type ({@code good}, {@code ok}) or
 *     a defect type such as {@code broken_large}
 * @param label 0 for a normal image, 1 for an anomalous one
 * @param mask the ground-truth mask of an anomalous image; empty for normal images
 */
public record Sample(
        Path image, String className, Split split, String defectType, int label,
        Optional<Path> mask) {

    /** Checks the arguments. */
    public Sample {
        if (image == null || className == null || split == null || defectType == null
                || mask == null) {
            throw new IllegalArgumentException("Sample: no argument may be null");
        }
        if (label != 0 && label != 1) {
            throw new IllegalArgumentException(
                    "Sample " + image + ": label must be 0 or 1, got " + label);
        }
        if (label == 0 && mask.isPresent()) {
            throw new IllegalArgumentException(
                    "Sample " + image + ": a normal image has no mask, got " + mask.get());
        }
    }

    /** The image file name without its extension, e.g. {@code 000} for {@code 000.png}. */
    public String stem() {
        return stemOf(image);
    }

    static String stemOf(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** Whether the image is anomalous (label 1). */
    public boolean isAnomalous() {
        return label == 1;
    }
}
