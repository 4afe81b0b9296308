package ed4j.ed.cli;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Split;
import ed4j.ed.train.Evaluator;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.Results;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Evaluates trained ED weights on each class's test set. */
@Command(name = "test", mixinStandardHelpOptions = true,
        description = {"Evaluate trained ED weights on the test set of each class: image AUROC, "
                + "pixel AUROC, AUPRO (FPR 0.3) and the F1-maximising threshold.",
            "Weights: --checkpoint FILE (this project's safetensors, or a published .pth), or "
                    + "<checkpoint or run dir>/<class>/model.safetensors."})
final class TestCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Mixin
    OutputOptions output;

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "ED weights file, or a folder holding <class>/model.safetensors.")
    Path checkpoint;

    @Option(names = "--save-maps", paramLabel = "DIR",
            description = "Write each test image's raw map as DIR/<class>/<type>/<stem>.npy.")
    Path saveMaps;

    @Override
    public Integer call() throws Exception {
        data.checkSize();
        FeatureExtractor ex = Setup.extractor(model);
        List<String> classes = data.classes();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("dataset", data.dataset);
        settings.put("data_path", String.valueOf(data.dataPath));
        settings.put("inp_size", Integer.toString(data.inpSize));
        settings.put("backbone", ex.name());
        settings.put("device", ex.device().toString());
        settings.put("checkpoint", String.valueOf(checkpoint != null ? checkpoint
                : output.runDir()));
        Banner.print(settings);
        List<Evaluator.ClassResult> results = new ArrayList<>();
        for (String cls : classes) {
            Path file = LoadedModel.weightsFile(checkpoint, output.runDir(), cls, classes.size());
            LoadedModel m = LoadedModel.load(file, output.rfeatures(), cls, ex, data.inpSize);
            AnomalyDataset test = data.scan(cls, Split.TEST);
            Evaluator ev = new Evaluator(ex, data.inpSize, new BarProgress())
                    .workers(data.workers);
            if (saveMaps != null) {
                ev.saveMaps(saveMaps);
            }
            if (output.vis) {
                ev.visualize(output.runDir().resolve("vis"));
            }
            results.add(ev.evaluate(test, m.models(), m.references()));
        }
        Results.write(output.runDir(), results, settings);
        System.out.print(Results.table(results));
        System.out.println("Results: " + output.runDir().resolve("results.json"));
        return 0;
    }
}
