package ed4j.ed.cli;

import ed4j.datasets.DatasetLayout;
import ed4j.datasets.Preprocess;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.Progress;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Writes the backbone's layer2 and layer3 features of images as .npy files. */
@Command(name = "features", mixinStandardHelpOptions = true,
        description = {"Run the backbone on images after the MVTec transforms (resize to "
                + "inp x inp with PIL's Lanczos filter, ImageNet normalisation).",
            "Writes DIR/<stem>_layer2.npy and DIR/<stem>_layer3.npy, float32 (C, h, w)."})
final class FeaturesCommand implements Callable<Integer> {

    @Mixin
    ModelOptions model;

    @Option(names = "--inp-size", defaultValue = "256", paramLabel = "PX",
            description = "Input size, a multiple of 16. Default: ${DEFAULT-VALUE}.")
    int inpSize;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files or folders.")
    List<Path> inputs;

    @Override
    public Integer call() throws Exception {
        DataOptions d = new DataOptions();
        d.inpSize = inpSize;
        d.checkSize();
        FeatureExtractor ex = Setup.extractor(model);
        Preprocess pre = DatasetLayout.MVTEC_AD.preprocess(inpSize);
        List<Path> files = Images.expand(inputs);
        java.util.Map<Path, String> names = Images.outputNames(inputs, files);
        Files.createDirectories(out);
        try (Progress.Task task = new BarProgress().start("features", files.size(), "img")) {
            for (Path f : files) {
                Tensor x = Images.tensor(Images.load(f, pre)).unsqueeze(0);
                List<Tensor> maps = ex.featureMaps(x);
                String stem = names.get(f);
                Npy.write(out.resolve(stem + "_layer2.npy"), maps.get(0).select(0, 0)
                        .contiguous());
                Npy.write(out.resolve(stem + "_layer3.npy"), maps.get(1).select(0, 0)
                        .contiguous());
                task.step(1);
            }
        }
        System.out.println("wrote layer2 and layer3 features of " + files.size()
                + " image(s) to " + out);
        return 0;
    }
}
