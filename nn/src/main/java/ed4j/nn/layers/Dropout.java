package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;

/**
 * In training mode, zeroes each element with probability {@code p} and scales the rest by
 * {@code 1/(1-p)}; the identity in evaluation mode or with {@code p = 0}. The mask comes from
 * the layer's own seeded generator.
 */
public final class Dropout extends Layer {

    private final double p;
    private final Generator gen;

    public Dropout(double p, Generator gen) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.gen = gen;
    }

    public double p() {
        return p;
    }

    @Override
    public Variable forward(Variable x) {
        if (!isTraining() || p == 0) {
            return x;
        }
        Tensor keep = Tensor.rand(gen, x.shape(), DType.FLOAT64).ge(p).mul(1.0 / (1.0 - p));
        return x.mul(Variable.constant(keep.to(x.dtype()).to(x.device())));
    }
}
