package ed4j.tests;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.nn.backbones.Backbones;
import ed4j.nn.backbones.ResNet;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * ResNet backbones against torchvision 0.14: with the same weights (random init, non-trivial
 * BatchNorm statistics) the layer2 and layer3 features agree to about 1e-4 relative. The
 * weights are written at test time by {@code tests/python/backbone_reference.py}; without
 * Debian's PyTorch the test is skipped with the reason.
 */
class BackboneParityTest {

    @ParameterizedTest(name = "{0} at {1} px from {2}, BatchNorm folded: {3}")
    @CsvSource({
        "resnet18, 64, weights.pth, false",
        "resnet18, 256, weights.safetensors, true",
        "wide_resnet50_2, 64, weights.safetensors, true",
        "wide_resnet50_2, 256, weights.pth, false"
    })
    void featuresMatchTorchvision(String arch, int size, String weights, boolean frozen,
            @TempDir Path dir) throws IOException {
        String reason = Python.unavailableReason();
        assumeTrue(reason == null, () -> "skipped: " + reason);
        Python.script("backbone_reference.py", List.of(arch, Integer.toString(size), "2",
                dir.toString()), 900);
        ResNet net = Backbones.load(arch, List.of("layer2", "layer3"), dir.resolve(weights));
        if (frozen) {
            net.freeze();
        }
        Tensor images = Npy.read(dir.resolve("images.npy"));
        Map<String, Variable> out;
        try (GradMode.Scope s = GradMode.noGrad()) {
            out = net.forward(Variable.constant(images));
        }
        for (String stage : List.of("layer2", "layer3")) {
            Tensor expected = Npy.read(dir.resolve(stage + ".npy"));
            double scale = expected.abs().max().item();
            TensorCompare.assertClose(arch + " " + size + " px " + stage,
                    out.get(stage).data(), expected, 1e-4 * scale, 1e-4);
        }
    }
}
