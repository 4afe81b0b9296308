package ed4j.ed.train;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.ed.Features;
import ed4j.nn.backbones.ResNet;
import ed4j.tensor.Device;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The frozen backbone of ED: {@code layer2} and {@code layer3} of a ResNet in eval mode, run
 * without a graph, and the pooled tokens ED reconstructs.
 */
public final class FeatureExtractor {

    private final ResNet backbone;
    private final String name;
    private final Device device;

    public FeatureExtractor(ResNet backbone, String name, Device device) {
        this.backbone = backbone;
        this.name = name;
        this.device = device;
        backbone.to(device);
        backbone.freeze();
    }

    public String name() {
        return name;
    }

    public Device device() {
        return device;
    }

    /** Channels of each level. */
    public int[] channels() {
        return backbone.outputChannels();
    }

    /** Number of levels (2). */
    public int levels() {
        return backbone.outputs().size();
    }

    /** The raw feature maps {@code (B, C, h, w)} of each level for normalised images. */
    public List<Tensor> featureMaps(Tensor images) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            List<Tensor> out = new ArrayList<>();
            for (Variable v : backbone.forward(Variable.constant(images.to(device))).values()) {
                out.add(v.data());
            }
            return out;
        }
    }

    /** The pooled tokens {@code (B, L, C)} of each level. */
    public List<Tensor> tokens(Tensor images) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor f : featureMaps(images)) {
            out.add(Features.tokens(f));
        }
        return out;
    }

    /** The token grid side of each level for an input size (strides 8 and 16). */
    public static int grid(int level, int inputSize) {
        return inputSize / (8 << level);
    }
}
