package ed4j.nn.backbones;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.nn.io.SafeTensors;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad backbone input ends in errors that say which file, key and shapes are wrong. */
class BackboneErrorsTest {

    @Test
    void weightsOfAnotherArchitectureNameTheFirstMismatchedKeyAndBothShapes(@TempDir Path dir)
            throws IOException {
        ResNet r18 = ResNet.features(ResNet.Arch.RESNET18, new Generator(1));
        Path file = dir.resolve("resnet18.safetensors");
        SafeTensors.write(file, r18.stateDict(), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backbones.load("resnet34", List.of("layer2", "layer3"), file));
        assertTrue(e.getMessage().contains("resnet18.safetensors"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet34"), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());

        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> Backbones.load("wide_resnet50_2", List.of("layer2", "layer3"), file));
        assertTrue(w.getMessage().contains("shape mismatch for layer1.0.conv1.weight"),
                w.getMessage());
        assertTrue(w.getMessage().contains("expected (128, 64, 1, 1), found (64, 64, 3, 3)"),
                w.getMessage());
    }

    @Test
    void truncatedOrMissingFilesNameTheFile(@TempDir Path dir) throws IOException {
        ResNet r18 = ResNet.features(ResNet.Arch.RESNET18, new Generator(1));
        Path good = dir.resolve("w.safetensors");
        SafeTensors.write(good, r18.stateDict(), Map.of());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException e = assertThrows(IOException.class,
                () -> Backbones.load("resnet18", List.of("layer2"), cut));
        assertTrue(e.getMessage().contains("cut.safetensors"), e.getMessage());
        IOException m = assertThrows(IOException.class,
                () -> Backbones.load("resnet18", List.of("layer2"), dir.resolve("none.pth")));
        assertTrue(m.getMessage().contains("none.pth"), m.getMessage());
        IOException f = assertThrows(IOException.class,
                () -> Backbones.readWeights(Files.writeString(dir.resolve("w.txt"), "x")));
        assertTrue(f.getMessage().contains("unknown format"), f.getMessage());
    }

    @Test
    void unknownArchitectureListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResNet.Arch.byName("resnet9"));
        assertTrue(e.getMessage().contains("resnet18") && e.getMessage().contains(
                "wide_resnet101_2"), e.getMessage());
    }

    @Test
    void fullCheckpointsAndCutFilesBothLoad(@TempDir Path dir) throws IOException {
        ResNet full = new ResNet(ResNet.Arch.RESNET18,
                List.of("layer1", "layer2", "layer3", "layer4"), new Generator(2));
        Map<String, Tensor> sd = new java.util.LinkedHashMap<>(full.stateDict());
        sd.put("fc.weight", Tensor.zeros(1000, 512));
        sd.put("fc.bias", Tensor.zeros(1000));
        Path f = dir.resolve("full.safetensors");
        SafeTensors.write(f, sd, Map.of());
        ResNet features = Backbones.load("resnet18", List.of("layer2", "layer3"), f);
        assertTrue(features.stateDict().keySet().stream().noneMatch(k -> k.startsWith("layer4")));
        Map<String, Tensor> cut = new java.util.LinkedHashMap<>(features.stateDict());
        Path c = dir.resolve("cut.safetensors");
        SafeTensors.write(c, cut, Map.of());
        Backbones.load("resnet18", List.of("layer2", "layer3"), c);
    }
}
