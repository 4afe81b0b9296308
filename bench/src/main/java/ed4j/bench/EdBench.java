package ed4j.bench;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.ed.AnomalyScorer;
import ed4j.ed.EdConfig;
import ed4j.ed.EdModel;
import ed4j.ed.Features;
import ed4j.ed.TrainStep;
import ed4j.nn.backbones.ResNet;
import ed4j.nn.optim.Adam;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times one ED training step (the published loop over both levels on cached features, batch 1)
 * or one inference (the frozen backbone, both levels, scores and the averaged map for one
 * image), and reports the process's peak resident memory. A step takes seconds, so this is a
 * plain timing loop after warm-up rather than a JMH benchmark; {@code bench/ed_vs_pytorch.py}
 * runs it beside the PyTorch reference implementation.
 *
 * <p>HOW TO RUN: {@code java -cp bench/target/benchmarks.jar ed4j.bench.EdBench train small 3 5}
 * (mode, config {@code small} = 128 px with resnet18 channels or {@code published} = 256 px with
 * wide_resnet50_2 channels, warm-up and measured repetitions). Prints one JSON line; with
 * {@code -Ded4j.profile=true} also the time spent per kernel.
 */
public final class EdBench {

    private EdBench() {}

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        boolean published = args[1].equals("published");
        int warmup = Integer.parseInt(args[2]);
        int reps = Integer.parseInt(args[3]);
        int size = published ? 256 : 128;
        ResNet.Arch arch = published ? ResNet.Arch.WIDE_RESNET50_2 : ResNet.Arch.RESNET18;
        int[] widths = {256, 512};
        Generator g = new Generator(3407);
        List<EdModel> models = new ArrayList<>();
        List<Tensor> refs = new ArrayList<>();
        List<Tensor> tokens = new ArrayList<>();
        for (int lvl = 0; lvl < 2; lvl++) {
            int c = arch.channels(lvl + 2);
            int grid = size / (8 << lvl);
            models.add(new EdModel(EdConfig.published(c, widths[lvl], grid, grid), g));
            refs.add(Tensor.rand(g, Shape.of(c, grid * grid), DType.FLOAT32));
            tokens.add(Tensor.rand(g, Shape.of(1, grid * grid, c), DType.FLOAT32));
        }
        double[] times = new double[reps];
        if (mode.equals("train")) {
            Adam adam = new Adam(TrainStep.parameters(models), 1e-4);
            for (int i = 0; i < warmup + reps; i++) {
                long t0 = System.nanoTime();
                TrainStep.run(models, adam, tokens, refs, 0.5, 0.5, TrainStep.Mode.PUBLISHED);
                if (i == warmup - 1) {
                    ed4j.tensor.cpu.KernelStats.reset();
                }
                if (i >= warmup) {
                    times[i - warmup] = (System.nanoTime() - t0) / 1e6;
                }
            }
        } else {
            ResNet backbone = ResNet.features(arch, g);
            // BatchNorm folded into the convolutions, as ED's FeatureExtractor runs it.
            backbone.freeze();
            models.forEach(m -> m.eval());
            Tensor image = Tensor.randn(g, Shape.of(1, 3, size, size), DType.FLOAT32);
            for (int i = 0; i < warmup + reps; i++) {
                long t0 = System.nanoTime();
                try (GradMode.Scope s = GradMode.noGrad()) {
                    Map<String, Variable> f = backbone.forward(Variable.constant(image));
                    List<Tensor> scores = new ArrayList<>();
                    int lvl = 0;
                    for (Variable v : f.values()) {
                        Tensor t = Features.tokens(v.data());
                        EdModel m = models.get(lvl);
                        EdModel.Output o = m.forward(Variable.constant(t), refs.get(lvl));
                        scores.add(AnomalyScorer.levelScores(o, t, m.config()));
                        lvl++;
                    }
                    AnomalyScorer.combine(scores, size);
                }
                if (i == warmup - 1) {
                    ed4j.tensor.cpu.KernelStats.reset();
                }
                if (i >= warmup) {
                    times[i - warmup] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        if (ed4j.tensor.cpu.KernelStats.enabled()) {
            System.err.print(ed4j.tensor.cpu.KernelStats.report());
        }
        java.util.Arrays.sort(times);
        System.out.printf(Locale.ROOT, "{\"impl\": \"ed4j\", \"mode\": \"%s\", \"config\": \"%s\", "
                + "\"median_ms\": %.1f, \"min_ms\": %.1f, \"peak_rss_mb\": %.0f, "
                + "\"threads\": %d}%n", mode, args[1], times[reps / 2], times[0], peakRssMb(),
                Runtime.getRuntime().availableProcessors());
    }

    /** VmHWM of this process from /proc, in MiB (NaN where /proc is missing). */
    static double peakRssMb() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.exists(status)) {
            return Double.NaN;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmHWM:")) {
                return Double.parseDouble(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
