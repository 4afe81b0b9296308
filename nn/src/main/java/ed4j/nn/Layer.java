package ed4j.nn;

import ed4j.autograd.Variable;

/** A module with one input and one output, the kind {@link Sequential} chains. */
public abstract class Layer extends Module {

    /** Applies the layer. */
    public abstract Variable forward(Variable x);
}
