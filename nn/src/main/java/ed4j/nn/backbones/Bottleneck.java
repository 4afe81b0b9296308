package ed4j.nn.backbones;

import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.nn.Sequential;
import ed4j.nn.layers.BatchNorm2d;
import ed4j.nn.layers.Conv2d;
import ed4j.tensor.Generator;

/**
 * The 1x1 / 3x3 / 1x1 residual block of ResNet-50 and deeper, torchvision's "ResNet V1.5"
 * variant with the stride on the 3x3 convolution. The inner width is
 * {@code planes * widthPerGroup / 64} (doubled in the wide variants); the output has
 * {@code 4 * planes} channels.
 */
final class Bottleneck extends Layer {

    static final int EXPANSION = 4;

    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Sequential downsample;
    private FoldedConv f1;
    private FoldedConv f2;
    private FoldedConv f3;
    private FoldedConv fd;

    Bottleneck(int inPlanes, int planes, int stride, int widthPerGroup, Generator g) {
        int width = planes * widthPerGroup / 64;
        int outPlanes = planes * EXPANSION;
        conv1 = registerModule("conv1",
                Conv2d.builder(inPlanes, width, 1).bias(false).build(g));
        bn1 = registerModule("bn1", new BatchNorm2d(width));
        conv2 = registerModule("conv2", Conv2d.builder(width, width, 3).stride(stride)
                .padding(1).bias(false).build(g));
        bn2 = registerModule("bn2", new BatchNorm2d(width));
        conv3 = registerModule("conv3",
                Conv2d.builder(width, outPlanes, 1).bias(false).build(g));
        bn3 = registerModule("bn3", new BatchNorm2d(outPlanes));
        downsample = stride != 1 || inPlanes != outPlanes
                ? registerModule("downsample", ResNet.shortcut(inPlanes, outPlanes, stride, g))
                : null;
    }

    /** Folds each BatchNorm into its convolution (null: undo). */
    void fold(boolean on) {
        f1 = on ? FoldedConv.of(conv1, bn1) : null;
        f2 = on ? FoldedConv.of(conv2, bn2) : null;
        f3 = on ? FoldedConv.of(conv3, bn3) : null;
        fd = on && downsample != null ? ResNet.foldShortcut(downsample) : null;
    }

    @Override
    public Variable forward(Variable x) {
        if (f1 != null) {
            Variable identity = fd != null ? fd.forward(x, null, false) : x;
            Variable out = f2.forward(f1.forward(x, null, true), null, true);
            return f3.forward(out, identity, true);
        }
        Variable out = bn1.forward(conv1.forward(x)).relu();
        out = bn2.forward(conv2.forward(out)).relu();
        out = bn3.forward(conv3.forward(out));
        Variable identity = downsample == null ? x : downsample.forward(x);
        return out.add(identity).relu();
    }
}
