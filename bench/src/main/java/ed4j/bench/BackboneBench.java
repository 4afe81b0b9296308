package ed4j.bench;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.nn.backbones.ResNet;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Backbone forward (layer2 and layer3, as ED uses it; eval mode, no graph) at 256 px, frozen
 * (BatchNorm folded, as ED runs it) or not. The
 * primary score is batches per second; {@code :images} is images per second.
 * {@code bench/backbone_vs_pytorch.py} runs it beside torchvision on the same machine.
 *
 * <p>HOW TO RUN: {@code java -jar bench/target/benchmarks.jar BackboneBench -p arch=resnet18}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class BackboneBench {

    @Param({"resnet18", "wide_resnet50_2"})
    public String arch;

    @Param({"1", "8"})
    public int batch;

    @Param({"256"})
    public int size;

    /**
     * {@code true}: {@link ResNet#freeze()}, as ED runs its backbone (BatchNorm folded into the
     * convolutions); {@code false}: BatchNorm as a layer.
     */
    @Param({"true", "false"})
    public boolean frozen;

    private ResNet net;
    private Variable images;

    @Setup(Level.Trial)
    public void setUp() {
        Generator g = new Generator(5);
        net = ResNet.features(ResNet.Arch.byName(arch), g);
        if (frozen) {
            net.freeze();
        }
        images = Variable.constant(Tensor.randn(g, Shape.of(batch, 3, size, size),
                DType.FLOAT32));
    }

    @Benchmark
    public Map<String, Variable> forward(Images work) {
        work.add(batch);
        try (GradMode.Scope s = GradMode.noGrad()) {
            return net.forward(images);
        }
    }
}
