package ed4j.ed.train;

import ed4j.ed.EdConfig;
import ed4j.ed.EdModel;
import ed4j.nn.io.PthReader;
import ed4j.nn.io.SafeTensors;
import ed4j.nn.optim.Optimizer;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * ED weights on disk. One safetensors file holds every level's state dict under
 * {@code level<i>.<published key>}, optionally the optimizer state under
 * {@code optimizer.<param>.<slot>}, and string metadata (configuration, epoch, threshold). A
 * published PyTorch checkpoint ({@code {'state_dict': [level0, level1]}}) loads as it is.
 *
 * <p>Model widths, heads, layers and branches are read from the weights, so loading needs no
 * width flags; what weights cannot tell (the intra switch, the output projection) comes from the
 * metadata or takes the published default.
 */
public final class EdCheckpoint {

    /** Key prefix of the optimizer state. */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private final List<Map<String, Tensor>> levels;
    private final Map<String, Tensor> optimizer;
    private final Map<String, String> metadata;
    private final Path source;

    private EdCheckpoint(Path source, List<Map<String, Tensor>> levels,
            Map<String, Tensor> optimizer, Map<String, String> metadata) {
        this.source = source;
        this.levels = levels;
        this.optimizer = optimizer;
        this.metadata = metadata;
    }

    /** Each level's state dict, by published key. */
    public List<Map<String, Tensor>> levels() {
        return levels;
    }

    /** The optimizer state (empty when the file holds weights only). */
    public Map<String, Tensor> optimizerState() {
        return optimizer;
    }

    /** String metadata (empty for a published .pth file). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Writes models, optional optimizer state (null for none) and metadata to {@code file},
     * through a temporary file renamed into place, so an interrupted write leaves the previous
     * file intact.
     */
    public static void save(Path file, List<EdModel> models, Optimizer opt,
            Map<String, String> metadata) throws IOException {
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            final int lvl = i;
            models.get(i).stateDict().forEach((k, v) -> all.put("level" + lvl + "." + k, v));
        }
        if (opt != null) {
            opt.stateDict().forEach((k, v) -> all.put(OPTIMIZER_PREFIX + k, v));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        SafeTensors.write(file, all, new TreeMap<>(metadata));
    }

    /**
     * Reads a safetensors checkpoint of this project or a published {@code .pth} file.
     *
     * @throws IOException naming the file when it is missing, unreadable or holds no ED levels
     */
    public static EdCheckpoint load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("checkpoint " + file + " does not exist");
        }
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (name.endsWith(".pth") || name.endsWith(".pt")) {
            return loadPublished(file);
        }
        Map<String, String> meta;
        Map<String, Tensor> all;
        try (SafeTensors st = SafeTensors.open(file)) {
            meta = new LinkedHashMap<>(st.metadata());
            all = new LinkedHashMap<>();
            for (String k : st.names()) {
                all.put(k, st.get(k));
            }
        }
        List<Map<String, Tensor>> levels = new ArrayList<>();
        Map<String, Tensor> opt = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : all.entrySet()) {
            String k = e.getKey();
            if (k.startsWith(OPTIMIZER_PREFIX)) {
                opt.put(k.substring(OPTIMIZER_PREFIX.length()), e.getValue());
                continue;
            }
            int dot = k.indexOf('.');
            if (!k.startsWith("level") || dot < 0) {
                throw new IOException(file + ": key '" + k + "' is neither level<i>.<key> nor "
                        + "optimizer state; is this an ED checkpoint?");
            }
            int lvl;
            try {
                lvl = Integer.parseInt(k.substring(5, dot));
            } catch (NumberFormatException ex) {
                throw new IOException(file + ": key '" + k + "' has no level number", ex);
            }
            while (levels.size() <= lvl) {
                levels.add(new LinkedHashMap<>());
            }
            levels.get(lvl).put(k.substring(dot + 1), e.getValue());
        }
        if (levels.isEmpty()) {
            throw new IOException(file + " holds no ED weights (no level<i>.* keys)");
        }
        return new EdCheckpoint(file, levels, opt, meta);
    }

    private static EdCheckpoint loadPublished(Path file) throws IOException {
        List<Map<String, Tensor>> levels = new ArrayList<>(PthReader.readStateDicts(file));
        return new EdCheckpoint(file, levels, Map.of(), Map.of());
    }

    /**
     * The configuration of each level, from the weights' shapes and the metadata.
     *
     * @param inputSize image size, which fixes the token grids (stride 8 and 16)
     * @throws IllegalArgumentException naming the key that is missing or malformed
     */
    public List<EdConfig> configs(int inputSize) {
        List<EdConfig> out = new ArrayList<>();
        boolean intra = Boolean.parseBoolean(metadata.getOrDefault("with_intra", "true"));
        boolean outProj = Boolean.parseBoolean(metadata.getOrDefault("out_projection", "false"));
        for (int i = 0; i < levels.size(); i++) {
            Map<String, Tensor> sd = levels.get(i);
            Tensor proj = require(sd, i, "embedding.project_embedding.project.weight", 3);
            int d = proj.size(0);
            int c = proj.size(1);
            Tensor sigma = require(sd, i, "encoder.encode_layers.0.self_attention"
                    + ".sigma_projection.weight", 2);
            int heads = sigma.size(0) / 2;
            Tensor fc1 = require(sd, i, "encoder.encode_layers.0.ffn.fc1.weight", 2);
            if (fc1.size(0) % d != 0) {
                throw new IllegalArgumentException(
                        source + ": level " + i + " feed-forward width " + fc1.size(0)
                                + " is not a multiple of the model width " + d);
            }
            int layers = 0;
            while (sd.containsKey("encoder.encode_layers." + layers + ".norm1.weight")) {
                layers++;
            }
            boolean inter = sd.containsKey("ref_embedding.project_embedding.project.weight");
            boolean bias = sd.containsKey(
                    "encoder.encode_layers.0.self_attention.attention_biases");
            int stride = 8 << i;
            int grid = inputSize / stride;
            out.add(new EdConfig(c, d, grid, grid, heads, layers, fc1.size(0) / d, intra, inter,
                    outProj, bias));
        }
        return out;
    }

    private Tensor require(Map<String, Tensor> sd, int level, String key, int rank) {
        Tensor t = sd.get(key);
        if (t == null || t.rank() != rank) {
            throw new IllegalArgumentException(
                    source + ": level " + level + " lacks '" + key + "' of rank " + rank
                            + (t == null ? "" : " (found shape " + t.shape() + ")")
                            + "; is this an ED checkpoint?");
        }
        return t;
    }
}
