package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Init;
import ed4j.nn.Layer;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;

/**
 * 1-d convolution, stride 1, "same"-style symmetric padding {@code padding}. Input
 * {@code (N, in, L)}, {@code weight (out, in/groups, k)}, {@code bias (out)}. Runs as a 2-d
 * convolution over a height of 1. PyTorch's default initialisation.
 */
public final class Conv1d extends Layer {

    private final Variable weight;
    private final Variable bias;
    private final Conv2dParams params;

    public Conv1d(int in, int out, int kernel, Generator g) {
        this(in, out, kernel, 0, g);
    }

    public Conv1d(int in, int out, int kernel, int padding, Generator g) {
        if (in <= 0 || out <= 0 || kernel <= 0 || padding < 0) {
            throw new IllegalArgumentException(
                    "Conv1d: invalid sizes in=" + in + " out=" + out + " kernel=" + kernel
                            + " padding=" + padding);
        }
        Shape ws = Shape.of(out, in, kernel);
        weight = registerParameter("weight",
                Init.kaimingUniform(g, ws, Math.sqrt(5), DType.FLOAT32));
        bias = registerParameter("bias", Init.defaultBias(g, out, Init.fanIn(ws), DType.FLOAT32));
        params = new Conv2dParams(1, 1, 0, padding, 1, 1, 1);
    }

    public Variable weight() {
        return weight;
    }

    public Variable bias() {
        return bias;
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() != 3) {
            throw new IllegalArgumentException(
                    "Conv1d: expected input (N, C, L), got " + x.shape());
        }
        Variable w4 = weight.unsqueeze(2);
        return x.unsqueeze(2).conv2d(w4, bias, params).squeeze(2);
    }
}
