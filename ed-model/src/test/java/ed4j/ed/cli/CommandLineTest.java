package ed4j.ed.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ed4j.datasets.SyntheticConfig;
import ed4j.datasets.SyntheticDataset;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.Npy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ed-train command line end to end on a tiny synthetic data set: train, test, predict,
 * ref-features and features write what they promise, and bad input ends in one clear error line.
 */
class CommandLineTest {

    @TempDir
    static Path tmp;

    private static Path data;

    @BeforeAll
    static void generate() throws IOException {
        data = tmp.resolve("data");
        SyntheticDataset.generate(data, SyntheticConfig.defaults().withClasses("nut", "pill")
                .withImageSize(32).withCounts(4, 2, 1).withSeed(3));
    }

    /** Runs the command line, returning exit code, stdout and stderr. */
    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8),
                e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static String[] args(String command, String... extra) {
        List<String> a = new ArrayList<>(List.of(command, "--dataset", "folder", "--data-path",
                data.toString(), "--inp-size", "32", "--backbone", "resnet18", "--widths", "8,16",
                "--save-path", tmp.resolve("runs").toString(), "--save-prefix", "t"));
        a.addAll(Arrays.asList(extra));
        return a.toArray(new String[0]);
    }

    @Test
    void trainTestPredictAndFeatures() throws IOException {
        String[] r = run(args("train", "--epochs", "1", "--batch-size", "2", "--vis"));
        assertEquals("0", r[0], r[2]);
        Path run = tmp.resolve("runs/t");
        JsonNode json = new ObjectMapper().readTree(run.resolve("results.json").toFile());
        assertEquals(2, json.get("classes").size());
        assertTrue(json.get("mean").has("image_auroc"));
        assertTrue(Files.readString(run.resolve("results.csv")).startsWith("class,images"));
        for (String cls : List.of("nut", "pill")) {
            assertTrue(Files.isRegularFile(run.resolve(cls).resolve("model.safetensors")));
            assertTrue(Files.isRegularFile(run.resolve(cls).resolve("checkpoint.safetensors")));
            assertTrue(Files.isRegularFile(run.resolve("rfeatures").resolve(cls
                    + ".safetensors")));
            assertEquals(1, Files.readAllLines(run.resolve(cls).resolve("train_log.jsonl"))
                    .size());
        }
        try (Stream<Path> s = Files.list(run.resolve("vis").resolve("nut"))) {
            assertTrue(s.count() > 0, "panels written");
        }
        assertTrue(r[2].contains("randomly initialised"), "a warning names the random backbone");

        Path maps = tmp.resolve("maps");
        r = run(args("test", "--class-name", "nut", "--save-maps", maps.toString()));
        assertEquals("0", r[0], r[2]);
        try (Stream<Path> s = Files.walk(maps.resolve("nut"))) {
            List<Path> npy = s.filter(p -> p.toString().endsWith(".npy")).toList();
            assertTrue(npy.size() >= 2);
            Tensor m = Npy.read(npy.get(0));
            assertEquals(List.of(32, 32), Arrays.stream(m.shape().toArray()).boxed().toList());
        }

        Path out = tmp.resolve("pred");
        r = run("predict", "--class-name", "nut", "--inp-size", "32", "--backbone", "resnet18",
                "--save-path", tmp.resolve("runs").toString(), "--save-prefix", "t", "--dataset",
                "folder", "--out", out.toString(), data.resolve("nut/test").toString());
        assertEquals("0", r[0], r[2]);
        List<String> lines = Files.readAllLines(out.resolve("scores.csv"));
        assertTrue(lines.size() >= 3, "header and one line per image");
        try (Stream<Path> s = Files.list(out.resolve("overlays"))) {
            assertEquals(lines.size() - 1, s.count());
        }

        Path feats = tmp.resolve("feats");
        r = run("features", "--backbone", "resnet18", "--inp-size", "64", "--out",
                feats.toString(), data.resolve("nut/train/good").toString());
        assertEquals("0", r[0], r[2]);
        Tensor l2 = Npy.read(feats.resolve("000_layer2.npy"));
        Tensor l3 = Npy.read(feats.resolve("000_layer3.npy"));
        assertEquals("(128, 8, 8)", l2.shape().toString());
        assertEquals("(256, 4, 4)", l3.shape().toString());
    }

    @Test
    void mismatchedWeightsAndReferenceFeaturesAreRefusedClearly() throws IOException {
        String runs = tmp.resolve("runs-e").toString();
        String[] r = run("train", "--dataset", "folder", "--data-path", data.toString(),
                "--class-name", "nut", "--inp-size", "32", "--backbone", "resnet18", "--widths",
                "8,16", "--epochs", "1", "--save-path", runs, "--save-prefix", "e");
        assertEquals("0", r[0], r[2]);
        // Weights trained on resnet18 features, tested with another backbone.
        r = run("test", "--dataset", "folder", "--data-path", data.toString(), "--class-name",
                "nut", "--inp-size", "32", "--backbone", "resnet50", "--save-path", runs,
                "--save-prefix", "e");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("level0.embedding.project_embedding.project.weight")
                && r[2].contains("128") && r[2].contains("512"), r[2]);
        // Another input size: the grids no longer fit.
        r = run("test", "--dataset", "folder", "--data-path", data.toString(), "--class-name",
                "nut", "--inp-size", "64", "--backbone", "resnet18", "--save-path", runs,
                "--save-prefix", "e");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--inp-size 32"), r[2]);
        // Reference features of another class under this class's name.
        Path rf = tmp.resolve("runs-e/e/rfeatures");
        Files.copy(rf.resolve("nut.safetensors"), rf.resolve("pill.safetensors"));
        Path model = tmp.resolve("runs-e/e/pill");
        Files.createDirectories(model);
        Files.copy(tmp.resolve("runs-e/e/nut/model.safetensors"),
                model.resolve("model.safetensors"));
        r = run("test", "--dataset", "folder", "--data-path", data.toString(), "--class-name",
                "pill", "--inp-size", "32", "--backbone", "resnet18", "--save-path", runs,
                "--save-prefix", "e");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("class 'nut', not 'pill'"), r[2]);
    }

    @Test
    void noCommandMeansTheDemoWithItsDefaults() {
        // `java -jar ed-train.jar` with no arguments: the demo, configured as `demo` would be.
        DemoCommand demo = Main.demoWithDefaults();
        assertEquals(Path.of("ed-demo"), demo.workDir);
        assertEquals(List.of("fabric", "wood"), demo.classes);
        assertEquals(128, demo.inpSize);
        assertEquals(8, demo.epochs);
        assertEquals(3407L, demo.seed);
        assertEquals("[64, 128]", Arrays.toString(demo.widths));
    }

    @Test
    void helpOnEveryCommand() {
        for (String cmd : List.of("demo", "features", "ref-features", "train", "test",
                "predict")) {
            String[] r = run(cmd, "--help");
            assertEquals("0", r[0]);
            assertTrue(r[1].contains("Usage: ed-train " + cmd), r[1]);
        }
        String[] r = run("--help");
        assertTrue(r[1].contains("train") && r[1].contains("predict"));
    }

    @Test
    void badInputEndsInOneClearError() {
        String[] r = run("train", "--dataset", "folder", "--data-path", data.toString(),
                "--inp-size", "40");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--inp-size 40 is not a positive multiple of 16"), r[2]);

        r = run(args("train", "--class-name", "bottle", "--epochs", "1"));
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("bottle") && r[2].contains("nut"), r[2]);

        r = run("train", "--dataset", "mvtec", "--data-path", data.toString(), "--class-name",
                "fabric");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("--class-name 'fabric' is not a mvtec class")
                && r[2].contains("use --dataset folder"), r[2]);

        r = run("train", "--dataset", "mvtec", "--data-path", tmp.resolve("nowhere").toString());
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("data set root " + tmp.resolve("nowhere") + " does not exist"),
                r[2]);

        r = run("train", "--dataset", "folder", "--data-path", data.toString(), "--backbone",
                "resnet9");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("resnet9") && r[2].contains("wide_resnet50_2"), r[2]);

        r = run(args("test", "--class-name", "pill", "--checkpoint",
                tmp.resolve("missing.safetensors").toString()));
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("missing.safetensors"), r[2]);

        r = run(args("train", "--no-intra", "--with-intra"));
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("contradict"), r[2]);
    }

    @Test
    void fileSystemErrorsSayWhatHappenedToThePath() {
        assertEquals("no such file or folder: /a/b.safetensors",
                Main.describe(new NoSuchFileException("/a/b.safetensors")));
        assertEquals("permission denied: /a",
                Main.describe(new UncheckedIOException(new AccessDeniedException("/a"))));
        assertEquals("not a folder: /a", Main.describe(new NotDirectoryException("/a")));
        assertEquals("--inp-size 40 is not a positive multiple of 16",
                Main.describe(new IllegalArgumentException(
                        "--inp-size 40 is not a positive multiple of 16")));
    }
}
