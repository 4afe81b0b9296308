package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;

/**
 * Layer normalisation over the trailing dims, with optional elementwise weight and bias; the
 * backward pass is the backend's fused kernel, fed the saved per-row mean and 1/std.
 */
public final class LayerNorm extends Function {

    private Tensor x;
    private Tensor weight;
    private Tensor mean;
    private Tensor rstd;
    private int normalizedNumel;

    private LayerNorm() {}

    /** {@code weight} and {@code bias} may both be null for no affine terms. */
    public static Variable apply(Variable x, int[] normalizedShape, Variable weight,
            Variable bias, double eps) {
        if ((weight == null) != (bias == null)) {
            throw new IllegalArgumentException(
                    "layerNorm: pass both weight and bias, or neither");
        }
        LayerNorm fn = new LayerNorm();
        Tensor.LayerNormResult r = x.data().layerNormWithStats(normalizedShape,
                weight == null ? null : weight.data(), bias == null ? null : bias.data(), eps);
        fn.x = x.data();
        fn.weight = weight == null ? null : weight.data();
        fn.mean = r.mean();
        fn.rstd = r.rstd();
        int n = 1;
        for (int s : normalizedShape) {
            n *= s;
        }
        fn.normalizedNumel = n;
        return weight == null ? fn.output(r.output(), x) : fn.output(r.output(), x, weight, bias);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor[] g = grad.backend().layerNormBackward(grad, x, mean, rstd, weight,
                normalizedNumel);
        return weight == null ? new Tensor[] {g[0]} : new Tensor[] {g[0], g[1], g[2]};
    }

    @Override
    protected void releaseSaved() {
        x = null;
        weight = null;
        mean = null;
        rstd = null;
    }
}
