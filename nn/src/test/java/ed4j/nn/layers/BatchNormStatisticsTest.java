package ed4j.nn.layers;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BatchNorm's cumulative averaging, used to re-estimate a backbone's statistics. */
class BatchNormStatisticsTest {

    @Test
    void cumulativeAverageIsTheMeanOverBatches() {
        Generator g = new Generator(9);
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.setCumulativeAverage(true);
        bn.train(true);
        List<Tensor> batches = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batches.add(Tensor.randn(g, Shape.of(2, 3, 4, 5), DType.FLOAT32).mul(1 + i).add(i));
        }
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Tensor b : batches) {
                bn.forward(Variable.constant(b));
            }
        }
        Tensor meanOfMeans = Tensor.stack(batches.stream()
                .map(b -> b.mean(new int[] {0, 2, 3}, false)).toList(), 0).mean(0, false);
        Tensor meanOfVars = Tensor.stack(batches.stream()
                .map(b -> b.var(new int[] {0, 2, 3}, 1, false)).toList(), 0).mean(0, false);
        TensorCompare.assertClose("running mean", bn.runningMean(), meanOfMeans, 1e-6, 1e-5);
        TensorCompare.assertClose("running var", bn.runningVar(), meanOfVars, 1e-6, 1e-5);
        bn.setCumulativeAverage(false);
    }
}
