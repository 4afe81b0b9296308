package ed4j.ed.cli;

import ed4j.ed.train.FeatureExtractor;
import ed4j.nn.backbones.Backbones;
import ed4j.nn.backbones.ResNet;
import ed4j.tensor.Backends;
import ed4j.tensor.Device;
import ed4j.tensor.Generator;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds what every command needs from its options: the device and the backbone. */
final class Setup {

    private static final Logger LOG = LoggerFactory.getLogger(Setup.class);

    private Setup() {}

    /**
     * The device named by {@code --device}; {@code auto} picks the GPU when one is usable.
     *
     * @throws IllegalArgumentException with the reason when CUDA is asked for and unusable
     */
    static Device device(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("auto")) {
            if (Backends.hasProvider(Device.Type.CUDA)) {
                try {
                    Backends.of(Device.cuda(0));
                    return Device.cuda(0);
                } catch (RuntimeException e) {
                    LOG.info("--device auto: no usable GPU ({}); running on the CPU",
                            e.getMessage());
                }
            }
            return Device.CPU;
        }
        Device d = Device.parse(n);
        if (d.type() == Device.Type.CUDA) {
            if (!Backends.hasProvider(Device.Type.CUDA)) {
                throw new IllegalArgumentException("--device " + name + ": this build has no "
                        + "CUDA backend; use --device cpu");
            }
            try {
                Backends.of(d);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--device " + name + ": the GPU cannot be "
                        + "used: " + e.getMessage() + "; use --device cpu or auto", e);
            }
        }
        return d;
    }

    static FeatureExtractor extractor(ModelOptions m) throws IOException {
        Device device = device(m.device);
        ResNet.Arch arch = ResNet.Arch.byName(m.backbone);
        ResNet net;
        if (m.backboneWeights == null) {
            LOG.warn("no --backbone-weights: the {} backbone is randomly initialised; anomaly "
                    + "detection needs ImageNet weights (torchvision .pth or timm "
                    + "model.safetensors) to reach published accuracy", arch.id());
            net = ResNet.features(arch, new Generator(0));
        } else {
            net = Backbones.load(arch.id(), List.of("layer2", "layer3"), m.backboneWeights);
        }
        return new FeatureExtractor(net, arch.id(), device);
    }
}
