package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Init;
import ed4j.nn.Layer;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;

/**
 * {@code y = x W^T + b}. Input {@code (*, in)}, {@code weight (out, in)}, {@code bias (out)},
 * output {@code (*, out)}. Initialised as PyTorch does: Kaiming-uniform with {@code a =
 * sqrt(5)} for the weight, uniform in {@code +-1/sqrt(in)} for the bias.
 */
public final class Linear extends Layer {

    private final Variable weight;
    private final Variable bias;
    private final int in;
    private final int out;

    /** With a bias. */
    public Linear(int in, int out, Generator g) {
        this(in, out, true, g);
    }

    public Linear(int in, int out, boolean withBias, Generator g) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException(
                    "Linear: sizes must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        weight = registerParameter("weight",
                Init.kaimingUniform(g, Shape.of(out, in), Math.sqrt(5), DType.FLOAT32));
        bias = withBias ? registerParameter("bias", Init.defaultBias(g, out, in, DType.FLOAT32))
                : null;
    }

    public Variable weight() {
        return weight;
    }

    /** Whether the layer has a bias. */
    public boolean hasBias() {
        return bias != null;
    }

    public Variable bias() {
        if (bias == null) {
            throw new IllegalStateException("this Linear has no bias");
        }
        return bias;
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException(
                    "Linear(" + in + " -> " + out + "): expected input (*, " + in + "), got "
                            + x.shape());
        }
        Variable y = x.matmul(weight.mT());
        return bias == null ? y : y.add(bias);
    }
}
