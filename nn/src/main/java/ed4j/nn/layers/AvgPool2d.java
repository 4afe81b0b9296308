package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.tensor.Pool2dParams;

/** Average pooling of {@code (N, C, H, W)}; by default padding counts in the divisor. */
public final class AvgPool2d extends Layer {

    private final Pool2dParams params;

    public AvgPool2d(int kernel, int stride, int padding) {
        this(Pool2dParams.of(kernel, stride, padding));
    }

    public AvgPool2d(Pool2dParams params) {
        this.params = params;
    }

    @Override
    public Variable forward(Variable x) {
        return x.avgPool2d(params);
    }
}
