package ed4j.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The samples of one class and split of a data set, read from its folder layout. Only the
 * folder structure and (optionally) the image headers are read here; decoding is the job of a
 * {@link SampleDecoder} in a {@link DataLoader}.
 *
 * <p>Samples are ordered by type folder, then file name, so a scan is deterministic.
 *
 * <p>Errors: a missing directory, a class that is not there (the message lists the classes
 * found), or a split without images fail with a {@link DatasetException}; an invalid image or
 * mask fails with an {@link InvalidSampleException} naming the file, or is skipped and counted
 * when {@link ScanOptions#skipInvalid()} is set. Nothing is left out silently: files with other
 * extensions are reported in one warning per folder.
 */
public final class AnomalyDataset {

    private static final Logger LOG = LoggerFactory.getLogger(AnomalyDataset.class);

    private final Path root;
    private final DatasetLayout layout;
    private final String className;
    private final Split split;
    private final List<Sample> samples;
    private final List<SkippedFile> skipped;

    private AnomalyDataset(Path root, DatasetLayout layout, String className, Split split,
            List<Sample> samples, List<SkippedFile> skipped) {
        this.root = root;
        this.layout = layout;
        this.className = className;
        this.split = split;
        this.samples = List.copyOf(samples);
        this.skipped = List.copyOf(skipped);
    }

    /** {@link #scan(Path, DatasetLayout, String, Split, ScanOptions)} with strict options. */
    public static AnomalyDataset scan(Path root, DatasetLayout layout, String className,
            Split split) throws IOException {
        return scan(root, layout, className, split, ScanOptions.STRICT);
    }

    /**
     * The samples of {@code className}/{@code split} under {@code root}.
     *
     * @throws DatasetException when the root, class or split folder is missing, the class is
     *     not one of the layout's, or the split holds no usable image
     * @throws InvalidSampleException for an invalid file when not skipping
     * @throws IOException when a folder cannot be listed
     */
    public static AnomalyDataset scan(Path root, DatasetLayout layout, String className,
            Split split, ScanOptions options) throws IOException {
        Path splitDir = checkFolders(root, layout, className, split);
        List<Sample> samples = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>();
        int found = 0;
        for (Path typeDir : subdirectories(splitDir)) {
            String type = typeDir.getFileName().toString();
            Path imageDir = layout.imageDir(root, className, split, type);
            if (!Files.isDirectory(imageDir)) {
                throw new DatasetException("missing directory " + imageDir + " (expected "
                        + layout.convention() + ")");
            }
            List<Path> ignored = new ArrayList<>();
            for (Path image : files(imageDir)) {
                if (!layout.isImageFile(image)) {
                    ignored.add(image);
                    continue;
                }
                found++;
                try {
                    samples.add(sample(root, layout, className, split, type, image, options));
                } catch (InvalidSampleException e) {
                    if (!options.skipInvalid()) {
                        throw e;
                    }
                    LOG.warn("skipping {}", e.getMessage());
                    skipped.add(new SkippedFile(e.file(), e.getMessage()));
                }
            }
            if (!ignored.isEmpty()) {
                LOG.warn("ignored {} file(s) in {} without an extension in {}, e.g. {}",
                        ignored.size(), imageDir, layout.imageExtensions(),
                        ignored.get(0).getFileName());
            }
        }
        if (found == 0) {
            throw new DatasetException("no images in " + splitDir + " (expected "
                    + layout.convention() + ")");
        }
        if (samples.isEmpty()) {
            throw new DatasetException("all " + found + " images in " + splitDir
                    + " are invalid and were skipped; first: " + skipped.get(0).reason());
        }
        if (!skipped.isEmpty()) {
            LOG.warn("{} of {} images in {} skipped as invalid", skipped.size(), found,
                    splitDir);
        }
        return new AnomalyDataset(root, layout, className, split, samples, skipped);
    }

    private static Path checkFolders(Path root, DatasetLayout layout, String className,
            Split split) throws IOException {
        requireRoot(root, "one folder per class in the " + layout.convention());
        if (!layout.classes().isEmpty() && !layout.classes().contains(className)) {
            throw new DatasetException("'" + className + "' is not a " + layout.name()
                    + " class; its classes are " + layout.classes()
                    + "; for other class names use DatasetLayout.mvtecStyle()");
        }
        Path classDir = root.resolve(className);
        if (!Files.isDirectory(classDir)) {
            List<String> found = classesFound(root);
            throw new DatasetException("class '" + className + "' not found in " + root
                    + "; classes found: " + (found.isEmpty() ? "none" : String.join(", ", found))
                    + " (a class is a folder holding train/ or test/)");
        }
        Path splitDir = classDir.resolve(split.dirName());
        if (!Files.isDirectory(splitDir)) {
            throw new DatasetException("missing directory " + splitDir + " (expected "
                    + layout.convention() + ")");
        }
        return splitDir;
    }

    private static Sample sample(Path root, DatasetLayout layout, String className, Split split,
            String type, Path image, ScanOptions options) throws InvalidSampleException {
        int label = layout.label(type);
        Optional<Path> mask = Optional.empty();
        ImageDecoder.Size imageSize = options.checkHeaders() ? ImageDecoder.readSize(image) : null;
        if (label == 1) {
            String stem = Sample.stemOf(image);
            List<Path> candidates = layout.maskCandidates(root, className, split, type, stem);
            Path found = null;
            for (Path c : candidates) {
                if (Files.isRegularFile(c)) {
                    found = c;
                    break;
                }
            }
            if (found == null) {
                throw new InvalidSampleException(image, "missing mask; expected "
                        + String.join(" or ", candidates.stream().map(Path::toString).toList()));
            }
            if (imageSize != null) {
                ImageDecoder.Size maskSize = ImageDecoder.readSize(found);
                if (!maskSize.equals(imageSize)) {
                    throw new InvalidSampleException(found, "mask is " + maskSize
                            + " but its image " + image.getFileName() + " is " + imageSize);
                }
            }
            mask = Optional.of(found);
        }
        return new Sample(image, className, split, type, label, mask);
    }

    /**
     * The class folders under {@code root}: subfolders holding a {@code train} or {@code test}
     * folder, sorted by name.
     *
     * @throws DatasetException when {@code root} is not a folder
     * @throws IOException when the root cannot be listed
     */
    public static List<String> classesFound(Path root) throws IOException {
        requireRoot(root, "one folder per class");
        List<String> out = new ArrayList<>();
        for (Path d : subdirectories(root)) {
            if (Files.isDirectory(d.resolve(Split.TRAIN.dirName()))
                    || Files.isDirectory(d.resolve(Split.TEST.dirName()))) {
                out.add(d.getFileName().toString());
            }
        }
        return out;
    }

    private static void requireRoot(Path root, String expected) throws DatasetException {
        if (!Files.isDirectory(root)) {
            throw new DatasetException("data set root " + root
                    + (Files.exists(root) ? " is not a directory" : " does not exist")
                    + " (expected " + expected + ")");
        }
    }

    private static List<Path> subdirectories(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !Files.isDirectory(p))
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted()
                    .toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** The data set root folder. */
    public Path root() {
        return root;
    }

    /** The layout the folder was read with. */
    public DatasetLayout layout() {
        return layout;
    }

    /** The class (product category). */
    public String className() {
        return className;
    }

    /** The split. */
    public Split split() {
        return split;
    }

    /** The samples, ordered by type folder then file name. */
    public List<Sample> samples() {
        return samples;
    }

    /** Number of samples. */
    public int size() {
        return samples.size();
    }

    /** The files skipped as invalid (empty unless skipping was asked for). */
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /** The decoder matching this data set's layout at input size {@code size}. */
    public SampleDecoder decoder(int size) {
        return SampleDecoder.standard(layout.preprocess(size));
    }

    @Override
    public String toString() {
        return layout.name() + " " + className + "/" + split.dirName() + ": " + samples.size()
                + " samples (" + samples.stream().filter(Sample::isAnomalous).count()
                + " anomalous, " + skipped.size() + " skipped)";
    }
}
