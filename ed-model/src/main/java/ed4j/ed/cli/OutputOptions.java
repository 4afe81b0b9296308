package ed4j.ed.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where results go. */
final class OutputOptions {

    @Option(names = "--save-path", defaultValue = "ed-runs", paramLabel = "DIR",
            description = "Folder of all runs. Default: ${DEFAULT-VALUE}.")
    Path savePath;

    @Option(names = "--save-prefix", defaultValue = "ed", paramLabel = "NAME",
            description = "Name of this run, a folder under --save-path. Default: "
                    + "${DEFAULT-VALUE}.")
    String savePrefix;

    @Option(names = "--rfeatures-path", paramLabel = "DIR",
            description = "Folder of the reference features (<class>.safetensors). Default: "
                    + "<save-path>/<save-prefix>/rfeatures.")
    Path rfeaturesPath;

    @Option(names = "--vis", description = "Write a PNG panel per test image (image, ground "
            + "truth, heat map, predicted mask).")
    boolean vis;

    Path runDir() {
        return savePath.resolve(savePrefix);
    }

    Path classDir(String cls) {
        return runDir().resolve(cls);
    }

    Path rfeatures() {
        return rfeaturesPath != null ? rfeaturesPath : runDir().resolve("rfeatures");
    }
}
