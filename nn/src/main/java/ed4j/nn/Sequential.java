package ed4j.nn;

import ed4j.autograd.Variable;
import java.util.ArrayList;
import java.util.List;

/** Layers applied in order, named {@code 0, 1, 2, ...} as in PyTorch. */
public final class Sequential extends Layer {

    private final List<Layer> layers = new ArrayList<>();

    public Sequential(Layer... layers) {
        for (Layer l : layers) {
            add(l);
        }
    }

    /** Appends a layer under the next index; returns this. */
    public Sequential add(Layer layer) {
        registerModule(Integer.toString(layers.size()), layer);
        layers.add(layer);
        return this;
    }

    /** The layer at {@code index}. */
    public Layer get(int index) {
        return layers.get(index);
    }

    public int size() {
        return layers.size();
    }

    @Override
    public Variable forward(Variable x) {
        Variable y = x;
        for (Layer l : layers) {
            y = l.forward(y);
        }
        return y;
    }
}
