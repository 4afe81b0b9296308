package ed4j.nn.backbones;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.nn.Sequential;
import ed4j.nn.layers.BatchNorm2d;
import ed4j.nn.layers.Conv2d;
import ed4j.tensor.Generator;

/**
 * The two-convolution residual block of ResNet-18/34:
 * {@code relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))}, the stride on {@code conv1}.
 */
final class BasicBlock extends Layer {

    static final int EXPANSION = 1;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Sequential downsample;
    private FoldedConv f1;
    private FoldedConv f2;
    private FoldedConv fd;

    BasicBlock(int inPlanes, int planes, int stride, Generator g) {
        conv1 = registerModule("conv1", Conv2d.builder(inPlanes, planes, 3).stride(stride)
                .padding(1).bias(false).build(g));
        bn1 = registerModule("bn1", new BatchNorm2d(planes));
        conv2 = registerModule("conv2",
                Conv2d.builder(planes, planes, 3).padding(1).bias(false).build(g));
        bn2 = registerModule("bn2", new BatchNorm2d(planes));
        downsample = stride != 1 || inPlanes != planes
                ? registerModule("downsample", ResNet.shortcut(inPlanes, planes, stride, g))
                : null;
    }

    /** Folds each BatchNorm into its convolution (null: undo). */
    void fold(boolean on) {
        f1 = on ? FoldedConv.of(conv1, bn1) : null;
        f2 = on ? FoldedConv.of(conv2, bn2) : null;
        fd = on && downsample != null ? ResNet.foldShortcut(downsample) : null;
    }

    @Override
    public Variable forward(Variable x) {
        if (f1 != null) {
            Variable identity = fd != null ? fd.forward(x, null, false) : x;
            return f2.forward(f1.forward(x, null, true), identity, true);
        }
        Variable out = bn1.forward(conv1.forward(x)).relu();
        out = bn2.forward(conv2.forward(out));
        Variable identity = downsample == null ? x : downsample.forward(x);
        return out.add(identity).relu();
    }
}
