package ed4j.nn.backbones;

import ed4j.autograd.Variable;
import ed4j.nn.Init;
import ed4j.nn.LoadResult;
import ed4j.nn.Module;
import ed4j.nn.Sequential;
import ed4j.nn.layers.BatchNorm2d;
import ed4j.nn.layers.Conv2d;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A ResNet feature extractor (He et al., 2016; wide variants: Zagoruyko and Komodakis, 2016)
 * with torchvision's layout and keys: {@code conv1} 7x7 stride 2, {@code bn1}, ReLU, 3x3 max-pool
 * stride 2, then the stages {@code layer1..layer4}.
 *
 * <p>Only the stages up to the deepest requested output are built; the forward pass returns the
 * requested stage outputs by name ({@code layer2} has stride 8, {@code layer3} stride 16). Loading
 * a full checkpoint skips the keys of stages that were not built and of {@code fc}, so both full
 * files and files cut after the last used stage load. Convolution weights start
 * Kaiming-normal (fan-out), BatchNorm at ones and zeros, as torchvision initialises them.
 */
public final class ResNet extends Module {

    /** The supported architectures, with torchvision's names. */
    public enum Arch {
        RESNET18(false, new int[] {2, 2, 2, 2}, 64),
        RESNET34(false, new int[] {3, 4, 6, 3}, 64),
        RESNET50(true, new int[] {3, 4, 6, 3}, 64),
        RESNET101(true, new int[] {3, 4, 23, 3}, 64),
        WIDE_RESNET50_2(true, new int[] {3, 4, 6, 3}, 128),
        WIDE_RESNET101_2(true, new int[] {3, 4, 23, 3}, 128);

        final boolean bottleneck;
        final int[] blocks;
        final int widthPerGroup;

        Arch(boolean bottleneck, int[] blocks, int widthPerGroup) {
            this.bottleneck = bottleneck;
            this.blocks = blocks;
            this.widthPerGroup = widthPerGroup;
        }

        /** torchvision's name, e.g. {@code wide_resnet50_2}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Output channels of stage {@code layerN} (1-based). */
        public int channels(int stage) {
            return 64 * (1 << (stage - 1)) * (bottleneck ? Bottleneck.EXPANSION : 1);
        }

        /**
         * The architecture named {@code id} (case-insensitive).
         *
         * @throws IllegalArgumentException listing the known names
         */
        public static Arch byName(String id) {
            for (Arch a : values()) {
                if (a.id().equalsIgnoreCase(id.trim())) {
                    return a;
                }
            }
            List<String> known = new ArrayList<>();
            for (Arch a : values()) {
                known.add(a.id());
            }
            throw new IllegalArgumentException(
                    "unknown backbone '" + id + "'; known backbones: " + String.join(", ", known));
        }
    }

    private final Arch arch;
    private final List<String> outputs;
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final List<Sequential> stages = new ArrayList<>();
    private FoldedConv stem;

