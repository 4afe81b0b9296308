package ed4j.nn.layers;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;

/** The exact GELU, {@code x * Phi(x)}. */
public final class GELU extends Layer {

    @Override
    public Variable forward(Variable x) {
        return x.gelu();
    }
}
