package ed4j.ed.cli;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.DatasetLayout;
import ed4j.datasets.ScanOptions;
import ed4j.datasets.Split;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** Where the images are and how they are prepared. */
final class DataOptions {

    @Option(names = "--dataset", defaultValue = "mvtec", paramLabel = "KIND",
            description = "Layout of --data-path: mvtec, btad, mvtec3d or folder (any class "
                    + "names in the MVTec layout). Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--data-path", paramLabel = "DIR",
            description = "Root folder of the data set (holding one folder per class).")
    Path dataPath;

    @Option(names = "--class-name", split = ",", paramLabel = "CLASS",
            description = "Class(es) to use, comma-separated. Default: every class of the "
                    + "data set.")
    List<String> classNames;

    @Option(names = "--inp-size", defaultValue = "256", paramLabel = "PX",
            description = "Input size in pixels, a multiple of 16. Default: ${DEFAULT-VALUE}.")
    int inpSize;

    @Option(names = "--workers", defaultValue = "2", paramLabel = "N",
            description = "Image decoding threads. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--skip-invalid",
            description = "Skip unreadable images and bad masks with a warning instead of "
                    + "stopping.")
    boolean skipInvalid;

    DatasetLayout layout() {
        return switch (dataset.toLowerCase(Locale.ROOT)) {
            case "mvtec" -> DatasetLayout.MVTEC_AD;
            case "btad" -> DatasetLayout.BTAD;
            case "mvtec3d" -> DatasetLayout.MVTEC_3D_RGB;
            case "folder" -> DatasetLayout.mvtecStyle();
            default -> throw new IllegalArgumentException(
                    "unknown --dataset '" + dataset + "'; expected mvtec, btad, mvtec3d or "
                            + "folder");
        };
    }

    Path root() {
        if (dataPath == null) {
            throw new IllegalArgumentException("--data-path is required: the folder that holds "
                    + "the data set's class folders");
        }
        return dataPath;
    }

    void checkSize() {
        if (inpSize <= 0 || inpSize % 16 != 0) {
            throw new IllegalArgumentException(
                    "--inp-size " + inpSize + " is not a positive multiple of 16 (the backbone "
                            + "strides are 8 and 16); try " + Math.max(16, inpSize / 16 * 16));
        }
    }

    /** The requested classes, or every class found under the root. */
    List<String> classes() throws IOException {
        DatasetLayout layout = layout();
        if (classNames != null && !classNames.isEmpty()) {
            for (String name : classNames) {
                if (!layout.classes().isEmpty() && !layout.classes().contains(name)) {
                    throw new IllegalArgumentException("--class-name '" + name + "' is not a "
                            + dataset + " class; its classes are " + layout.classes()
                            + "; for other class names in the same layout use --dataset folder");
                }
            }
            return classNames;
        }
        if (!layout.classes().isEmpty()) {
            List<String> present = AnomalyDataset.classesFound(root());
            List<String> known = layout.classes().stream().filter(present::contains).toList();
            if (known.isEmpty()) {
                throw new IllegalArgumentException(
                        "no " + layout.name() + " class found under " + root() + " (expected "
                                + "folders named " + layout.classes() + "; found " + present
                                + ")");
            }
            return known;
        }
        List<String> found = AnomalyDataset.classesFound(root());
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no class folder found under " + root());
        }
        return found;
    }

    AnomalyDataset scan(String cls, Split split) throws IOException {
        checkSize();
        return AnomalyDataset.scan(root(), layout(), cls, split,
                skipInvalid ? ScanOptions.SKIP_INVALID : ScanOptions.STRICT);
    }
}
