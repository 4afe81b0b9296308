package ed4j.nn;

import ed4j.autograd.Variable;

/** Returns its input. */
public final class Identity extends Layer {

    @Override
    public Variable forward(Variable x) {
        return x;
    }
}
