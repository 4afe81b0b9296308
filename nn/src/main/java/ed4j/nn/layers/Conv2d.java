package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Init;
import ed4j.nn.Layer;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;

/**
 * 2-d convolution. Input {@code (N, in, H, W)}, {@code weight (out, in/groups, kH, kW)},
 * {@code bias (out)}. PyTorch's default initialisation (Kaiming-uniform, {@code a = sqrt(5)}).
 * Build with {@link #builder(int, int, int)}.
 */
public final class Conv2d extends Layer {

    private final Variable weight;
    private final Variable bias;
    private final Conv2dParams params;

    private Conv2d(Builder b, Generator g) {
        if (b.in % b.groups != 0 || b.out % b.groups != 0) {
            throw new IllegalArgumentException(
                    "Conv2d: channels in=" + b.in + " and out=" + b.out
                            + " must be divisible by groups=" + b.groups);
        }
        params = new Conv2dParams(b.stride, b.stride, b.padding, b.padding, b.dilation,
                b.dilation, b.groups);
        Shape ws = Shape.of(b.out, b.in / b.groups, b.kernel, b.kernel);
        weight = registerParameter("weight",
                Init.kaimingUniform(g, ws, Math.sqrt(5), DType.FLOAT32));
        bias = b.bias ? registerParameter("bias",
                Init.defaultBias(g, b.out, Init.fanIn(ws), DType.FLOAT32)) : null;
    }

    /** A builder for {@code in -> out} channels with a square {@code kernel}. */
    public static Builder builder(int in, int out, int kernel) {
        return new Builder(in, out, kernel);
    }

    public Variable weight() {
        return weight;
    }

    public boolean hasBias() {
        return bias != null;
    }

    public Variable bias() {
        if (bias == null) {
            throw new IllegalStateException("this Conv2d has no bias");
        }
        return bias;
    }

    public Conv2dParams params() {
        return params;
    }

    @Override
    public Variable forward(Variable x) {
        return bias == null ? x.conv2d(weight, params) : x.conv2d(weight, bias, params);
    }

    /** Options of a {@link Conv2d}; defaults: stride 1, padding 0, dilation 1, groups 1, bias. */
    public static final class Builder {
        private final int in;
        private final int out;
        private final int kernel;
        private int stride = 1;
        private int padding = 0;
        private int dilation = 1;
        private int groups = 1;
        private boolean bias = true;

        private Builder(int in, int out, int kernel) {
            if (in <= 0 || out <= 0 || kernel <= 0) {
                throw new IllegalArgumentException(
                        "Conv2d: in, out and kernel must be positive, got " + in + ", " + out
                                + ", " + kernel);
            }
            this.in = in;
            this.out = out;
            this.kernel = kernel;
        }

        public Builder stride(int s) {
            stride = s;
            return this;
        }

        public Builder padding(int p) {
            padding = p;
            return this;
        }

        public Builder dilation(int d) {
            dilation = d;
            return this;
        }

        public Builder groups(int g) {
            groups = g;
            return this;
        }

        public Builder bias(boolean b) {
            bias = b;
            return this;
        }

        public Conv2d build(Generator g) {
            return new Conv2d(this, g);
        }
    }
}
