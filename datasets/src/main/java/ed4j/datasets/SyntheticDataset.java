package ed4j.datasets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deterministic synthetic anomaly data set in the MVTec layout, for demos and end-to-end
 * tests: procedural textures ({@code fabric}, {@code wood}) and objects ({@code nut}, {@code
 * pill}) with defects of six kinds ({@link DefectKind}) and their exact masks.
 *
 * <p>Written layout, read back with {@link #layout()}:
 *
 * <pre>
 * root/synthetic.properties                  the config (written last)
 * root/&lt;class&gt;/train/good/000.png ...
 * root/&lt;class&gt;/test/good/000.png ...
 * root/&lt;class&gt;/test/&lt;defect&gt;/000.png ...
 * root/&lt;class&gt;/ground_truth/&lt;defect&gt;/000_mask.png  (0 or 255)
 * </pre>
 *
 * <p>Each image is drawn from its own seed, derived from the config's seed, the class name, the
 * folder and the index, so the output is the same whatever the number of threads, and adding a
 * class changes no other. Normal images vary in placement, rotation, lighting gain (+-14%) and
 * colour cast; defects cover about 0.1-2% of an image and use colours of the scene's range, so
 * global image statistics do not give them away, while the change inside the mask is clearly
 * visible (tens of gray levels). Pixels outside a mask equal the defect-free rendering of the
 * same image exactly.
 */
public final class SyntheticDataset {

    /** The classes the generator can draw. */
    public static final List<String> CLASSES = List.of("fabric", "wood", "nut", "pill");

    private static final Logger LOG = LoggerFactory.getLogger(SyntheticDataset.class);
    private static final String MANIFEST = "synthetic.properties";

    private SyntheticDataset() {}

    /** What {@link #generate} did. */
    public record Generated(Path root, int imagesWritten, boolean reused) {}

    /** The layout to read a generated data set with: MVTec-style, any class name. */
    public static DatasetLayout layout() {
        return DatasetLayout.mvtecStyle().toBuilder().imageExtensions("png").build();
    }

    /**
     * Writes the data set described by {@code config} under {@code root}. When {@code root}
     * already holds the data set of an equal config (its {@code synthetic.properties} matches),
     * nothing is written.
     *
     * @throws DatasetException when {@code root} is not empty and holds no data set of this
     *     config
     * @throws IOException when a file cannot be written
     */
    public static Generated generate(Path root, SyntheticConfig config) throws IOException {
        String manifest = manifest(config);
        Path manifestFile = root.resolve(MANIFEST);
        if (Files.isRegularFile(manifestFile)
                && Files.readString(manifestFile, StandardCharsets.UTF_8).equals(manifest)) {
            LOG.info("synthetic data set of this config already in {}", root);
            return new Generated(root, 0, true);
        }
        if (Files.isDirectory(root)) {
            try (Stream<Path> entries = Files.list(root)) {
                if (entries.findAny().isPresent()) {
                    throw new DatasetException("cannot generate into " + root + ": the folder is "
                            + "not empty and holds no synthetic data set of this config");
                }
            }
        }
        Files.createDirectories(root);
        long start = System.nanoTime();
        List<Job> jobs = jobs(config);
        try {
            jobs.parallelStream().forEach(job -> {
                try {
                    write(root, config.imageSize(), job);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        Files.writeString(manifestFile, manifest, StandardCharsets.UTF_8);
        LOG.info("wrote {} synthetic images ({} classes, {} px) to {} in {} ms", jobs.size(),
                config.classes().size(), config.imageSize(), root,
                (System.nanoTime() - start) / 1_000_000);
        return new Generated(root, jobs.size(), false);
    }

    /** One image to draw: class, split folder, type folder, index, defect (null for none). */
    private record Job(String cls, Split split, String type, int index, DefectKind defect,
            long seed) {}

    private static List<Job> jobs(SyntheticConfig c) {
        List<Job> jobs = new ArrayList<>();
        for (String cls : c.classes()) {
            for (int i = 0; i < c.trainCount(); i++) {
                jobs.add(job(c, cls, Split.TRAIN, "good", i, null, 0));
            }
            for (int i = 0; i < c.testGoodCount(); i++) {
                jobs.add(job(c, cls, Split.TEST, "good", i, null, 1));
            }
            for (DefectKind d : c.defects()) {
                for (int i = 0; i < c.testDefectCount(); i++) {
                    jobs.add(job(c, cls, Split.TEST, d.folderName(), i, d, 2 + d.ordinal()));
                }
            }
        }
        return jobs;
    }

    private static Job job(SyntheticConfig c, String cls, Split split, String type, int index,
            DefectKind defect, int folderCode) {
        return new Job(cls, split, type, index, defect,
                imageSeed(c.seed(), cls, folderCode, index));
    }

    /** The seed of one image; independent of all other images' parameters. */
    static long imageSeed(long seed, String cls, int folderCode, int index) {
        long z = seed;
        z = mix(z ^ cls.hashCode());
        z = mix(z ^ folderCode);
        return mix(z ^ index);
    }

    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Draws one image of a class, for tests and previews; {@code defect} may be null. */
    static SyntheticRenderer.Rendered render(String cls, int size, long seed, DefectKind defect) {
        return new SyntheticRenderer(size).render(cls, seed, defect);
    }

    private static void write(Path root, int size, Job job) throws IOException {
        SyntheticRenderer.Rendered r = new SyntheticRenderer(size).render(job.cls(), job.seed(),
                job.defect());
        String name = String.format("%03d", job.index());
        Path dir = root.resolve(job.cls()).resolve(job.split().dirName()).resolve(job.type());
        Files.createDirectories(dir);
        writePng(r.image(), dir.resolve(name + ".png"));
        if (job.defect() != null) {
            Path maskDir = root.resolve(job.cls()).resolve("ground_truth").resolve(job.type());
            Files.createDirectories(maskDir);
            writePng(r.mask(), maskDir.resolve(name + "_mask.png"));
        }
    }

    /** Writes an 8-bit gray or RGB image as PNG. */
    static void writePng(ByteImage image, Path file) throws IOException {
        PngWriter.write(image, file);
    }

    private static String manifest(SyntheticConfig c) {
        List<String> defects = c.defects().stream().map(DefectKind::folderName).toList();
        return "# ed4j synthetic anomaly data set\n"
                + "version=1\n"
                + "classes=" + String.join(",", c.classes()) + "\n"
                + "imageSize=" + c.imageSize() + "\n"
                + "trainCount=" + c.trainCount() + "\n"
                + "testGoodCount=" + c.testGoodCount() + "\n"
                + "testDefectCount=" + c.testDefectCount() + "\n"
                + "defects=" + String.join(",", defects) + "\n"
                + "seed=" + c.seed() + "\n";
    }
}
