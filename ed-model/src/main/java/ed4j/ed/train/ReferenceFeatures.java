package ed4j.ed.train;

import ed4j.nn.io.SafeTensors;
import ed4j.tensor.DType;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The normal prototypes of one class (ED-SPEC section 2): per level, the mean over the training
 * images of the pooled backbone features, a {@code (C, L)} array. Stored as
 * {@code <dir>/<class>.safetensors} with keys {@code level0}, {@code level1}, ... and the class,
 * backbone and input size in the metadata, so that a mismatch is caught on load.
 */
public final class ReferenceFeatures {

    private final List<Tensor> levels;
    private final Map<String, String> metadata;

    public ReferenceFeatures(List<Tensor> levels, Map<String, String> metadata) {
        this.levels = List.copyOf(levels);
        this.metadata = Map.copyOf(metadata);
    }

    /** One {@code (C, L)} tensor per level. */
    public List<Tensor> levels() {
        return levels;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The file of a class under {@code dir}. */
    public static Path fileFor(Path dir, String className) {
        return dir.resolve(className + ".safetensors");
    }

    /**
     * The mean of the cached training tokens: per level {@code (L, C)} tokens averaged over
     * images (in double) and transposed to {@code (C, L)}.
     */
    public static ReferenceFeatures compute(FeatureCache cache, Map<String, String> metadata) {
        if (cache.size() == 0) {
            throw new IllegalArgumentException("reference features: no training images");
        }
        List<Tensor> sums = null;
        for (int i = 0; i < cache.size(); i++) {
            List<Tensor> item = cache.get(i);
            if (sums == null) {
                sums = new ArrayList<>();
                for (Tensor t : item) {
                    sums.add(t.to(DType.FLOAT64));
                }
            } else {
                for (int l = 0; l < item.size(); l++) {
                    sums.set(l, sums.get(l).add(item.get(l).to(DType.FLOAT64)));
                }
            }
        }
        List<Tensor> means = new ArrayList<>();
        for (Tensor s : sums) {
            means.add(s.div(cache.size()).to(DType.FLOAT32).mT().contiguous());
        }
        return new ReferenceFeatures(means, metadata);
    }

    /** Writes {@code <dir>/<class>.safetensors} atomically. */
    public void save(Path dir, String className) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (int i = 0; i < levels.size(); i++) {
            m.put("level" + i, levels.get(i));
        }
        SafeTensors.write(fileFor(dir, className), m, metadata);
    }

    /**
     * Reads the reference features of {@code className} and checks them against what the model
     * expects.
     *
     * @param expectedShapes {@code {C, L}} per level
     * @throws IOException naming the file when it is missing
     * @throws IllegalArgumentException naming the file, the level and both shapes when they do
     *     not fit, or when the file belongs to another class
     */
    public static ReferenceFeatures load(Path dir, String className, int[][] expectedShapes)
            throws IOException {
        Path file = fileFor(dir, className);
        if (!Files.isRegularFile(file)) {
            throw new IOException("reference features " + file + " do not exist; compute them "
                    + "with the ref-features command or point --rfeatures-path elsewhere");
        }
        Map<String, String> meta;
        List<Tensor> levels = new ArrayList<>();
        try (SafeTensors st = SafeTensors.open(file)) {
            meta = st.metadata();
            String cls = meta.get("class");
            if (cls != null && !cls.equals(className)) {
                throw new IllegalArgumentException(
                        file + " holds the reference features of class '" + cls + "', not '"
                                + className + "'");
            }
            for (int i = 0; st.names().contains("level" + i); i++) {
                levels.add(st.get("level" + i));
            }
        }
        if (levels.size() != expectedShapes.length) {
            throw new IllegalArgumentException(
                    file + " has " + levels.size() + " level(s) (keys level0..), the model "
                            + "expects " + expectedShapes.length);
        }
        for (int i = 0; i < levels.size(); i++) {
            Tensor t = levels.get(i);
            int[] e = expectedShapes[i];
            if (t.rank() != 2 || t.size(0) != e[0] || t.size(1) != e[1]) {
                throw new IllegalArgumentException(
                        file + ": level" + i + " has shape " + t.shape() + ", expected (" + e[0]
                                + ", " + e[1] + ") (channels, tokens); were they made with another"
                                + " backbone or input size?");
            }
        }
        return new ReferenceFeatures(levels, meta);
    }
}
