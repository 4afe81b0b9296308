package ed4j.nn.backbones;

import ed4j.nn.io.PthReader;
import ed4j.nn.io.SafeTensors;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds ResNet feature extractors and loads their weights from torchvision or timm files. */
public final class Backbones {

    private Backbones() {}

    /**
     * Reads a backbone weight file: {@code .safetensors} (timm's {@code model.safetensors}) or a
     * torchvision {@code .pth}/{@code .pt} state dict.
     *
     * @throws IOException naming the file when it is missing, truncated or corrupt
     */
    public static Map<String, Tensor> readWeights(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("backbone weights " + file + " do not exist");
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".safetensors")) {
            return SafeTensors.readAll(file);
        }
        if (name.endsWith(".pth") || name.endsWith(".pt") || name.endsWith(".bin")) {
            return PthReader.readStateDict(file);
        }
        throw new IOException("backbone weights " + file + ": unknown format; expected a "
                + ".safetensors file or a PyTorch .pth/.pt state dict");
    }

    /**
     * A feature extractor for {@code arch} returning {@code outputs}, with weights from
     * {@code weights} (in eval mode).
     *
     * @throws IllegalArgumentException naming the first mismatched key and both shapes when the
     *     weights belong to another architecture
     */
    public static ResNet load(String arch, List<String> outputs, Path weights)
            throws IOException {
        ResNet net = new ResNet(ResNet.Arch.byName(arch), outputs, new Generator(0));
        try {
            net.loadBackboneWeights(readWeights(weights));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights + ": " + e.getMessage(), e);
        }
        net.eval();
        return net;
    }
}
