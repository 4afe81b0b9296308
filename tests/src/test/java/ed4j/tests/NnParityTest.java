package ed4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.nn.Module;
import ed4j.nn.backbones.ResNet;
import ed4j.nn.layers.BatchNorm2d;
import ed4j.nn.layers.Conv1d;
import ed4j.nn.layers.Conv2d;
import ed4j.nn.layers.LayerNorm;
import ed4j.nn.layers.Linear;
import ed4j.nn.optim.Adam;
import ed4j.nn.optim.Optimizer;
import ed4j.nn.optim.Sgd;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layers, optimizers and backbone key names against PyTorch 1.13 / torchvision 0.14
 * ({@code tests/python/fixtures_nn.py}).
 */
class NnParityTest {

    private static final Path DIR = Fixtures.dir("nn");
    private static JsonNode manifest;
    private static Map<String, Tensor> arrays;

    private static synchronized void load() throws IOException {
        if (manifest == null) {
            manifest = new ObjectMapper().readTree(DIR.resolve("nn.json").toFile());
            arrays = Npy.readNpz(DIR.resolve("nn.npz"));
        }
    }

    private static Stream<Arguments> section(String name) throws IOException {
        load();
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : manifest.get(name)) {
            out.add(Arguments.of(c.get("name").asText(), c));
        }
        return out.stream();
    }

    static Stream<Arguments> layers() throws IOException {
        return section("layers");
    }

    static Stream<Arguments> optimizers() throws IOException {
        return section("optimizers");
    }

    static Stream<Arguments> backbones() throws IOException {
        load();
        List<Arguments> out = new ArrayList<>();
        for (Iterator<String> it = manifest.get("backbone_keys").fieldNames(); it.hasNext(); ) {
            String arch = it.next();
            out.add(Arguments.of(arch, manifest.get("backbone_keys").get(arch)));
        }
        return out.stream();
    }

    private static Layer build(String name) {
        Generator g = new Generator(0);
        return switch (name) {
            case "linear" -> new Linear(13, 7, g);
            case "conv1d_1x1" -> new Conv1d(6, 8, 1, g);
            case "conv2d_groups" -> Conv2d.builder(4, 6, 3).stride(2).padding(1).groups(2).build(g);
            case "batchnorm_eval", "batchnorm_train" -> new BatchNorm2d(5);
            case "layernorm" -> new LayerNorm(16);
            default -> throw new IllegalArgumentException("unknown layer case " + name);
        };
    }

    private static Map<String, Tensor> tensors(JsonNode keys) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        keys.fields().forEachRemaining(e -> m.put(e.getKey(), arrays.get(e.getValue().asText())));
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void layerMatchesPyTorch(String name, JsonNode c) {
        Layer layer = build(name);
        layer.loadStateDict(tensors(c.get("state")), true);
        layer.train(c.get("train").asBoolean());
        Variable x = Variable.parameter(arrays.get(c.get("input").asText()));
        Variable y = layer.forward(x);
        TensorCompare.assertClose(name + " output", y.data(),
                arrays.get(c.get("output").asText()), 1e-5, 1e-4);
        y.backward(arrays.get(c.get("grad_output").asText()), false);
        TensorCompare.assertClose(name + " input gradient", x.grad(),
                arrays.get(c.get("grad_input").asText()), 1e-5, 1e-4);
        Map<String, Variable> params = layer.namedParameters();
        tensors(c.get("param_grads")).forEach((k, expected) -> TensorCompare.assertClose(
                name + " gradient of " + k, params.get(k).grad(), expected, 1e-5, 1e-4));
        Map<String, Tensor> buffers = layer.namedBuffers();
        tensors(c.get("buffers_after")).forEach((k, expected) -> TensorCompare.assertClose(
                name + " buffer " + k + " after forward", buffers.get(k).to(expected.dtype()),
                expected, 1e-6, 1e-5));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void optimizerFollowsPyTorch(String name, JsonNode c) {
        Map<String, Variable> params = new LinkedHashMap<>();
        tensors(c.get("initial")).forEach((k, t) -> params.put(k, Variable.parameter(t)));
        Optimizer opt = switch (name) {
            case "adam" -> new Adam(params, 0.01);
            case "adam_wd" -> new Adam(params, 0.003, 0.8, 0.99, 1e-6, 0.1);
            case "sgd_momentum" -> new Sgd(params, 0.05, 0.9);
            case "sgd_nesterov" -> new Sgd(params, 0.05, 0.9, 0, 0.01, true);
            default -> throw new IllegalArgumentException("unknown optimizer case " + name);
        };
        int s = 0;
        for (JsonNode step : c.get("steps")) {
            params.values().forEach(Variable::clearGrad);
            tensors(step.get("grads")).forEach((k, g) -> params.get(k).setGrad(g));
            opt.step();
            final int at = s;
            tensors(step.get("after")).forEach((k, expected) -> TensorCompare.assertClose(
                    name + " step " + at + " parameter " + k, params.get(k).data(), expected,
                    1e-6, 1e-5));
            s++;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backbones")
    void backboneHasTorchvisionKeysAndShapes(String arch, JsonNode keys) {
        ResNet net = new ResNet(ResNet.Arch.byName(arch),
                List.of("layer1", "layer2", "layer3", "layer4"), new Generator(1));
        Map<String, Tensor> own = net.stateDict();
        List<String> expected = new ArrayList<>();
        for (JsonNode k : keys) {
            String key = k.get(0).asText();
            if (key.startsWith("fc.")) {
                continue;
            }
            expected.add(key);
            int[] shape = new int[k.get(1).size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = k.get(1).get(i).asInt();
            }
            Tensor t = own.get(key);
            assertEquals(Shape.of(shape), t == null ? null : t.shape(), arch + " key " + key);
        }
        assertEquals(expected, new ArrayList<>(own.keySet()), arch + " key order");
        Module m = net;
        assertEquals(expected.size(), m.stateDict().size());
    }
}