    /**
     * A feature extractor returning the named stages ({@code layer1} .. {@code layer4}).
     *
     * @param g generator for the random initialisation (overwritten when weights load)
     */
    public ResNet(Arch arch, List<String> outputs, Generator g) {
        this.arch = arch;
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("ResNet: no output stage requested");
        }
        int deepest = 0;
        for (String o : outputs) {
            int s = stageIndex(o);
            deepest = Math.max(deepest, s);
        }
        this.outputs = List.copyOf(outputs);
        conv1 = registerModule("conv1",
                Conv2d.builder(3, 64, 7).stride(2).padding(3).bias(false).build(g));
        bn1 = registerModule("bn1", new BatchNorm2d(64));
        int inPlanes = 64;
        for (int s = 1; s <= deepest; s++) {
            int planes = 64 * (1 << (s - 1));
            int stride = s == 1 ? 1 : 2;
            Sequential stage = new Sequential();
            for (int b = 0; b < arch.blocks[s - 1]; b++) {
                if (arch.bottleneck) {
                    stage.add(new Bottleneck(inPlanes, planes, b == 0 ? stride : 1,
                            arch.widthPerGroup, g));
                    inPlanes = planes * Bottleneck.EXPANSION;
                } else {
                    stage.add(new BasicBlock(inPlanes, planes, b == 0 ? stride : 1, g));
                    inPlanes = planes * BasicBlock.EXPANSION;
                }
            }
            stages.add(registerModule("layer" + s, stage));
        }
        initWeights(g);
        eval();
    }

    /** The default ED extractor: {@code layer2} and {@code layer3}. */
    public static ResNet features(Arch arch, Generator g) {
        return new ResNet(arch, List.of("layer2", "layer3"), g);
    }

    private static int stageIndex(String name) {
        if (name.matches("layer[1-4]")) {
            return name.charAt(5) - '0';
        }
        throw new IllegalArgumentException(
                "ResNet: unknown stage '" + name + "'; expected layer1, layer2, layer3 or layer4");
    }

    static FoldedConv foldShortcut(Sequential shortcut) {
        return FoldedConv.of((Conv2d) shortcut.get(0), (BatchNorm2d) shortcut.get(1));
    }

    /**
     * Freezes the backbone for inference: eval mode, and every BatchNorm folded into the
     * convolution before it (one pass over each feature map instead of three). The folding
     * reads the current weights: call it again after loading others, or {@link #unfreeze()}
     * before training the backbone. Returns this.
     */
    public ResNet freeze() {
        eval();
        setFolded(true);
        return this;
    }

    /** Drops the folded convolutions; BatchNorm runs as a layer again. */
    public ResNet unfreeze() {
        setFolded(false);
        return this;
    }

    private void setFolded(boolean on) {
        stem = on ? FoldedConv.of(conv1, bn1) : null;
        for (Sequential stage : stages) {
            for (int i = 0; i < stage.size(); i++) {
                if (stage.get(i) instanceof BasicBlock b) {
                    b.fold(on);
                } else if (stage.get(i) instanceof Bottleneck b) {
                    b.fold(on);
                }
            }
        }
    }

    static Sequential shortcut(int in, int out, int stride, Generator g) {
        return new Sequential(
                Conv2d.builder(in, out, 1).stride(stride).bias(false).build(g),
                new BatchNorm2d(out));
    }

    private void initWeights(Generator g) {
        for (Map.Entry<String, Variable> e : namedParameters().entrySet()) {
            Variable p = e.getValue();
            if (p.rank() == 4) {
                p.setData(Init.kaimingNormal(g, p.shape(), false, p.dtype()));
            }
        }
    }

    public Arch arch() {
        return arch;
    }

    /** The requested output stages, in order. */
    public List<String> outputs() {
        return outputs;
    }

    /** Output channels of each requested stage, in order. */
    public int[] outputChannels() {
        int[] c = new int[outputs.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = arch.channels(stageIndex(outputs.get(i)));
        }
        return c;
    }

    /**
     * The requested stage outputs of a batch of normalised images {@code (N, 3, H, W)}, by name,
     * in request order.
     */
    public Map<String, Variable> forward(Variable images) {
        if (images.rank() != 4 || images.size(1) != 3) {
            throw new IllegalArgumentException(
                    "ResNet: expected images (N, 3, H, W), got " + images.shape());
        }
        Variable x = stem != null ? stem.forward(images, null, true)
                : bn1.forward(conv1.forward(images)).relu();
        x = x.maxPool2d(ed4j.tensor.Pool2dParams.of(3, 2, 1));
        Map<String, Variable> byStage = new LinkedHashMap<>();
        for (int s = 0; s < stages.size(); s++) {
            x = stages.get(s).forward(x);
            byStage.put("layer" + (s + 1), x);
        }
        Map<String, Variable> out = new LinkedHashMap<>();
        for (String o : outputs) {
            out.put(o, byStage.get(o));
        }
        return out;
    }

    /**
     * Re-estimates every BatchNorm's running statistics from images (the exact average over
     * them, as PyTorch's {@code momentum=None}), leaving weights untouched, then returns to eval
     * mode. Gives a randomly initialised backbone well-scaled features; a pretrained backbone
     * should keep its ImageNet statistics instead.
     */
    public void calibrateBatchNorm(Iterable<Tensor> images) {
        boolean frozen = stem != null;
        setFolded(false);
        List<BatchNorm2d> norms = new ArrayList<>();
        collectNorms(this, norms);
        norms.forEach(bn -> bn.setCumulativeAverage(true));
        train(true);
        try (ed4j.autograd.GradMode.Scope s = ed4j.autograd.GradMode.noGrad()) {
            for (Tensor batch : images) {
                forward(Variable.constant(batch));
            }
        } finally {
            norms.forEach(bn -> bn.setCumulativeAverage(false));
            eval();
            if (frozen) {
                setFolded(true);
            }
        }
    }

    private static void collectNorms(ed4j.nn.Module m, List<BatchNorm2d> out) {
        if (m instanceof BatchNorm2d bn) {
            out.add(bn);
        }
        m.children().values().forEach(c -> collectNorms(c, out));
    }

    /**
     * Loads torchvision/timm weights: keys of stages beyond the deepest built one and of
     * {@code fc} are skipped; every other key must match by name and shape.
     *
     * @throws IllegalArgumentException naming the first mismatched key and both shapes, or the
     *     missing and unexpected keys
     */
    public LoadResult loadBackboneWeights(Map<String, Tensor> weights) {
        Map<String, Tensor> used = new LinkedHashMap<>();
        int built = stages.size();
        for (Map.Entry<String, Tensor> e : weights.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("fc.")) {
                continue;
            }
            if (k.startsWith("layer") && k.length() > 6 && k.charAt(6) == '.'
                    && k.charAt(5) - '0' > built) {
                continue;
            }
            used.put(k, e.getValue());
        }
        try {
            LoadResult r = loadStateDict(used, true);
            if (stem != null) {
                setFolded(true);
            }
            return r;
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(
                    "these weights do not fit " + arch.id() + ": " + ex.getMessage()
                            .replaceFirst("^loading weights into ResNet failed: ", ""), ex);
        }
    }

    @Override
    public String toString() {
        return "ResNet(" + arch.id() + ", outputs=" + outputs + ", channels="
                + Arrays.toString(outputChannels()) + ")";
    }
}
