package ed4j.bench;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.cpu.CpuBackend;
import ed4j.tensor.cpu.GemmKernel;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Float32 matrix multiplication {@code A (M, K) x B (K, N)} on the CPU backend, both kernels.
 *
 * <p>{@code square} runs {@code n x n x n}; {@code transformer} runs the shapes of the ED
 * transformer's linear layers (tokens x width x width-out, given as MxKxN). The {@code :gflop}
 * secondary metric is the rate in GFLOP/s ({@code 2 M N K} flops per call).
 *
 * <p>HOW TO RUN: {@code java -jar bench/target/benchmarks.jar Gemm -p n=1024} (square at one
 * size plus the transformer shapes, both kernels); {@code -p kernel=VECTOR} picks one kernel.
 * The forked JVM gets {@code --add-modules jdk.incubator.vector} so that both kernels exist.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class GemmBench {

    /** Operands and backend shared by all shapes. */
    abstract static class Operands {
        CpuBackend backend;
        GemmKernel gemmKernel;
        Tensor a;
        Tensor b;
        double flops;

        void setUp(String kernelName, int m, int k, int n) {
            gemmKernel = GemmKernel.valueOf(kernelName);
            if (!gemmKernel.isAvailable()) {
                throw new IllegalStateException(
                        "GEMM kernel " + kernelName + " is not available in this JVM");
            }
            backend = CpuBackend.create(CpuBackend.defaultThreadCount());
            Generator gen = new Generator(42);
            a = Tensor.rand(gen, Shape.of(m, k), DType.FLOAT32);
            b = Tensor.rand(gen, Shape.of(k, n), DType.FLOAT32);
            flops = 2.0 * m * n * k;
        }

        Tensor run() {
            return backend.matmul(a, b, gemmKernel);
        }

        @TearDown(Level.Trial)
        public void close() {
            backend.parallel().close();
        }
    }

    /** Square products. */
    @State(Scope.Benchmark)
    public static class Square extends Operands {
        @Param({"256", "512", "1024", "2048"})
        public int n;

        @Param({"VECTOR", "PLAIN"})
        public String kernel;

        @Setup(Level.Trial)
        public void setUp() {
            setUp(kernel, n, n, n);
        }
    }

    /** The transformer's shapes, MxKxN. */
    @State(Scope.Benchmark)
    public static class Transformer extends Operands {
        @Param({"1024x256x1024", "256x512x2048"})
        public String shape;

        @Param({"VECTOR", "PLAIN"})
        public String kernel;

        @Setup(Level.Trial)
        public void setUp() {
            String[] mkn = shape.split("x");
            setUp(kernel, Integer.parseInt(mkn[0]), Integer.parseInt(mkn[1]),
                    Integer.parseInt(mkn[2]));
        }
    }

    @Benchmark
    public Tensor square(Square s, Flops work) {
        work.add(s.flops);
        return s.run();
    }

    @Benchmark
    public Tensor transformer(Transformer s, Flops work) {
        work.add(s.flops);
        return s.run();
    }
}
