package ed4j.bench;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Batch;
import ed4j.datasets.ByteImage;
import ed4j.datasets.DataLoader;
import ed4j.datasets.ImageDecoder;
import ed4j.datasets.PilResample;
import ed4j.datasets.Preprocess;
import ed4j.datasets.ResizeMode;
import ed4j.datasets.Sample;
import ed4j.datasets.SampleDecoder;
import ed4j.datasets.Split;
import ed4j.datasets.SyntheticConfig;
import ed4j.datasets.SyntheticDataset;
import ed4j.datasets.Transforms;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Decode + transform throughput of the input pipeline at 256 px: PNG decoding, PIL-equal
 * Lanczos resize to 256 x 256, ToTensor and ImageNet Normalize, batched by the {@link
 * DataLoader} with 1 or 2 worker threads.
 *
 * <p>The images are the {@code nut} and {@code wood} classes of the synthetic data set at
 * {@code srcSize} px (32 images), written once to {@code ${java.io.tmpdir}/ed4j-bench-images}
 * (or the folder in system property {@code ed4j.bench.images}); {@code
 * bench/image_pipeline_vs_pil.py} times PIL + torchvision on the same files.
 *
 * <p>{@code pipeline} runs one epoch per operation, so images/s = ops/s x 32. {@code decode}
 * and {@code lanczos} split one image's cost into its two main steps (single thread).
 *
 * <p>HOW TO RUN (from the repository root; about 4 minutes, then 2 for Python):
 *
 * <pre>
 * mvn -B -q -pl bench -am package -DskipTests dependency:build-classpath \
 *     -Dmdep.outputFile=/tmp/bench.cp
 * java -cp bench/target/classes:$(cat /tmp/bench.cp) ed4j.bench.ImagePipelineBench
 * /usr/bin/python3 bench/image_pipeline_vs_pil.py --java-json jmh-image-pipeline.json
 * </pre>
 *
 * {@code main} writes the images (to the folder above) and {@code jmh-image-pipeline.json} (to
 * the working folder).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ImagePipelineBench {

    /** Images in the benchmark folder (16 per class, 2 classes). */
    public static final int IMAGES = 32;

    private static final int OUT = 256;

    /** The folder holding the benchmark images of one source size, generating them if absent. */
    public static Path imageRoot(int srcSize) throws IOException {
        String base = System.getProperty("ed4j.bench.images",
                Path.of(System.getProperty("java.io.tmpdir"), "ed4j-bench-images").toString());
        Path root = Path.of(base, "s" + srcSize);
        SyntheticConfig config = SyntheticConfig.defaults().withClasses("nut", "wood")
                .withImageSize(srcSize).withCounts(IMAGES / 2, 0, 0).withSeed(2024);
        SyntheticDataset.generate(root, config);
        return root;
    }

    /** The benchmark images in a fixed order: the nut images, then the wood images. */
    static List<Sample> samples(int srcSize) throws IOException {
        Path root = imageRoot(srcSize);
        List<Sample> all = new ArrayList<>();
        for (String cls : new String[] {"nut", "wood"}) {
            all.addAll(AnomalyDataset.scan(root, SyntheticDataset.layout(), cls, Split.TRAIN)
                    .samples());
        }
        return all;
    }

    /** A loader over the 32 images with 1 or 2 workers. */
    @State(Scope.Benchmark)
    public static class LoaderState {
        /** Side of the source images. */
        @Param({"512", "1024"})
        public int srcSize;

        /** Loader worker threads. */
        @Param({"1", "2"})
        public int workers;

        DataLoader loader;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            SampleDecoder decoder = SampleDecoder.standard(new Preprocess(ResizeMode.EXACT, OUT));
            loader = DataLoader.builder(samples(srcSize), decoder).batchSize(8)
                    .workers(workers).queueCapacity(16).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            loader.close();
        }
    }

    /** One image, as a file and decoded. */
    @State(Scope.Benchmark)
    public static class ImageState {
        /** Side of the source image. */
        @Param({"512", "1024"})
        public int srcSize;

        Path file;
        ByteImage decoded;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = samples(srcSize).get(0).image();
            decoded = ImageDecoder.decodeRgb(file);
        }
    }

    /** One epoch over the 32 images: decode, resize, to tensor, normalise, batch. */
    @Benchmark
    public void pipeline(LoaderState st, Blackhole bh) {
        Iterator<Batch> it = st.loader.iterator();
        while (it.hasNext()) {
            bh.consume(it.next().images());
        }
    }

    /** PNG decoding of one image to 8-bit RGB (the loader's first step). */
    @Benchmark
    public ByteImage decode(ImageState st) throws IOException {
        return ImageDecoder.decodeRgb(st.file);
    }

    /** Lanczos resize of one decoded image to 256 x 256, then ToTensor + Normalize. */
    @Benchmark
    public Tensor lanczos(ImageState st) {
        return Transforms.toImagenetTensor(PilResample.lanczos(st.decoded, OUT, OUT));
    }

    /**
     * Runs the benchmarks and writes {@code jmh-image-pipeline.json}; with the argument {@code
     * cpu}, prints instead the process CPU time per image and the CPU/wall ratio of the loader
     * (robust on a shared machine, where wall-clock throughput depends on other load).
     */
    public static void main(String[] args) throws RunnerException, IOException {
        for (int s : new int[] {512, 1024}) {
            imageRoot(s);
        }
        if (args.length > 0 && args[0].equals("cpu")) {
            cpuPerImage();
            return;
        }
        Options opt = new OptionsBuilder()
                .include(ImagePipelineBench.class.getSimpleName())
                .resultFormat(ResultFormatType.JSON)
                .result("jmh-image-pipeline.json")
                .build();
        new Runner(opt).run();
    }

    /** Loader epochs with 1 and 2 workers, alternating, 5 rounds of 3 epochs each. */
    private static void cpuPerImage() throws IOException {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (!(os instanceof com.sun.management.OperatingSystemMXBean cpu)) {
            throw new IllegalStateException("process CPU time is not available on this JVM");
        }
        SampleDecoder decoder = SampleDecoder.standard(new Preprocess(ResizeMode.EXACT, OUT));
        System.out.println("source workers   img/s  cpu/wall  cpu ms/img");
        for (int srcSize : new int[] {512, 1024}) {
            List<Sample> samples = samples(srcSize);
            for (int round = 0; round < 5; round++) {
                for (int workers = 1; workers <= 2; workers++) {
                    try (DataLoader loader = DataLoader.builder(samples, decoder).batchSize(8)
                            .workers(workers).queueCapacity(16).build()) {
                        loader.forEach(b -> { }); // warm-up epoch
                        long cpu0 = cpu.getProcessCpuTime();
                        long t0 = System.nanoTime();
                        int n = 0;
                        for (int e = 0; e < 3; e++) {
                            for (Batch b : loader) {
                                n += b.size();
                            }
                        }
                        double wall = (System.nanoTime() - t0) / 1e9;
                        double used = (cpu.getProcessCpuTime() - cpu0) / 1e9;
                        System.out.printf("%6d %7d %7.1f %9.2f %11.1f%n", srcSize, workers,
                                n / wall, used / wall, 1000 * used / n);
                    }
                }
            }
        }
    }
}
