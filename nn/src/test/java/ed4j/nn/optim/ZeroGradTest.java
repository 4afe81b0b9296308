package ed4j.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.autograd.Variable;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Optimizer#zeroGrad()} releases gradients yet steps as if they were zero tensors, as
 * PyTorch's {@code zero_grad(set_to_none=False)} does: checked bit for bit against the same
 * optimizer given explicit zero gradients, for two parameter sizes (the zeros are views of one
 * buffer) and a parameter that never had a gradient.
 */
class ZeroGradTest {

    @Test
    void releasedGradientsStepAsZeros() {
        Generator gen = new Generator(4);
        Tensor a0 = Tensor.randn(gen, Shape.of(3, 5), DType.FLOAT32);
        Tensor b0 = Tensor.randn(gen, Shape.of(7), DType.FLOAT32);
        Tensor c0 = Tensor.randn(gen, Shape.of(2), DType.FLOAT32);
        Map<String, Variable> released = params(a0, b0, c0);
        Map<String, Variable> explicit = params(a0, b0, c0);
        Adam optReleased = new Adam(released, 0.01);
        Adam optExplicit = new Adam(explicit, 0.01);

        // Step 1: a and b receive gradients, c never does.
        backward(released, true);
        backward(explicit, true);
        optReleased.step();
        optExplicit.step();
        // Steps 2 and 3: only a receives a gradient; b's is zero.
        for (int step = 0; step < 2; step++) {
            optReleased.zeroGrad();
            assertFalse(released.get("b").hasGrad(), "zeroGrad releases the gradient");
            backward(released, false);
            explicit.values().forEach(Variable::zeroGradInPlace);
            backward(explicit, false);
            optReleased.step();
            optExplicit.step();
        }
        for (String k : new String[] {"a", "b", "c"}) {
            assertArrayEquals(explicit.get(k).data().toFloatArray(),
                    released.get(k).data().toFloatArray(), k);
        }
        assertFalse(java.util.Arrays.equals(b0.toFloatArray(),
                released.get("b").data().toFloatArray()), "b moved by its momentum");
        assertArrayEquals(c0.toFloatArray(), released.get("c").data().toFloatArray(),
                "a parameter that never had a gradient stays untouched");
        assertTrue(optReleased.stateDict().keySet().stream().noneMatch(k -> k.startsWith("c.")),
                "no state for c");
    }

    private static Map<String, Variable> params(Tensor a, Tensor b, Tensor c) {
        Map<String, Variable> m = new LinkedHashMap<>();
        m.put("a", Variable.parameter(a.copy()));
        m.put("b", Variable.parameter(b.copy()));
        m.put("c", Variable.parameter(c.copy()));
        return m;
    }

    /** sum(a^2) (+ sum(b^3) when {@code withB}). */
    private static void backward(Map<String, Variable> p, boolean withB) {
        Variable loss = p.get("a").square().sum();
        if (withB) {
            loss = loss.add(p.get("b").square().mul(p.get("b")).sum());
        }
        loss.backward();
    }
}
