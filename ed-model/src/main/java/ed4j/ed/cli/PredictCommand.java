package ed4j.ed.cli;

import ed4j.datasets.ByteImage;
import ed4j.datasets.Preprocess;
import ed4j.ed.metrics.GaussianBlur;
import ed4j.ed.train.Evaluator;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.Heatmaps;
import ed4j.ed.train.Progress;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Scores new images with a trained model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Score new images with trained ED weights of one class.",
            "Writes <out>/overlays/<stem>.png (heat map over the image) and <out>/scores.csv "
                    + "(file, score, anomalous at the threshold saved with the model)."})
final class PredictCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Mixin
    OutputOptions output;

    @Option(names = "--dataset", defaultValue = "mvtec", paramLabel = "KIND",
            description = "Preprocessing of the data set the model was trained on: mvtec "
                    + "(resize), btad or mvtec3d (shorter side, centre crop), folder. Default: "
                    + "${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--class-name", required = true, paramLabel = "CLASS",
            description = "The class whose model scores the images.")
    String className;

    @Option(names = "--inp-size", defaultValue = "256", paramLabel = "PX",
            description = "Input size the model was trained at. Default: ${DEFAULT-VALUE}.")
    int inpSize;

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "ED weights file; default <save-path>/<save-prefix>/<class>/"
                    + "model.safetensors.")
    Path checkpoint;

    @Option(names = "--threshold", paramLabel = "T",
            description = "Decision threshold on the image score; default: the one saved with "
                    + "the model.")
    Double threshold;

    @Option(names = "--out", defaultValue = "ed-predictions", paramLabel = "DIR",
            description = "Output folder. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files or folders.")
    List<Path> inputs;

    @Override
    public Integer call() throws Exception {
        DataOptions d = new DataOptions();
        d.dataset = dataset;
        d.inpSize = inpSize;
        d.checkSize();
        FeatureExtractor ex = Setup.extractor(model);
        Path file = LoadedModel.weightsFile(checkpoint, output.runDir(), className, 1);
        LoadedModel m = LoadedModel.load(file, output.rfeatures(), className, ex, inpSize);
        double t = threshold != null ? threshold
                : Double.parseDouble(m.meta().getOrDefault("threshold", "NaN"));
        if (Double.isNaN(t)) {
            throw new IllegalArgumentException(file + " has no saved threshold; pass --threshold");
        }
        double lo = Double.parseDouble(m.meta().getOrDefault("map_min", "0"));
        double hi = Double.parseDouble(m.meta().getOrDefault("map_max", "1"));
        Preprocess pre = d.layout().preprocess(inpSize);
        List<Path> files = Images.expand(inputs);
        java.util.Map<Path, String> names = Images.outputNames(inputs, files);
        Evaluator ev = new Evaluator(ex, inpSize, Progress.none());
        GaussianBlur blur = new GaussianBlur(4.0);
        StringBuilder csv = new StringBuilder("file,score,anomalous,threshold\n");
        int flagged = 0;
        try (Progress.Task task = new BarProgress().start("predict", files.size(), "img")) {
            for (Path f : files) {
                ByteImage rgb = Images.load(f, pre);
                Tensor maps = ev.maps(m.models(), m.references().levels(),
                        Images.tensor(rgb).unsqueeze(0));
                float[] sm = blur.apply(maps.select(0, 0).toFloatArray(), inpSize, inpSize);
                double score = Double.NEGATIVE_INFINITY;
                for (float v : sm) {
                    score = Math.max(score, v);
                }
                boolean anomalous = score >= t;
                flagged += anomalous ? 1 : 0;
                csv.append(String.format(Locale.ROOT, "%s,%.6g,%d,%.6g%n", f, score,
                        anomalous ? 1 : 0, t));
                Heatmaps.writePng(Heatmaps.overlay(rgb, sm, lo, hi, 0.5),
                        out.resolve("overlays").resolve(names.get(f) + ".png"));
                task.step(1);
            }
        }
        java.nio.file.Files.createDirectories(out);
        AtomicFiles.write(out.resolve("scores.csv"), csv.toString()
                .getBytes(StandardCharsets.UTF_8));
        System.out.printf(Locale.ROOT, "%d of %d image(s) anomalous at threshold %.6g; scores in "
                + "%s, overlays in %s%n", flagged, files.size(), t, out.resolve("scores.csv"),
                out.resolve("overlays"));
        return 0;
    }
}
