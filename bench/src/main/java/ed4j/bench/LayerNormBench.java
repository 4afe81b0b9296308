package ed4j.bench;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
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
 * Float32 layer normalisation over the last dim of {@code (rows, width)} with affine weight and
 * bias, through {@link Tensor#layerNormWithStats}. {@code :gbyte} is the rate in GB/s of the
 * minimal traffic: one read of the input and one write of the output ({@code 8 rows width}
 * bytes per call; parameters and statistics are negligible).
 *
 * <p>HOW TO RUN: {@code java -jar bench/target/benchmarks.jar LayerNormBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class LayerNormBench {

    @Param({"1024"})
    public int rows;

    @Param({"512"})
    public int width;

    private Tensor x;
    private Tensor weight;
    private Tensor bias;
    private double bytes;

    @Setup(Level.Trial)
    public void setUp() {
        Generator gen = new Generator(4);
        x = Tensor.randn(gen, Shape.of(rows, width), DType.FLOAT32);
        weight = Tensor.randn(gen, Shape.of(width), DType.FLOAT32);
        bias = Tensor.randn(gen, Shape.of(width), DType.FLOAT32);
        bytes = 2.0 * Float.BYTES * rows * width;
    }

    @Benchmark
    public Tensor.LayerNormResult layerNorm(Bytes work) {
        work.add(bytes);
        return x.layerNormWithStats(new int[] {width}, weight, bias, 1e-5);
    }
}
