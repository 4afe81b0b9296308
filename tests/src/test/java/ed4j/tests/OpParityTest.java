package ed4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ed4j.autograd.Variable;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Replays every case of the PyTorch op fixtures ({@code tests/python/fixtures_ops.py}) through
 * the engine in float32: the output, any indices, and the gradients of the inputs for the stored
 * output gradient must match PyTorch 1.13.
 */
class OpParityTest {

    private static final Path DIR = Fixtures.dir("ops");
    private static JsonNode manifest;
    private static Map<String, Tensor> arrays;

    /** Starting tolerances by op family; see the project's testing notes. */
    private static final Map<String, double[]> TOLERANCE = Map.of(
            "elementwise", new double[] {1e-6, 1e-5},
            "reduction", new double[] {1e-5, 1e-4},
            "matmul", new double[] {1e-5, 1e-4});

    private static synchronized void load() throws IOException {
        if (manifest == null) {
            manifest = new ObjectMapper().readTree(DIR.resolve("ops.json").toFile());
            arrays = Npy.readNpz(DIR.resolve("ops.npz"));
        }
    }

    static Stream<Arguments> cases() throws IOException {
        load();
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : manifest.get("cases")) {
            out.add(Arguments.of(c.get("name").asText(), c));
        }
        return out.stream();
    }

    @Test
    void fixturesComeFromTheExpectedTorch() throws IOException {
        load();
        assertTrue(manifest.get("torch").asText().startsWith("1.13"),
                "fixtures were written by torch " + manifest.get("torch").asText());
        assertTrue(manifest.get("cases").size() >= 50);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPyTorch(String name, JsonNode c) {
        JsonNode p = c.get("params");
        double[] tol = TOLERANCE.get(c.get("tol").asText());
        List<Variable> inputs = new ArrayList<>();
        for (JsonNode key : c.get("inputs")) {
            Tensor t = arrays.get(key.asText());
            if (c.get("strided").asBoolean()) {
                t = strided(t);
            }
            inputs.add(Variable.parameter(t));
        }
        List<Tensor> ints = new ArrayList<>();
        for (JsonNode key : c.get("int_inputs")) {
            ints.add(arrays.get(key.asText()));
        }
        String op = c.get("op").asText();
        Tensor[] indices = new Tensor[1];
        Variable out = run(op, inputs, ints, p, indices);
        Tensor expected = arrays.get(c.get("output").asText());
        TensorCompare.assertClose(name + " output", out.data(), expected, tol[0], tol[1]);
        if (c.has("indices")) {
            assertArrayEquals(arrays.get(c.get("indices").asText()).toLongArray(),
                    indices[0].toLongArray(), name + " indices");
        }
        if (!c.has("grad_output")) {
            return;
        }
        out.backward(arrays.get(c.get("grad_output").asText()), false);
        JsonNode grads = c.get("grads");
        assertEquals(inputs.size(), grads.size());
        for (int i = 0; i < inputs.size(); i++) {
            if (grads.get(i).isNull()) {
                continue;
            }
            TensorCompare.assertClose(name + " gradient of input " + i, inputs.get(i).grad(),
                    arrays.get(grads.get(i).asText()), tol[0], tol[1]);
        }
    }

    /** The same values laid out non-contiguously (transposed storage, or every other element). */
    private static Tensor strided(Tensor t) {
        if (t.rank() >= 2) {
            return t.mT().contiguous().mT();
        }
        if (t.rank() == 1) {
            return Tensor.stack(List.of(t, t.zerosLike()), 1).select(1, 0);
        }
        return t;
    }

    private static int[] ints(JsonNode n) {
        int[] r = new int[n.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = n.get(i).asInt();
        }
        return r;
    }

    private static Variable run(String op, List<Variable> in, List<Tensor> ints, JsonNode p,
            Tensor[] indices) {
        Variable x = in.get(0);
        Map<String, BiFunction<Variable, Variable, Variable>> binary = new HashMap<>();
        binary.put("add", Variable::add);
        binary.put("sub", Variable::sub);
        binary.put("mul", Variable::mul);
        binary.put("div", Variable::div);
        binary.put("pow", Variable::pow);
        binary.put("matmul", Variable::matmul);
        if (binary.containsKey(op)) {
            return binary.get(op).apply(x, in.get(1));
        }
        return switch (op) {
            case "pow_scalar" -> x.pow(p.get("exponent").asDouble());
            case "neg" -> x.neg();
            case "exp" -> x.exp();
            case "log" -> x.log();
            case "sqrt" -> x.sqrt();
            case "abs" -> x.abs();
            case "sigmoid" -> x.sigmoid();
            case "tanh" -> x.tanh();
            case "relu" -> x.relu();
            case "gelu" -> x.gelu();
            case "clamp" -> x.clamp(p.get("min").asDouble(), p.get("max").asDouble());
            case "where" -> Variable.where(x.data().gt(0.0), in.get(1), in.get(2));
            case "eq" -> Variable.constant(x.data().eq(in.get(1).data()));
            case "lt" -> Variable.constant(x.data().lt(in.get(1).data()));
            case "ge" -> Variable.constant(x.data().ge(in.get(1).data()));
            case "sum" -> x.sum(ints(p.get("dims")), p.get("keepdim").asBoolean());
            case "mean" -> x.mean(ints(p.get("dims")), p.get("keepdim").asBoolean());
            case "amax" -> x.amax(ints(p.get("dims")), p.get("keepdim").asBoolean());
            case "max", "min", "median" -> {
                int dim = p.get("dim").asInt();
                boolean keep = p.get("keepdim").asBoolean();
                Variable.ValuesIndices r = op.equals("max") ? x.max(dim, keep)
                        : op.equals("min") ? x.min(dim, keep) : x.median(dim, keep);
                indices[0] = r.indices();
                yield r.values();
            }
            case "var" -> x.var(ints(p.get("dims")), p.get("correction").asInt(),
                    p.get("keepdim").asBoolean());
            case "softmax" -> x.softmax(p.get("dim").asInt());
            case "log_softmax" -> x.logSoftmax(p.get("dim").asInt());
            case "conv2d" -> {
                int s = p.get("stride").asInt();
                int pad = p.get("padding").asInt();
                int d = p.get("dilation").asInt();
                Conv2dParams cp = new Conv2dParams(s, s, pad, pad, d, d, p.get("groups").asInt());
                yield in.size() == 3 ? x.conv2d(in.get(1), in.get(2), cp) : x.conv2d(in.get(1), cp);
            }
            case "avg_pool2d" -> x.avgPool2d(Pool2dParams.of(p.get("kernel").asInt(),
                    p.get("stride").asInt(), p.get("padding").asInt()));
            case "max_pool2d" -> x.maxPool2d(Pool2dParams.of(p.get("kernel").asInt(),
                    p.get("stride").asInt(), p.get("padding").asInt()));
            case "layer_norm" -> in.size() == 3
                    ? x.layerNorm(ints(p.get("normalized_shape")), in.get(1), in.get(2),
                            p.get("eps").asDouble())
                    : x.layerNorm(ints(p.get("normalized_shape")), p.get("eps").asDouble());
            case "bilinear" -> x.upsampleBilinear2d(p.get("size").get(0).asInt(),
                    p.get("size").get(1).asInt(), p.get("align_corners").asBoolean());
            case "cat" -> Variable.cat(in, p.get("dim").asInt());
            case "stack" -> Variable.stack(in, p.get("dim").asInt());
            case "index_select" -> x.indexSelect(p.get("dim").asInt(), ints.get(0));
            case "gather" -> x.gather(p.get("dim").asInt(), ints.get(0));
            default -> throw new IllegalArgumentException("fixture names unknown op " + op);
        };
    }
}
