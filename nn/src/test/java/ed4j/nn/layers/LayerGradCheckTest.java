package ed4j.nn.layers;

import ed4j.autograd.GradCheck;
import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Gradient checks of the layers in float64, with respect to the input and every parameter: the
 * parameters are fed in as gradcheck inputs and loaded into the layer on each evaluation.
 */
class LayerGradCheckTest {

    private final Generator gen = new Generator(21);

    /** Checks {@code layer} on an input of {@code shape}, through its input and parameters. */
    private void check(String name, Layer layer, int... shape) {
        layer.to(DType.FLOAT64);
        List<Variable> leaves = new ArrayList<>();
        Variable x = Variable.parameter(Tensor.randn(gen, Shape.of(shape), DType.FLOAT64));
        leaves.add(x);
        for (Variable p : layer.namedParameters().values()) {
            // Move away from the initial ones and zeros so that every term matters.
            p.setData(p.data().add(Tensor.randn(gen, p.shape(), DType.FLOAT64).mul(0.1))
                    .contiguous());
            leaves.add(p);
        }
        GradCheck.checkLeaves(name, () -> layer.forward(x), GradCheck.Options.defaults(),
                leaves);
    }

    @Test
    void linear() {
        check("Linear", new Linear(5, 3, gen), 2, 4, 5);
    }

    @Test
    void conv1dPointwise() {
        check("Conv1d", new Conv1d(4, 3, 1, gen), 2, 4, 5);
    }

    @Test
    void conv2dWithGroups() {
        check("Conv2d", Conv2d.builder(4, 6, 3).stride(2).padding(1).groups(2).build(gen),
                2, 4, 5, 5);
    }

    @Test
    void batchNormTrainingMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.train(true);
        check("BatchNorm2d(train)", bn, 4, 3, 2, 3);
    }

    @Test
    void batchNormEvalMode() {
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.eval();
        check("BatchNorm2d(eval)", bn, 2, 3, 2, 3);
    }

    @Test
    void layerNorm() {
        check("LayerNorm", new LayerNorm(6), 3, 6);
    }

    @Test
    void dropoutInTrainingModeIsAFixedMaskPerCall() {
        // The mask comes from the layer's generator, so re-seed it for every evaluation.
        GradCheck.check("Dropout", v -> new Dropout(0.3, new Generator(4)).forward(v.get(0)),
                Tensor.randn(gen, Shape.of(4, 5), DType.FLOAT64));
    }
}
