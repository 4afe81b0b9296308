package ed4j.ed.train;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Batch;
import ed4j.datasets.ByteImage;
import ed4j.datasets.DataLoader;
import ed4j.datasets.Sample;
import ed4j.ed.AnomalyScorer;
import ed4j.ed.EdModel;
import ed4j.ed.metrics.Aupro;
import ed4j.ed.metrics.Auroc;
import ed4j.ed.metrics.F1Threshold;
import ed4j.ed.metrics.GaussianBlur;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a class's test set and computes its metrics (ED-SPEC section 5): pixel AUROC on the raw
 * averaged maps, image AUROC on the maxima of the maps smoothed with a Gaussian of sigma 4 (as
 * SciPy's default), AUPRO up to FPR 0.3 on the raw maps, and the F1-maximising image threshold.
 *
 * <p>Memory: the pixel metrics keep 4 bytes per test pixel (about 40 MB for 150 images at 256
 * px); smoothed maps are kept only when panels are drawn.
 */
public final class Evaluator {

    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

    /** Score of one test image. */
    public record ImageScore(String defectType, String stem, int label, double score) {}

    /**
     * Metrics of a class; a metric that cannot be computed (a single label) is NaN.
     *
     * @param threshold the F1-maximising image threshold
     * @param mapMin smallest smoothed map value over the test set (for display scaling)
     * @param mapMax largest smoothed map value over the test set
     */
    public record ClassResult(String className, int images, double imageAuroc, double pixelAuroc,
            double aupro, double threshold, double f1, double mapMin, double mapMax,
            List<ImageScore> scores) {}

    private final FeatureExtractor extractor;
    private final int inputSize;
    private final Progress progress;
    private Path saveMapsDir;
    private Path visDir;
    private int workers = 1;

    public Evaluator(FeatureExtractor extractor, int inputSize, Progress progress) {
        this.extractor = extractor;
        this.inputSize = inputSize;
        this.progress = progress;
    }

    /** Writes each raw map as {@code dir/<class>/<type>/<stem>.npy}. */
    public Evaluator saveMaps(Path dir) {
        this.saveMapsDir = dir;
        return this;
    }

    /** Writes a panel per image (image, ground truth, heat map, predicted mask) into {@code dir}. */
    public Evaluator visualize(Path dir) {
        this.visDir = dir;
        return this;
    }

    public Evaluator workers(int n) {
        this.workers = n;
        return this;
    }

    /** The averaged anomaly maps {@code (B, s, s)} of a batch of normalised images. */
    public Tensor maps(List<EdModel> models, List<Tensor> references, Tensor images) {
        List<Tensor> tokens = extractor.tokens(images);
        List<Tensor> scores = new ArrayList<>();
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int lvl = 0; lvl < models.size(); lvl++) {
                EdModel m = models.get(lvl);
                m.eval();
                Tensor t = tokens.get(lvl);
                EdModel.Output o = m.forward(Variable.constant(t), references.get(lvl));
                scores.add(AnomalyScorer.levelScores(o, t, m.config()));
            }
        }
        return AnomalyScorer.combine(scores, inputSize);
    }

    public ClassResult evaluate(AnomalyDataset test, List<EdModel> models,
            ReferenceFeatures refs) throws IOException {
        String cls = test.className();
        Auroc pixel = new Auroc();
        Aupro aupro = new Aupro();
        GaussianBlur blur = new GaussianBlur(4.0);
        List<ImageScore> scores = new ArrayList<>();
        List<float[]> smoothed = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        List<ByteImage> rgbs = new ArrayList<>();
        List<byte[]> masks = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int s = inputSize;
        try (DataLoader loader = DataLoader.builder(test, inputSize).batchSize(1)
                .workers(workers).build();
                Progress.Task task = progress.start(cls + " test", test.size(), "img")) {
            for (Batch b : loader) {
                Tensor maps = maps(models, refs.levels(), b.images());
                for (int i = 0; i < b.size(); i++) {
                    Sample sample = b.samples().get(i);
                    float[] map = maps.select(0, i).toFloatArray();
                    byte[] mask = toBytes(b.masks().select(0, i).toFloatArray());
                    pixel.add(map, mask);
                    aupro.add(map, mask, s, s);
                    float[] sm = blur.apply(map, s, s);
                    double score = Double.NEGATIVE_INFINITY;
                    for (float v : sm) {
                        score = Math.max(score, v);
                        min = Math.min(min, v);
                    }
                    max = Math.max(max, score);
                    scores.add(new ImageScore(sample.defectType(), sample.stem(), sample.label(),
                            score));
                    if (saveMapsDir != null) {
                        Path f = saveMapsDir.resolve(cls).resolve(sample.defectType())
                                .resolve(sample.stem() + ".npy");
                        Files.createDirectories(f.getParent());
                        Npy.write(f, Tensor.of(map, s, s));
                    }
                    if (visDir != null) {
                        smoothed.add(sm);
                        samples.add(sample);
                        rgbs.add(b.rgb().get(i));
                        masks.add(mask);
                    }
                }
                task.step(b.size());
            }
        }
        double[] img = new double[scores.size()];
        boolean[] lab = new boolean[scores.size()];
        for (int i = 0; i < img.length; i++) {
            img[i] = scores.get(i).score();
            lab[i] = scores.get(i).label() == 1;
        }
        double imageAuroc = safe(() -> Auroc.of(img, lab), cls, "image AUROC");
        double pixelAuroc = safe(pixel::compute, cls, "pixel AUROC");
        double pro = safe(aupro::compute, cls, "AUPRO");
        F1Threshold f1 = null;
        try {
            f1 = F1Threshold.of(img, lab);
        } catch (IllegalArgumentException e) {
            LOG.warn("{}: no F1 threshold: {}", cls, e.getMessage());
        }
        double threshold = f1 == null ? Double.NaN : f1.threshold();
        if (visDir != null) {
            Panels.write(visDir.resolve(cls), samples, rgbs, masks, smoothed, s, min, max,
                    threshold);
        }
        return new ClassResult(cls, scores.size(), imageAuroc, pixelAuroc, pro, threshold,
                f1 == null ? Double.NaN : f1.f1(), min, max, scores);
    }

    private interface Metric {
        double compute();
    }

    private static double safe(Metric m, String cls, String name) {
        try {
            return m.compute();
        } catch (IllegalArgumentException | IllegalStateException e) {
            LOG.warn("{}: {} is undefined: {}", cls, name, e.getMessage());
            return Double.NaN;
        }
    }

    private static byte[] toBytes(float[] mask) {
        byte[] b = new byte[mask.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = mask[i] != 0 ? (byte) 1 : 0;
        }
        return b;
    }
}
