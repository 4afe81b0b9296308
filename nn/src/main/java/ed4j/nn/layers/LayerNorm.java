package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Layer normalisation over the trailing {@code normalizedShape} dims, with elementwise
 * {@code weight} (ones) and {@code bias} (zeros) of that shape.
 */
public final class LayerNorm extends Layer {

    private final int[] normalizedShape;
    private final double eps;
    private final Variable weight;
    private final Variable bias;

    /** Over the last dim of size {@code features}, eps 1e-5. */
    public LayerNorm(int features) {
        this(new int[] {features}, 1e-5);
    }

    public LayerNorm(int[] normalizedShape, double eps) {
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        Shape s = Shape.of(normalizedShape);
        weight = registerParameter("weight", Tensor.full(s, 1.0, DType.FLOAT32));
        bias = registerParameter("bias", Tensor.zeros(s, DType.FLOAT32));
    }

    public Variable weight() {
        return weight;
    }

    public Variable bias() {
        return bias;
    }

    @Override
    public Variable forward(Variable x) {
        return x.layerNorm(normalizedShape, weight, bias, eps);
    }
}
