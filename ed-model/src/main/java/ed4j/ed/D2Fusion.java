package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.Module;
import ed4j.nn.Sequential;
import ed4j.nn.layers.Linear;
import ed4j.nn.layers.ReLU;
import ed4j.tensor.Generator;
import java.util.List;

/**
 * D2Fusion (ED-SPEC section 3): {@code fc = Linear(2d -> f), ReLU, Linear(f -> d)} applied to
 * the channel concatenation of the self-attention and cross-attention branches.
 */
public final class D2Fusion extends Module {

    private final Sequential fc;

    public D2Fusion(EdConfig cfg, Generator g) {
        int d = cfg.width();
        int f = cfg.ffnWidth();
        fc = registerModule("fc",
                new Sequential(new Linear(2 * d, f, g), new ReLU(), new Linear(f, d, g)));
    }

    /** {@code (B, L, d), (B, L, d) -> (B, L, d)}. */
    public Variable forward(Variable intra, Variable inter) {
        return fc.forward(Variable.cat(List.of(intra, inter), -1));
    }
}
