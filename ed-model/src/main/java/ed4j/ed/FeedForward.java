package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.Module;
import ed4j.nn.layers.Conv2d;
import ed4j.nn.layers.Linear;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * The feed-forward block (ED-SPEC section 3): {@code fc1 (d -> f)}, a depthwise 3x3 convolution
 * on the tokens laid back on the {@code h x w} grid, exact GELU, then
 * {@code x + scaling * median_L(x)} (the lower median over tokens per item and channel, its
 * gradient to the selected element), and {@code fc2 (f -> d)}. Dropout is 0 in the published
 * model and omitted. Input and output {@code (B, L, d)}.
 */
public final class FeedForward extends Module {

    private final Linear fc1;
    private final Conv2d dwconv;
    private final Variable scaling;
    private final Linear fc2;
    private final int gridH;
    private final int gridW;

    public FeedForward(EdConfig cfg, Generator g) {
        int d = cfg.width();
        int f = cfg.ffnWidth();
        gridH = cfg.gridH();
        gridW = cfg.gridW();
        fc1 = registerModule("fc1", new Linear(d, f, g));
        Holder holder = registerModule("dwconv", new Holder());
        dwconv = holder.add(Conv2d.builder(f, f, 3).padding(1).groups(f).build(g));
        scaling = registerParameter("scaling", Tensor.full(Shape.of(f), 1.0, DType.FLOAT32));
        fc2 = registerModule("fc2", new Linear(f, d, g));
    }

    /** Names the convolution {@code dwconv.dwconv}, as the published model nests it. */
    private static final class Holder extends Module {
        Conv2d add(Conv2d c) {
            return registerModule("dwconv", c);
        }
    }

    public Variable forward(Variable x) {
        int b = x.size(0);
        int l = x.size(1);
        Variable y = fc1.forward(x);
        int f = y.size(2);
        Variable grid = y.transpose(1, 2).reshape(b, f, gridH, gridW);
        y = dwconv.forward(grid).reshape(b, f, l).transpose(1, 2);
        y = y.gelu();
        y = y.add(scaling.mul(y.median(1, true).values()));
        return fc2.forward(y);
    }
}
