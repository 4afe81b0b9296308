package ed4j.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The graph machinery: accumulation, retained graphs, detach, no-grad, freed graphs. */
class EngineTest {

    private static Variable param(double... v) {
        return Variable.parameter(Tensor.of(v, v.length));
    }

    @Test
    void gradientsAccumulateAcrossBackwardPasses() {
        Variable x = param(1, 2, 3);
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {2, 4, 6}, x.grad().toDoubleArray());
        x.mul(3.0).sum().backward();
        assertArrayEquals(new double[] {5, 7, 9}, x.grad().toDoubleArray());
        x.zeroGradInPlace();
        assertArrayEquals(new double[] {0, 0, 0}, x.grad().toDoubleArray());
        x.clearGrad();
        assertFalse(x.hasGrad());
    }

    @Test
    void leavesSharingOneGradientTensorAccumulateApart() {
        // The addition's backward hands the incoming tensor itself to both leaves (and it is
        // the caller's); no leaf may write into it.
        Variable a = param(1, 2);
        Variable b = param(3, 4);
        Tensor given = Tensor.of(new double[] {1, 1}, 2);
        a.add(b).backward(given, false);
        assertSame(given, a.grad());
        assertSame(given, b.grad());
        a.add(b).backward(given, false);
        assertArrayEquals(new double[] {2, 2}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {2, 2}, b.grad().toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, given.toDoubleArray(), "shared tensor written");
        // Now each owns its gradient: zeroing and adding work in place, on that leaf alone.
        Tensor owned = a.grad();
        a.zeroGradInPlace();
        assertSame(owned, a.grad());
        assertArrayEquals(new double[] {0, 0}, owned.toDoubleArray());
        assertArrayEquals(new double[] {2, 2}, b.grad().toDoubleArray());
        a.mul(b).sum().backward();
        assertSame(owned, a.grad());
        assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {3, 4}, b.grad().toDoubleArray());
    }

    @Test
    void aGradientSetFromOutsideIsNeverWritten() {
        Variable x = param(1, 2);
        Tensor given = Tensor.of(new double[] {10, 20}, 2);
        x.setGrad(given);
        x.mul(3.0).sum().backward();
        assertArrayEquals(new double[] {13, 23}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {10, 20}, given.toDoubleArray());
        x.setGrad(given);
        x.zeroGradInPlace();
        assertArrayEquals(new double[] {0, 0}, x.grad().toDoubleArray());
        assertArrayEquals(new double[] {10, 20}, given.toDoubleArray());
    }

    @Test
    void retainGraphAllowsASecondPassAndFreedGraphsFailClearly() {
        Variable x = param(1, 2);
        Variable y = x.exp().sum();
        y.backward(true);
        y.backward(false);
        assertArrayEquals(new double[] {2 * Math.exp(1), 2 * Math.exp(2)},
                x.grad().toDoubleArray(), 1e-12);
        IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("retainGraph"), e.getMessage());
    }

    @Test
    void twoLossesSharingASubgraph() {
        // The published ED loop: backward loss1 keeping the graph, then loss2.
        Variable x = param(0.5, -1);
        Variable shared = x.tanh();
        Variable loss1 = shared.sum();
        Variable loss2 = shared.mul(shared).sum();
        loss1.backward(true);
        loss2.backward();
        double[] g = x.grad().toDoubleArray();
        double[] v = {0.5, -1};
        for (int i = 0; i < 2; i++) {
            double t = Math.tanh(v[i]);
            assertEquals((1 - t * t) * (1 + 2 * t), g[i], 1e-12);
        }
    }

    @Test
    void detachAndNoGradStopGradients() {
        Variable x = param(1, 2);
        Variable y = x.mul(x.detach()).sum();
        y.backward();
        assertArrayEquals(new double[] {1, 2}, x.grad().toDoubleArray());
        try (GradMode.Scope s = GradMode.noGrad()) {
            Variable z = x.mul(2.0);
            assertFalse(z.requiresGrad());
            assertNull(z.gradFn());
        }
        assertTrue(x.mul(2.0).requiresGrad());
    }

    @Test
    void backwardFromNonScalarNeedsAGradient() {
        Variable x = param(1, 2);
        Variable y = x.mul(2.0);
        assertThrows(IllegalStateException.class, y::backward);
        y.backward(Tensor.of(new double[] {1, 10}, 2), false);
        assertArrayEquals(new double[] {2, 20}, x.grad().toDoubleArray());
        Variable c = Variable.constant(Tensor.of(new double[] {1}, 1));
        assertThrows(IllegalStateException.class, () -> c.sum().backward());
    }

    @Test
    void nodeReachedOnlyByNullGradientsStillReleasesItsInputs() {
        // x feeds w (as the non-differentiable side of where) and the output directly.
        Variable x = param(1, -2, 3);
        Variable masked = Variable.where(Tensor.of(new double[] {1, 0, 1}, 3),
                Variable.constant(Tensor.zeros(ed4j.tensor.Shape.of(3),
                        ed4j.tensor.DType.FLOAT64)), x.exp());
        Variable y = masked.add(x).sum();
        y.backward();
        assertArrayEquals(new double[] {1, 1 + Math.exp(-2), 1}, x.grad().toDoubleArray(),
                1e-12);
    }

    @Test
    void deepGraphsDoNotOverflowTheStack() {
        Variable x = param(1.0);
        Variable y = x;
        for (int i = 0; i < 20000; i++) {
            y = y.mul(1.0);
        }
        y.sum().backward();
        assertArrayEquals(new double[] {1.0}, x.grad().toDoubleArray());
    }
}
