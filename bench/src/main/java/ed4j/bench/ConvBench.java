package ed4j.bench;

import ed4j.tensor.Conv2dParams;
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
 * Float32 conv2d forward, 3x3 with padding 1, on {@code (N, C, S, S)} to {@code C} output
 * channels (im2col + GEMM path). {@code :gflop} is the rate in GFLOP/s, counting {@code 2 N Cout
 * OH OW Cin kH kW} flops per call (bias excluded).
 *
 * <p>HOW TO RUN: {@code java -jar bench/target/benchmarks.jar ConvBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 4, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class ConvBench {

    /** Batch, channels (in = out) and spatial size: {@code NxCxS}. */
    @Param({"8x512x32"})
    public String shape;

    private Tensor x;
    private Tensor w;
    private Tensor b;
    private Conv2dParams params;
    private double flops;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("x");
        int n = Integer.parseInt(parts[0]);
        int c = Integer.parseInt(parts[1]);
        int s = Integer.parseInt(parts[2]);
        Generator gen = new Generator(7);
        x = Tensor.randn(gen, Shape.of(n, c, s, s), DType.FLOAT32);
        w = Tensor.randn(gen, Shape.of(c, c, 3, 3), DType.FLOAT32).mul(0.02);
        b = Tensor.zeros(Shape.of(c), DType.FLOAT32);
        params = Conv2dParams.of(1, 1);
        flops = 2.0 * n * c * s * s * c * 9;
    }

    @Benchmark
    public Tensor conv3x3(Flops work) {
        work.add(flops);
        return x.conv2d(w, b, params);
    }
}
