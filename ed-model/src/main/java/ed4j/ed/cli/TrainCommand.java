package ed4j.ed.cli;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Split;
import ed4j.ed.train.ClassTrainer;
import ed4j.ed.train.EdCheckpoint;
import ed4j.ed.train.Evaluator;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.ReferenceFeatures;
import ed4j.ed.train.Results;
import ed4j.ed.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains ED on each class, then evaluates it on the class's test set. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train ED per class on the training images, then evaluate on the test set.",
            "Writes <save-path>/<save-prefix>/<class>/{model,checkpoint}.safetensors, "
                    + "train_log.jsonl, and results.json / results.csv for the run."})
final class TrainCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Mixin
    OutputOptions output;

    @Option(names = "--resume", description = "Continue an interrupted run from each class's "
            + "last checkpoint; finished classes are evaluated again.")
    boolean resume;

    @Option(names = "--save-maps", paramLabel = "DIR",
            description = "Write each test image's raw map as DIR/<class>/<type>/<stem>.npy.")
    Path saveMaps;

    @Override
    public Integer call() throws Exception {
        data.checkSize();
        TrainConfig cfg = model.trainConfig();
        FeatureExtractor ex = Setup.extractor(model);
        Map<String, String> settings = settings(cfg, ex);
        Banner.print(settings);
        List<Evaluator.ClassResult> results = new ArrayList<>();
        for (String cls : data.classes()) {
            results.add(trainClass(cls, cfg, ex, settings));
        }
        Path run = output.runDir();
        Results.write(run, results, settings);
        System.out.print(Results.table(results));
        System.out.println("Results: " + run.resolve("results.json") + " and "
                + run.resolve("results.csv"));
        return 0;
    }

    Map<String, String> settings(TrainConfig cfg, FeatureExtractor ex) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("dataset", data.dataset);
        s.put("data_path", String.valueOf(data.dataPath));
        s.put("inp_size", Integer.toString(data.inpSize));
        s.put("backbone", ex.name());
        s.put("backbone_weights", model.backboneWeights == null ? "random init"
                : model.backboneWeights.toString());
        s.put("device", ex.device().toString());
        s.putAll(cfg.toMetadata());
        s.put("run_dir", output.runDir().toString());
        return s;
    }

    private Evaluator.ClassResult trainClass(String cls, TrainConfig cfg, FeatureExtractor ex,
            Map<String, String> settings) throws Exception {
        AnomalyDataset train = data.scan(cls, Split.TRAIN);
        AnomalyDataset test = data.scan(cls, Split.TEST);
        Path dir = output.classDir(cls);
        Map<String, String> runMeta = new LinkedHashMap<>();
        runMeta.put("format", "ed4j-ed/1");
        runMeta.put("backbone", ex.name());
        runMeta.put("inp_size", Integer.toString(data.inpSize));
        runMeta.put("dataset", data.dataset);
        ReferenceFeatures refs = null;
        Path rf = ReferenceFeatures.fileFor(output.rfeatures(), cls);
        int[] ch = ex.channels();
        if (Files.isRegularFile(rf)) {
            int[][] shapes = new int[ch.length][];
            for (int i = 0; i < ch.length; i++) {
                int g = FeatureExtractor.grid(i, data.inpSize);
                shapes[i] = new int[] {ch[i], g * g};
            }
            refs = ReferenceFeatures.load(output.rfeatures(), cls, shapes);
            LOG.info("{}: reference features from {}", cls, rf);
        }
        ClassTrainer trainer = new ClassTrainer(ex, cfg, data.inpSize, new BarProgress())
                .workers(data.workers);
        ClassTrainer.Trained t = trainer.train(train, refs, dir, resume, runMeta);
        if (refs == null) {
            t.references().save(output.rfeatures(), cls);
            LOG.info("{}: reference features saved to {}", cls, rf);
        }
        Evaluator ev = new Evaluator(ex, data.inpSize, new BarProgress()).workers(data.workers);
        if (saveMaps != null) {
            ev.saveMaps(saveMaps);
        }
        if (output.vis) {
            ev.visualize(output.runDir().resolve("vis"));
        }
        Evaluator.ClassResult r = ev.evaluate(test, t.models(), t.references());
        Map<String, String> meta = new LinkedHashMap<>(runMeta);
        meta.putAll(cfg.toMetadata());
        meta.put("class", cls);
        meta.put("epoch", Integer.toString(cfg.epochs()));
        meta.put("threshold", Double.toString(r.threshold()));
        meta.put("map_min", Double.toString(r.mapMin()));
        meta.put("map_max", Double.toString(r.mapMax()));
        EdCheckpoint.save(dir.resolve("model.safetensors"), t.models(), null, meta);
        LOG.info("{} | image AUROC {} | pixel AUROC {} | AUPRO {} | model {}", cls,
                fmt(r.imageAuroc()), fmt(r.pixelAuroc()), fmt(r.aupro()),
                dir.resolve("model.safetensors"));
        return r;
    }

    static String fmt(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(java.util.Locale.ROOT, "%.4f", v);
    }
}
