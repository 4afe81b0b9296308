package ed4j.autograd;

import ed4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradient checks of reductions, softmax and the composite variance. */
class ReductionGradCheckTest {

    private final Inputs in = new Inputs(23);

    @Test
    void sumOverDims() {
        GradCheck.check("sum(all)", v -> v.get(0).sum(), in.randn(3, 4));
        GradCheck.check("sum(dim)", v -> v.get(0).sum(1, false), in.randn(3, 4, 2));
        GradCheck.check("sum(dims, keepdim)",
                v -> v.get(0).transpose(0, 2).sum(new int[] {0, 2}, true), in.randn(3, 4, 2));
    }

    @Test
    void meanOverDims() {
        GradCheck.check("mean(all)", v -> v.get(0).mean(), in.randn(5));
        GradCheck.check("mean(dims)", v -> v.get(0).mean(new int[] {-1, 0}, false),
                in.randn(2, 3, 4));
    }

    @Test
    void amaxAmin() {
        GradCheck.check("amax", v -> v.get(0).amax(new int[] {1}, false), in.randn(3, 5));
        GradCheck.check("amin", v -> v.get(0).amin(new int[] {0, 1}, true), in.randn(3, 5));
    }

    @Test
    void maxMinAlongDim() {
        GradCheck.check("max(dim)", v -> v.get(0).max(1, false).values(), in.randn(4, 6));
        GradCheck.check("min(dim, keepdim)", v -> v.get(0).mT().min(0, true).values(),
                in.randn(4, 6));
    }

    @Test
    void medianEvenAndOdd() {
        GradCheck.check("median(even)", v -> v.get(0).median(1, false).values(),
                in.randn(3, 6));
        GradCheck.check("median(odd)", v -> v.get(0).median(0, true).values(),
                in.randn(5, 3));
    }

    @Test
    void varianceComposite() {
        GradCheck.check("var(unbiased)", v -> v.get(0).var(new int[] {1}, 1, false),
                in.randn(3, 5));
        GradCheck.check("var(biased)", v -> v.get(0).var(new int[] {0, 1}, 0, true),
                in.randn(3, 5));
    }

    @Test
    void softmax() {
        GradCheck.check("softmax(last)", v -> v.get(0).softmax(-1), in.randn(3, 5));
        GradCheck.check("softmax(middle, strided)", v -> v.get(0).permute(2, 0, 1).softmax(1),
                in.randn(4, 3, 2));
    }

    @Test
    void scaledSoftmax() {
        GradCheck.check("scaledSoftmax(last)", v -> v.get(0).scaledSoftmax(v.get(1), -1),
                in.randn(2, 3, 5), Tensor.of(new double[] {0.7}));
        GradCheck.check("scaledSoftmax(strided, dim 0)",
                v -> v.get(0).mT().scaledSoftmax(v.get(1).reshape(), 0), in.randn(3, 4),
                Tensor.of(new double[] {-1.3}, 1));
        // The fused kernel equals the composite in float32 too.
        Tensor x = in.randn(4, 7).to(ed4j.tensor.DType.FLOAT32);
        ed4j.tensor.TensorCompare.assertClose("scaledSoftmax float32",
                Variable.constant(x).scaledSoftmax(Variable.constant(
                        Tensor.scalar(0.35, ed4j.tensor.DType.FLOAT32)), -1).data(),
                x.mul(0.35).softmax(-1), 1e-7, 1e-6);
        // A zero scale: the backward pass falls back to the saved input.
        GradCheck.check("scaledSoftmax(zero scale)", v -> v.get(0).scaledSoftmax(v.get(1), -1),
                in.randn(2, 6), Tensor.of(new double[] {0.0}));
    }

    @Test
    void scaledSoftmaxScaleGradientWithUnderflow() {
        // Wide logits: in float32 most of each row underflows to exactly zero, where the scale
        // gradient, recovered from log y, must take the terms as zero.
        Tensor x = in.randn(6, 40).mul(300.0).to(ed4j.tensor.DType.FLOAT32);
        Tensor g = in.randn(6, 40).to(ed4j.tensor.DType.FLOAT32);
        Tensor[] fused = scaleAndInputGrads(x, g, true);
        Tensor[] composite = scaleAndInputGrads(x, g, false);
        org.junit.jupiter.api.Assertions.assertTrue(
                x.mul(0.9).softmax(-1).eq(0.0).sum().item() > 100, "expected underflow");
        ed4j.tensor.TensorCompare.assertClose("scaledSoftmax d scale", fused[0], composite[0],
                1e-5, 1e-4);
        ed4j.tensor.TensorCompare.assertClose("scaledSoftmax d x", fused[1], composite[1],
                1e-6, 1e-5);
    }

    private static Tensor[] scaleAndInputGrads(Tensor x, Tensor g, boolean fused) {
        Variable xv = Variable.of(x, true);
        Variable s = Variable.of(Tensor.scalar(0.9, ed4j.tensor.DType.FLOAT32), true);
        Variable y = fused ? xv.scaledSoftmax(s, -1) : xv.mul(s).softmax(-1);
        y.backward(g, false);
        return new Tensor[] {s.grad(), xv.grad()};
    }

    @Test
    void logSoftmax() {
        GradCheck.check("logSoftmax", v -> v.get(0).logSoftmax(0), in.randn(4, 3));
        GradCheck.check("logSoftmax(last)", v -> v.get(0).logSoftmax(-1).mul(v.get(0)),
                in.randn(2, 6));
    }

    @Test
    void matmulShapes() {
        GradCheck.check("matmul", v -> v.get(0).matmul(v.get(1)), in.randn(3, 4), in.randn(4, 2));
        GradCheck.check("matmul(batched broadcast)", v -> v.get(0).matmul(v.get(1)),
                in.randn(2, 3, 4), in.randn(4, 5));
        GradCheck.check("matmul(transposed views)",
                v -> v.get(0).mT().matmul(v.get(1).mT()), in.randn(4, 3), in.randn(2, 4));
        GradCheck.check("matmul(batch broadcast both)", v -> v.get(0).matmul(v.get(1)),
                in.randn(2, 1, 3, 4), in.randn(3, 4, 2));
        GradCheck.check("matmul(vector right)", v -> v.get(0).matmul(v.get(1)),
                in.randn(3, 4), in.randn(4));
        GradCheck.check("matmul(vector left)", v -> v.get(0).matmul(v.get(1)),
                in.randn(4), in.randn(2, 4, 3));
        GradCheck.check("matmul(dot)", v -> v.get(0).matmul(v.get(1)), in.randn(4),
                in.randn(4));
    }

    @Test
    void scalarInputs() {
        Tensor s = Tensor.of(new double[] {0.7});
        GradCheck.check("scalar", v -> v.get(0).reshape().exp().mul(v.get(0).reshape()), s);
    }
}
