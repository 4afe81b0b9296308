package ed4j.autograd;

import ed4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradient checks of the elementwise ops, with broadcasting and strided operands. */
class ElementwiseGradCheckTest {

    private final Inputs in = new Inputs(11);

    @Test
    void addWithBroadcast() {
        GradCheck.check("add", v -> v.get(0).add(v.get(1)), in.randn(3, 4), in.randn(4));
    }

    @Test
    void subWithBroadcastOnTransposedView() {
        GradCheck.check("sub", v -> v.get(0).transpose(0, 1).sub(v.get(1)),
                in.randn(4, 3), in.randn(3, 1));
    }

    @Test
    void mulWithBroadcastBothSides() {
        GradCheck.check("mul", v -> v.get(0).mul(v.get(1)), in.randn(2, 1, 4), in.randn(3, 1));
    }

    @Test
    void divWithBroadcast() {
        GradCheck.check("div", v -> v.get(0).div(v.get(1)),
                in.randn(2, 3), in.uniform(0.5, 2.0, 2, 1));
    }

    @Test
    void powTensorExponent() {
        GradCheck.check("pow", v -> v.get(0).pow(v.get(1)),
                in.uniform(0.5, 2.0, 3, 2), in.randn(2));
    }

    @Test
    void powScalarExponent() {
        GradCheck.check("pow(scalar)", v -> v.get(0).pow(3.0).add(v.get(0).pow(2.0)),
                in.randn(5));
        GradCheck.check("pow(fractional)", v -> v.get(0).pow(1.5), in.uniform(0.5, 2, 5));
    }

    @Test
    void neg() {
        GradCheck.check("neg", v -> v.get(0).neg(), in.randn(3, 2));
    }

    @Test
    void exp() {
        GradCheck.check("exp", v -> v.get(0).slice(1, 0, 5, 2).exp(), in.randn(3, 5));
    }

    @Test
    void log() {
        GradCheck.check("log", v -> v.get(0).log(), in.uniform(0.2, 3.0, 4, 3));
    }

    @Test
    void sqrt() {
        GradCheck.check("sqrt", v -> v.get(0).sqrt(), in.uniform(0.2, 3.0, 6));
    }

    @Test
    void abs() {
        GradCheck.check("abs", v -> v.get(0).abs(), in.awayFromZero(0.1, 3, 4));
    }

    @Test
    void sigmoid() {
        GradCheck.check("sigmoid", v -> v.get(0).mul(3.0).sigmoid(), in.randn(3, 4));
    }

    @Test
    void tanh() {
        GradCheck.check("tanh", v -> v.get(0).tanh(), in.randn(2, 5));
    }

    @Test
    void relu() {
        GradCheck.check("relu", v -> v.get(0).relu(), in.awayFromZero(0.1, 4, 4));
    }

    @Test
    void gelu() {
        // Covers the far tails too, where the normal CDF goes through erfc.
        Tensor x = Tensor.of(new double[] {-9, -5, -2.5, -1, -0.3, 0.2, 0.9, 2, 4.5, 8}, 10);
        GradCheck.check("gelu", v -> v.get(0).gelu(), x);
        GradCheck.check("gelu", v -> v.get(0).mT().gelu(), in.randn(3, 4));
    }

    @Test
    void clamp() {
        Tensor x = Tensor.of(new double[] {-2, -0.7, -0.2, 0.1, 0.4, 0.8, 1.3}, 7);
        GradCheck.check("clamp", v -> v.get(0).clamp(-0.5, 0.5), x);
        GradCheck.check("clampMin", v -> v.get(0).clampMin(0.0), x);
    }

    @Test
    void whereWithBroadcast() {
        Tensor cond = Tensor.of(new double[] {1, 0, 1}, 3);
        GradCheck.check("where", v -> Variable.where(cond, v.get(0), v.get(1)),
                in.randn(2, 3), in.randn(2, 1));
    }

    @Test
    void squareAndScalarOps() {
        GradCheck.check("scalar ops",
                v -> v.get(0).square().add(1.0).mul(0.5).sub(2.0).div(3.0).rsub(1.0),
                in.randn(4));
        GradCheck.check("rpow", v -> v.get(0).rpow(3.0), in.randn(4));
    }
}
