package ed4j.ed.cli;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Batch;
import ed4j.datasets.DataLoader;
import ed4j.datasets.DatasetLayout;
import ed4j.datasets.Split;
import ed4j.datasets.SyntheticConfig;
import ed4j.datasets.SyntheticDataset;
import ed4j.ed.TrainStep;
import ed4j.ed.train.ClassTrainer;
import ed4j.ed.train.EdCheckpoint;
import ed4j.ed.train.Evaluator;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.Results;
import ed4j.ed.train.TrainConfig;
import ed4j.nn.backbones.ResNet;
import ed4j.tensor.Device;
import ed4j.tensor.Generator;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo: a synthetic data set in the MVTec layout, a small ED trained on the CPU for a few
 * epochs per class, the evaluation table and the result files. Runs with no download: the
 * backbone is randomly initialised, which is enough for the synthetic defects but not for real
 * products (use {@code train} with ImageNet weights there).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Generate a synthetic data set, train a small ED on it and evaluate it "
                + "(the default when ed-train.jar runs without arguments).",
            "Takes a few minutes on 2 cores; results go to <work-dir>/run."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--work-dir", defaultValue = "ed-demo", paramLabel = "DIR",
            description = "Folder for the data set and the results. Default: ${DEFAULT-VALUE}.")
    Path workDir;

    @Option(names = "--classes", split = ",", defaultValue = "fabric,wood", paramLabel = "CLASS",
            description = "Synthetic classes (fabric, wood, nut, pill). Default: "
                    + "${DEFAULT-VALUE}.")
    List<String> classes;

    @Option(names = "--inp-size", defaultValue = "128", paramLabel = "PX",
            description = "Image and input size. Default: ${DEFAULT-VALUE}.")
    int inpSize;

    @Option(names = "--epochs", defaultValue = "8",
            description = "Training epochs per class. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--train-images", defaultValue = "40",
            description = "Normal training images per class. Default: ${DEFAULT-VALUE}.")
    int trainImages;

    @Option(names = "--seed", defaultValue = "3407",
            description = "Seed of the data set, initialisation and shuffling. Default: "
                    + "${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--vis", description = "Write a PNG panel per test image.")
    boolean vis;

    @Option(names = "--lr", defaultValue = "1e-3",
            description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--widths", split = ",", defaultValue = "64,128", paramLabel = "D",
            description = "Model width of each level. Default: ${DEFAULT-VALUE}.")
    int[] widths;

    @Option(names = "--batch-size", defaultValue = "4",
            description = "Images per batch. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--layers", defaultValue = "2",
            description = "Encoder layers per level. Default: ${DEFAULT-VALUE}.")
    int layers;

    /**
     * A randomly initialised resnet18 whose BatchNorm statistics are estimated on the class's
     * training images, so that its random features are well scaled.
     */
    private FeatureExtractor calibratedBackbone(AnomalyDataset train) {
        ResNet net = ResNet.features(ResNet.Arch.RESNET18, new Generator(seed));
        List<ed4j.tensor.Tensor> images = new ArrayList<>();
        try (DataLoader loader = DataLoader.builder(train, inpSize).batchSize(8).workers(2)
                .build()) {
            for (Batch b : loader) {
                images.add(b.images());
            }
        }
        net.calibrateBatchNorm(images);
        return new FeatureExtractor(net, "resnet18", Device.CPU);
    }

    @Override
    public Integer call() throws Exception {
        long start = System.nanoTime();
        Path data = workDir.resolve("data");
        Path run = workDir.resolve("run");
        SyntheticConfig sc = SyntheticConfig.defaults()
                .withClasses(classes.toArray(new String[0]))
                .withImageSize(inpSize)
                .withCounts(trainImages, 10, 3)
                .withSeed(seed);
        System.out.println("Generating the synthetic data set in " + data + " ...");
        SyntheticDataset.Generated g = SyntheticDataset.generate(data, sc);
        System.out.println(g.reused() ? "  (already there, reused)"
                : "  " + g.imagesWritten() + " images written");
        TrainConfig cfg = new TrainConfig(epochs, batchSize, lr, 0.5, 0.5, seed,
                TrainStep.Mode.PUBLISHED, widths, 8, layers, 4, true, true, false);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("data", data.toString());
        settings.put("classes", String.join(",", classes));
        settings.put("inp_size", Integer.toString(inpSize));
        settings.put("backbone", "resnet18, random weights, BatchNorm calibrated per class");
        settings.put("device", "cpu");
        settings.putAll(cfg.toMetadata());
        Banner.print(settings);
        DatasetLayout layout = SyntheticDataset.layout();
        List<Evaluator.ClassResult> results = new ArrayList<>();
        for (String cls : classes) {
            AnomalyDataset train = AnomalyDataset.scan(data, layout, cls, Split.TRAIN);
            AnomalyDataset test = AnomalyDataset.scan(data, layout, cls, Split.TEST);
            FeatureExtractor ex = calibratedBackbone(train);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "ed4j-ed/1");
            meta.put("backbone", "resnet18");
            meta.put("inp_size", Integer.toString(inpSize));
            ClassTrainer.Trained t = new ClassTrainer(ex, cfg, inpSize, new BarProgress())
                    .workers(2).train(train, null, run.resolve(cls), false, meta);
            t.references().save(run.resolve("rfeatures"), cls);
            Evaluator ev = new Evaluator(ex, inpSize, new BarProgress()).workers(2);
            if (vis) {
                ev.visualize(run.resolve("vis"));
            }
            Evaluator.ClassResult r = ev.evaluate(test, t.models(), t.references());
            meta.putAll(cfg.toMetadata());
            meta.put("class", cls);
            meta.put("threshold", Double.toString(r.threshold()));
            meta.put("map_min", Double.toString(r.mapMin()));
            meta.put("map_max", Double.toString(r.mapMax()));
            EdCheckpoint.save(run.resolve(cls).resolve("model.safetensors"), t.models(), null,
                    meta);
            results.add(r);
        }
        Results.write(run, results, settings);
        double minutes = (System.nanoTime() - start) / 60e9;
        System.out.println();
        System.out.print(Results.table(results));
        System.out.printf(java.util.Locale.ROOT, "%nDemo finished in %.1f min. It trained ED "
                + "on %d synthetic class(es) with a randomly initialised resnet18 backbone.%n",
                minutes, classes.size());
        System.out.println("Results: " + run.resolve("results.json") + ", "
                + run.resolve("results.csv") + "; models: " + run + "/<class>/model.safetensors"
                + (vis ? "; panels: " + run.resolve("vis") : ""));
        return 0;
    }
}
