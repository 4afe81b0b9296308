package ed4j.ed.cli;

import ed4j.ed.TrainStep;
import ed4j.ed.train.TrainConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The backbone, the ED model and its training, with the published scripts' flag names. */
final class ModelOptions {

    @Option(names = "--backbone", defaultValue = "wide_resnet50_2", paramLabel = "ARCH",
            description = "resnet18, resnet34, resnet50, resnet101, wide_resnet50_2 or "
                    + "wide_resnet101_2. Default: ${DEFAULT-VALUE}.")
    String backbone;

    @Option(names = "--backbone-weights", paramLabel = "FILE",
            description = "torchvision .pth or timm model.safetensors weights of the backbone. "
                    + "Without it the backbone is randomly initialised (a warning says so).")
    Path backboneWeights;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEV",
            description = "cpu, cuda, cuda:N or auto. Default: ${DEFAULT-VALUE}.")
    String device;

    @Option(names = "--with-intra", description = "Use the intra-image branch (default).")
    boolean withIntra;

    @Option(names = "--no-intra", description = "Turn the intra-image branch off.")
    boolean noIntra;

    @Option(names = "--with-inter", description = "Use the inter-image branch (default).")
    boolean withInter;

    @Option(names = "--no-inter", description = "Turn the inter-image branch off.")
    boolean noInter;

    @Option(names = "--widths", split = ",", defaultValue = "256,512", paramLabel = "D",
            description = "Model width of each level. Default: ${DEFAULT-VALUE}.")
    int[] widths;

    @Option(names = "--lambda1", defaultValue = "0.5",
            description = "Weight of the correlation terms. Default: ${DEFAULT-VALUE}.")
    double lambda1;

    @Option(names = "--lambda2", defaultValue = "0.5",
            description = "Weight of the entropy terms. Default: ${DEFAULT-VALUE}.")
    double lambda2;

    @Option(names = "--lr", defaultValue = "1e-4",
            description = "Adam learning rate. Default: ${DEFAULT-VALUE}.")
    double lr;

    @Option(names = "--epochs", defaultValue = "100",
            description = "Training epochs. Default: ${DEFAULT-VALUE}.")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "1",
            description = "Images per batch. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = "--seed", defaultValue = "3407",
            description = "Seed of initialisation and shuffling. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--joint-step",
            description = "One Adam step per batch over the summed losses of all levels, instead "
                    + "of the published two steps.")
    boolean jointStep;

    boolean intra() {
        if (withIntra && noIntra) {
            throw new IllegalArgumentException("--with-intra and --no-intra contradict each other");
        }
        return !noIntra;
    }

    boolean inter() {
        if (withInter && noInter) {
            throw new IllegalArgumentException("--with-inter and --no-inter contradict each other");
        }
        return !noInter;
    }

    TrainConfig trainConfig() {
        return new TrainConfig(epochs, batchSize, lr, lambda1, lambda2, seed,
                jointStep ? TrainStep.Mode.JOINT : TrainStep.Mode.PUBLISHED, widths, 8, 3, 4,
                intra(), inter(), false);
    }
}
