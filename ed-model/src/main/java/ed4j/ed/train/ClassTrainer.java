package ed4j.ed.train;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Batch;
import ed4j.datasets.DataLoader;
import ed4j.ed.EdConfig;
import ed4j.ed.EdModel;
import ed4j.ed.TrainStep;
import ed4j.nn.optim.Adam;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the ED models of one class (ED-SPEC section 4).
 *
 * <ol>
 *   <li>The frozen backbone runs once over the training images; their pooled tokens go to a
 *       {@link FeatureCache}.
 *   <li>The class's normal prototypes are loaded, or computed from the cache and saved.
 *   <li>Each epoch walks the cached tokens in a seeded order (a function of the seed and the
 *       epoch only) and runs {@link TrainStep} per batch.
 *   <li>After every epoch the models and the optimizer state go to {@code checkpoint.safetensors}
 *       through a temporary file, so a run killed at any moment resumes from its last finished
 *       epoch and ends with the same weights as an uninterrupted one.
 * </ol>
 */
public final class ClassTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(ClassTrainer.class);

    /** Name of the resumable checkpoint in a class's output folder. */
    public static final String CHECKPOINT = "checkpoint.safetensors";

    /** What training produced. */
    public record Trained(List<EdModel> models, ReferenceFeatures references,
            List<Map<String, Double>> epochLosses, int epochsRun) {}

    private final FeatureExtractor extractor;
    private final TrainConfig cfg;
    private final int inputSize;
    private final Progress progress;
    /** A quarter of the heap bound, at most 2 GiB: the step and the loaders need the rest. */
    private long cacheBudgetBytes = Math.min(2L << 30, Runtime.getRuntime().maxMemory() / 4);
    private int workers = 1;

    public ClassTrainer(FeatureExtractor extractor, TrainConfig cfg, int inputSize,
            Progress progress) {
        if (inputSize <= 0 || inputSize % 16 != 0) {
            throw new IllegalArgumentException(
                    "input size " + inputSize + " is not a positive multiple of 16 (the backbone"
                            + " strides are 8 and 16); try " + Math.max(16, inputSize / 16 * 16));
        }
        this.extractor = extractor;
        this.cfg = cfg;
        this.inputSize = inputSize;
        this.progress = progress;
    }

    /**
     * Heap bytes of cached features before the cache spills to disk; by default a quarter of the
     * heap bound ({@code -Xmx}), at most 2 GiB.
     */
    public ClassTrainer cacheBudget(long bytes) {
        this.cacheBudgetBytes = bytes;
        return this;
    }

    /** Image decoding threads. */
    public ClassTrainer workers(int n) {
        this.workers = n;
        return this;
    }

    /** The models of every level for this configuration, initialised from the seed. */
    public List<EdModel> newModels() {
        Generator g = new Generator(cfg.seed());
        List<EdModel> models = new ArrayList<>();
        int[] ch = extractor.channels();
        if (cfg.widths().length != ch.length) {
            throw new IllegalArgumentException(
                    cfg.widths().length + " model widths for " + ch.length + " feature levels");
        }
        for (int i = 0; i < ch.length; i++) {
            EdConfig c = cfg.level(i, ch[i], FeatureExtractor.grid(i, inputSize));
            EdModel m = new EdModel(c, g);
            m.to(extractor.device());
            models.add(m);
        }
        return models;
    }

    /** Runs the backbone over every image of {@code data} into a cache. */
    public FeatureCache extract(AnomalyDataset data, Path spillDir) {
        FeatureCache cache = new FeatureCache(cacheBudgetBytes, spillDir);
        try (DataLoader loader = DataLoader.builder(data, inputSize).batchSize(cfg.batchSize())
                .workers(workers).build();
                Progress.Task task = progress.start(data.className() + " features",
                        data.size(), "img")) {
            for (Batch b : loader) {
                List<Tensor> tokens = extractor.tokens(b.images());
                for (int i = 0; i < b.size(); i++) {
                    List<Tensor> item = new ArrayList<>();
                    for (Tensor t : tokens) {
                        item.add(t.select(0, i));
                    }
                    cache.add(item);
                }
                task.step(b.size());
            }
        }
        return cache;
    }

    /**
     * Trains on {@code train} with outputs in {@code outDir}.
     *
     * @param references the class's prototypes, or null to compute them from the training set
     * @param resume continue from {@code outDir/checkpoint.safetensors} when it exists
     */
    public Trained train(AnomalyDataset train, ReferenceFeatures references, Path outDir,
            boolean resume, Map<String, String> runMetadata) throws IOException {
        Files.createDirectories(outDir);
        String cls = train.className();
        try (FeatureCache cache = extract(train, outDir.resolve("feature-cache"))) {
            if (cache.spills()) {
                LOG.info("{}: training features exceed the memory budget; part of them is on "
                        + "disk", cls);
            }
            ReferenceFeatures refs = references;
            if (refs == null) {
                Map<String, String> meta = new LinkedHashMap<>(runMetadata);
                meta.put("class", cls);
                refs = ReferenceFeatures.compute(cache, meta);
            }
            List<EdModel> models = newModels();
            Adam adam = new Adam(TrainStep.parameters(models), cfg.lr());
            int start = 0;
            Path ckpt = outDir.resolve(CHECKPOINT);
            if (resume && Files.isRegularFile(ckpt)) {
                start = restore(ckpt, models, adam);
                LOG.info("{}: resuming after epoch {} from {}", cls, start, ckpt);
            }
            List<Map<String, Double>> history = new ArrayList<>();
            for (int epoch = start; epoch < cfg.epochs(); epoch++) {
                history.add(runEpoch(cls, epoch, cache, models, adam, refs.levels(), ckpt));
                Map<String, String> meta = new LinkedHashMap<>(runMetadata);
                meta.putAll(cfg.toMetadata());
                meta.put("class", cls);
                meta.put("epoch", Integer.toString(epoch + 1));
                EdCheckpoint.save(ckpt, models, adam, meta);
                appendLog(outDir.resolve("train_log.jsonl"), cls, epoch + 1, history.get(
                        history.size() - 1));
            }
            return new Trained(models, refs, history, cfg.epochs() - start);
        }
    }

    private int restore(Path ckpt, List<EdModel> models, Adam adam) throws IOException {
        EdCheckpoint c = EdCheckpoint.load(ckpt);
        Map<String, String> saved = c.metadata();
        Map<String, String> now = cfg.toMetadata();
        for (Map.Entry<String, String> e : now.entrySet()) {
            if (e.getKey().equals("epochs")) {
                continue;
            }
            String old = saved.get(e.getKey());
            if (old != null && !old.equals(e.getValue())) {
                throw new IllegalArgumentException(
                        ckpt + " was written with " + e.getKey() + "=" + old + ", this run has "
                                + e.getValue() + "; resume with the same settings or start a new "
                                + "run in another --save-prefix");
            }
        }
        if (c.levels().size() != models.size()) {
            throw new IllegalArgumentException(
                    ckpt + " holds " + c.levels().size() + " levels, the model has "
                            + models.size());
        }
        for (int i = 0; i < models.size(); i++) {
            models.get(i).loadStateDict(c.levels().get(i), true);
        }
        adam.loadStateDict(c.optimizerState());
        // NOTE: the published loop zeroes gradients instead of dropping them, so every parameter
        // that was ever updated keeps moving by its momentum when the other level steps (the
        // optimizer steps a gradient that zeroGrad released as zero). A new process has no
        // gradients: give each parameter with optimizer state a zero one, which the first
        // zeroGrad turns into that state, so that a resumed run continues exactly.
        for (Map.Entry<String, ed4j.autograd.Variable> e : adam.params().entrySet()) {
            if (c.optimizerState().containsKey(e.getKey() + ".step")) {
                e.getValue().setGrad(e.getValue().data().zerosLike());
            }
        }
        return Integer.parseInt(saved.getOrDefault("epoch", "0"));
    }

    private Map<String, Double> runEpoch(String cls, int epoch, FeatureCache cache,
            List<EdModel> models, Adam adam, List<Tensor> refs, Path ckpt) {
        models.forEach(m -> m.train(true));
        int[] order = permutation(cache.size(), cfg.seed(), epoch);
        int batches = (order.length + cfg.batchSize() - 1) / cfg.batchSize();
        Map<String, Double> sums = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        try (Progress.Task task = progress.start(String.format(Locale.ROOT, "%s epoch %d/%d",
                cls, epoch + 1, cfg.epochs()), batches, "step")) {
            for (int b = 0; b < batches; b++) {
                int from = b * cfg.batchSize();
                int[] idx = java.util.Arrays.copyOfRange(order, from,
                        Math.min(order.length, from + cfg.batchSize()));
                List<Tensor> tokens = cache.batch(idx);
                List<Tensor> dev = new ArrayList<>();
                for (Tensor t : tokens) {
                    dev.add(t.to(extractor.device()));
                }
                List<Map<String, Double>> terms = TrainStep.run(models, adam, dev, refs,
                        cfg.lambda1(), cfg.lambda2(), cfg.stepMode());
                for (int lvl = 0; lvl < terms.size(); lvl++) {
                    for (Map.Entry<String, Double> e : terms.get(lvl).entrySet()) {
                        if (!Double.isFinite(e.getValue())) {
                            throw new TrainingDivergedException(String.format(Locale.ROOT,
                                    "%s: %s of level %d is %s at epoch %d, step %d; training "
                                            + "stopped and the last good checkpoint (%s) was "
                                            + "kept; try a lower --lr",
                                    cls, e.getKey(), lvl, e.getValue(), epoch + 1, b + 1,
                                    java.nio.file.Files.exists(ckpt) ? ckpt : "none yet"));
                        }
                        sums.merge("l" + lvl + "." + e.getKey(), e.getValue(), Double::sum);
                    }
                }
                task.step(1);
                task.status(String.format(Locale.ROOT, "rec %.4f",
                        terms.get(0).getOrDefault("rec", Double.NaN)));
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6 / Math.max(batches, 1);
        Map<String, Double> mean = new LinkedHashMap<>();
        sums.forEach((k, v) -> mean.put(k, v / batches));
        mean.put("ms_per_step", ms);
        LOG.info(epochLine(cls, epoch, mean));
        return mean;
    }

    private String epochLine(String cls, int epoch, Map<String, Double> mean) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%s | epoch %d/%d", cls,
                epoch + 1, cfg.epochs()));
        for (Map.Entry<String, Double> e : mean.entrySet()) {
            if (e.getKey().equals("ms_per_step")) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, " | %s %.5f", e.getKey(), e.getValue()));
        }
        sb.append(String.format(Locale.ROOT, " | %.0f ms/step", mean.get("ms_per_step")));
        return sb.toString();
    }

    /** The epoch's order of the training items: a function of the seed and the epoch only. */
    static int[] permutation(int n, long seed, int epoch) {
        Generator g = new Generator(seed * 0x9E3779B97F4A7C15L + epoch);
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = g.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static void appendLog(Path file, String cls, int epoch, Map<String, Double> terms)
            throws IOException {
        StringBuilder sb = new StringBuilder("{\"class\":\"").append(cls).append("\",\"epoch\":")
                .append(epoch);
        terms.forEach((k, v) -> sb.append(",\"").append(k).append("\":")
                .append(Double.isFinite(v) ? Double.toString(v) : "null"));
        sb.append("}\n");
        try {
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
    }
}
