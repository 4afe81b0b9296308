package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;

/** {@code max(x, 0)}. */
public final class ReLU extends Layer {

    @Override
    public Variable forward(Variable x) {
        return x.relu();
    }
}
