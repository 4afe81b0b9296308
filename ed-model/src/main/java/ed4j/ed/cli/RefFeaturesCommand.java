package ed4j.ed.cli;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Split;
import ed4j.ed.train.ClassTrainer;
import ed4j.ed.train.FeatureCache;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.ReferenceFeatures;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Computes the normal prototypes (reference features) of each class. */
@Command(name = "ref-features", mixinStandardHelpOptions = true,
        description = {"Compute each class's reference features: per level the mean pooled "
                + "backbone features of the training images, (C, L).",
            "Writes <rfeatures-path>/<class>.safetensors with keys level0 and level1."})
final class RefFeaturesCommand implements Callable<Integer> {

    @Mixin
    DataOptions data;

    @Mixin
    ModelOptions model;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        data.checkSize();
        FeatureExtractor ex = Setup.extractor(model);
        for (String cls : data.classes()) {
            AnomalyDataset train = data.scan(cls, Split.TRAIN);
            ClassTrainer t = new ClassTrainer(ex, model.trainConfig(), data.inpSize,
                    new BarProgress()).workers(data.workers);
            try (FeatureCache cache = t.extract(train, output.classDir(cls)
                    .resolve("feature-cache"))) {
                Map<String, String> meta = new LinkedHashMap<>();
                meta.put("class", cls);
                meta.put("backbone", ex.name());
                meta.put("inp_size", Integer.toString(data.inpSize));
                meta.put("images", Integer.toString(cache.size()));
                ReferenceFeatures.compute(cache, meta).save(output.rfeatures(), cls);
            }
            System.out.println(cls + ": " + ReferenceFeatures.fileFor(output.rfeatures(), cls));
        }
        return 0;
    }
}
