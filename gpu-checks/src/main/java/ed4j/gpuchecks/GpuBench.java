package ed4j.gpuchecks;

import ed4j.ed.EdConfig;
import ed4j.ed.EdModel;
import ed4j.ed.TrainStep;
import ed4j.ed.train.Evaluator;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.Progress;
import ed4j.ed.train.TrainConfig;
import ed4j.nn.backbones.ResNet;
import ed4j.nn.optim.Adam;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Device;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.cuda.CudaBackend;
import ed4j.tensor.cuda.CudaStorage;
import ed4j.tensor.cuda.GemmMode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * GPU benchmarks: GEMM GFLOP/s at 1024, 2048 and 4096 (built-in kernels in each mode, and cuBLAS
 * when it loads), a ResNet-sized 3x3 convolution with its gradients, ED inference in ms per
 * image at 256 px with a randomly initialised wide_resnet50_2 backbone, and one ED training step.
 * Every timing synchronises the stream before and after its repetitions; results are printed and
 * written as tab-separated lines {@code bench, variant, size, ms, GFLOP/s}.
 */
public final class GpuBench {

    private final CudaBackend be;
    private final PrintStream out;
    private final List<String> rows = new ArrayList<>();

    public GpuBench(CudaBackend be, PrintStream out) {
        this.be = be;
        this.out = out;
    }

    /** The result lines so far, tab-separated. */
    public List<String> rows() {
        return rows;
    }

    /** Mean milliseconds of one call after {@code warmup} calls; results are closed at once. */
    private double time(Supplier<Tensor> op, int warmup, int reps) {
        for (int i = 0; i < warmup; i++) {
            close(op.get());
        }
        be.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            close(op.get());
        }
        be.synchronize();
        return (System.nanoTime() - t0) / 1e6 / reps;
    }

    private static void close(Tensor t) {
        if (t.storage() instanceof CudaStorage s) {
            s.close();
        }
    }

    private void report(String bench, String variant, String size, double ms, double flops) {
        double gflops = flops > 0 ? flops / ms / 1e6 : Double.NaN;
        String line = String.format(Locale.ROOT, "%s\t%s\t%s\t%.3f\t%.1f", bench, variant, size,
                ms, gflops);
        rows.add(line);
        out.printf(Locale.ROOT, "%-10s %-16s %-26s %10.3f ms %10.1f GFLOP/s%n", bench, variant,
                size, ms, gflops);
        out.flush();
    }

    private static Tensor randn(long seed, Device d, int... shape) {
        return Tensor.randn(new Generator(seed), Shape.of(shape), DType.FLOAT32).to(d);
    }

    /** Square float32 products. */
    public void gemm() {
        Device d = be.device();
        for (int n : new int[] {1024, 2048, 4096}) {
            Tensor a = randn(1, d, n, n);
            Tensor b = randn(2, d, n, n);
            double flops = 2.0 * n * n * n;
            int reps = n == 4096 ? 5 : 10;
            for (GemmMode mode : GemmMode.values()) {
                report("gemm", "own-" + mode.name().toLowerCase(Locale.ROOT), n + "^3",
                        time(() -> be.matmul(a, b, mode, false), 2, reps), flops);
            }
            if (be.cublasAvailable()) {
                for (GemmMode mode : new GemmMode[] {GemmMode.FP32, GemmMode.TF32}) {
                    report("gemm", "cublas-" + mode.name().toLowerCase(Locale.ROOT), n + "^3",
                            time(() -> be.matmul(a, b, mode, true), 2, reps), flops);
                }
            }
        }
    }

    /** A 3x3, 256-channel convolution on 8 x 56 x 56 (a wide ResNet layer1 shape). */
    public void conv() {
        Device d = be.device();
        Tensor x = randn(3, d, 8, 256, 56, 56);
        Tensor w = randn(4, d, 256, 256, 3, 3);
        Conv2dParams p = Conv2dParams.of(1, 1);
        double flops = 2.0 * 8 * 256 * 256 * 9 * 56 * 56;
        String size = "8x256x56x56 k3 c256";
        for (GemmMode mode : GemmMode.values()) {
            report("conv", "fwd-" + mode.name().toLowerCase(Locale.ROOT), size,
                    time(() -> be.conv2d(x, w, null, p, mode), 1, 5), flops);
        }
        Tensor gy = randn(5, d, 8, 256, 56, 56);
        report("conv", "input-grad", size,
                time(() -> be.conv2dBackwardInput(gy, w, x.shape(), p), 1, 3), flops);
        report("conv", "weight-grad", size,
                time(() -> be.conv2dBackwardWeight(gy, x, w.shape(), p), 1, 3), flops);
    }

    /** ED inference (backbone, both levels, anomaly map) and one training step. */
    public void ed() {
        Device d = be.device();
        int size = 256;
        ResNet net = ResNet.features(ResNet.Arch.WIDE_RESNET50_2, new Generator(0));
        FeatureExtractor ex = new FeatureExtractor(net, "wide_resnet50_2", d);
        TrainConfig cfg = TrainConfig.published();
        Generator g = new Generator(cfg.seed());
        List<EdModel> models = new ArrayList<>();
        int[] ch = ex.channels();
        for (int i = 0; i < ch.length; i++) {
            EdConfig c = cfg.level(i, ch[i], FeatureExtractor.grid(i, size));
            EdModel m = new EdModel(c, g);
            m.to(d);
            models.add(m);
        }
        Tensor warm = Tensor.randn(new Generator(6), Shape.of(8, 3, size, size), DType.FLOAT32);
        List<Tensor> tokens = ex.tokens(warm);
        List<Tensor> refs = new ArrayList<>();
        for (Tensor t : tokens) {
            refs.add(t.mean(0, false).mT().contiguous());
        }
        Evaluator ev = new Evaluator(ex, size, Progress.none());
        for (GemmMode mode : GemmMode.values()) {
            be.setGemmMode(mode);
            for (int batch : new int[] {1, 8}) {
                Tensor images = Tensor.randn(new Generator(7), Shape.of(batch, 3, size, size),
                        DType.FLOAT32);
                double ms = time(() -> ev.maps(models, refs, images), 2, batch == 1 ? 10 : 3);
                report("ed-infer", mode.name().toLowerCase(Locale.ROOT) + "-b" + batch,
                        size + "px wide_resnet50_2", ms / batch, 0);
            }
        }
        be.setGemmMode(GemmMode.FP32);
        Adam adam = new Adam(TrainStep.parameters(models), cfg.lr());
        Supplier<Tensor> step = () -> {
            TrainStep.run(models, adam, tokens, refs, cfg.lambda1(), cfg.lambda2(),
                    TrainStep.Mode.PUBLISHED);
            return Tensor.zeros(1);
        };
        report("ed-train", "fp32-b8", size + "px 2 levels", time(step, 1, 5), 0);
    }
}
