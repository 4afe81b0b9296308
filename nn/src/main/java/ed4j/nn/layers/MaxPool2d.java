package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.tensor.Pool2dParams;

/** Max pooling of {@code (N, C, H, W)}; padding acts as negative infinity. */
public final class MaxPool2d extends Layer {

    private final Pool2dParams params;

    public MaxPool2d(int kernel, int stride, int padding) {
        this.params = Pool2dParams.of(kernel, stride, padding);
    }

    @Override
    public Variable forward(Variable x) {
        return x.maxPool2d(params);
    }
}
