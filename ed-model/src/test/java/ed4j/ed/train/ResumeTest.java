package ed4j.ed.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.datasets.AnomalyDataset;
import ed4j.datasets.Split;
import ed4j.datasets.SyntheticConfig;
import ed4j.datasets.SyntheticDataset;
import ed4j.ed.EdModel;
import ed4j.ed.TrainStep;
import ed4j.nn.backbones.ResNet;
import ed4j.tensor.Device;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run interrupted at any step and resumed ends with the same weights and metrics as an
 * uninterrupted one; a diverging loss stops training and keeps the last good checkpoint.
 */
class ResumeTest {

    private static final int SIZE = 32;

    private static TrainConfig config(int epochs) {
        return new TrainConfig(epochs, 3, 1e-3, 0.5, 0.5, 11, TrainStep.Mode.PUBLISHED,
                new int[] {8, 16}, 2, 1, 2, true, true, false);
    }

    private static FeatureExtractor extractor() {
        return new FeatureExtractor(ResNet.features(ResNet.Arch.RESNET18, new Generator(5)),
                "resnet18", Device.CPU);
    }

    private static Path data(Path dir) throws IOException {
        SyntheticDataset.generate(dir, SyntheticConfig.defaults().withClasses("nut")
                .withImageSize(SIZE).withCounts(7, 3, 1).withSeed(2));
        return dir;
    }

    /** Throws once, at the n-th training step of the whole run. */
    private static final class KillAt implements Progress {
        private int left;

        KillAt(int step) {
            left = step;
        }

        @Override
        public Task start(String name, long total, String unit) {
            boolean training = name.contains("epoch");
            return new Task() {
                @Override
                public void step(long n) {
                    if (training && --left == 0) {
                        throw new IllegalStateException("killed");
                    }
                }

                @Override
                public void status(String text) {}

                @Override
                public void close() {}
            };
        }
    }

    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws IOException {
        Path root = data(tmp.resolve("data"));
        AnomalyDataset train = AnomalyDataset.scan(root, SyntheticDataset.layout(), "nut",
                Split.TRAIN);
        AnomalyDataset test = AnomalyDataset.scan(root, SyntheticDataset.layout(), "nut",
                Split.TEST);
        FeatureExtractor ex = extractor();
        Map<String, String> meta = Map.of("inp_size", Integer.toString(SIZE));

        ClassTrainer.Trained full = new ClassTrainer(ex, config(3), SIZE, Progress.none())
                .train(train, null, tmp.resolve("full"), false, meta);

        // Killed in the middle of epoch 2 (step 5 of 3 steps per epoch), then resumed.
        Path dir = tmp.resolve("resumed");
        assertThrows(IllegalStateException.class, () -> new ClassTrainer(ex, config(3), SIZE,
                new KillAt(5)).train(train, null, dir, false, meta));
        assertEquals("1", EdCheckpoint.load(dir.resolve(ClassTrainer.CHECKPOINT)).metadata()
                .get("epoch"));
        ClassTrainer.Trained resumed = new ClassTrainer(ex, config(3), SIZE, Progress.none())
                .train(train, null, dir, true, meta);
        assertEquals(2, resumed.epochsRun());

        for (int lvl = 0; lvl < 2; lvl++) {
            Map<String, Tensor> a = full.models().get(lvl).stateDict();
            Map<String, Tensor> b = resumed.models().get(lvl).stateDict();
            for (String k : a.keySet()) {
                assertEquals(0.0, a.get(k).sub(b.get(k)).abs().max().item(),
                        "level " + lvl + " " + k + " differs after resuming");
            }
        }
        Evaluator ev = new Evaluator(ex, SIZE, Progress.none());
        Evaluator.ClassResult r1 = ev.evaluate(test, full.models(), full.references());
        Evaluator.ClassResult r2 = ev.evaluate(test, resumed.models(), resumed.references());
        assertEquals(r1.imageAuroc(), r2.imageAuroc());
        assertEquals(r1.pixelAuroc(), r2.pixelAuroc());
        assertEquals(r1.aupro(), r2.aupro());
    }

    @Test
    void resumingWithOtherSettingsIsRefused(@TempDir Path tmp) throws IOException {
        Path root = data(tmp.resolve("data"));
        AnomalyDataset train = AnomalyDataset.scan(root, SyntheticDataset.layout(), "nut",
                Split.TRAIN);
        FeatureExtractor ex = extractor();
        new ClassTrainer(ex, config(1), SIZE, Progress.none()).train(train, null,
                tmp.resolve("run"), false, Map.of());
        TrainConfig other = new TrainConfig(2, 3, 5e-4, 0.5, 0.5, 11, TrainStep.Mode.PUBLISHED,
                new int[] {8, 16}, 2, 1, 2, true, true, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassTrainer(ex, other, SIZE, Progress.none()).train(train, null,
                        tmp.resolve("run"), true, Map.of()));
        assertTrue(e.getMessage().contains("lr=0.001"), e.getMessage());
    }

    @Test
    void divergingLossStopsAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws IOException {
        Path root = data(tmp.resolve("data"));
        AnomalyDataset train = AnomalyDataset.scan(root, SyntheticDataset.layout(), "nut",
                Split.TRAIN);
        FeatureExtractor ex = extractor();
        Path dir = tmp.resolve("run");
        new ClassTrainer(ex, config(1), SIZE, Progress.none()).train(train, null, dir, false,
                Map.of());
        byte[] before = Files.readAllBytes(dir.resolve(ClassTrainer.CHECKPOINT));
        // An absurd learning rate drives the losses to infinity within a few steps.
        TrainConfig wild = new TrainConfig(50, 3, 1e6, 0.5, 0.5, 11, TrainStep.Mode.PUBLISHED,
                new int[] {8, 16}, 2, 1, 2, true, true, false);
        ClassTrainer t = new ClassTrainer(ex, wild, SIZE, Progress.none());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> t.train(train, null, tmp.resolve("wild"), false, Map.of()));
        assertTrue(e.getMessage().contains("epoch") && e.getMessage().contains("step"),
                e.getMessage());
        assertTrue(java.util.Arrays.equals(before,
                Files.readAllBytes(dir.resolve(ClassTrainer.CHECKPOINT))));
        List<EdModel> unused = t.newModels();
        assertEquals(2, unused.size());
    }
}
