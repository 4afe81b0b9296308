package ed4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.ed.AnomalyScorer;
import ed4j.ed.EdConfig;
import ed4j.ed.EdModel;
import ed4j.ed.train.EdCheckpoint;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;
import ed4j.tensor.TensorCompare;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint saved the published way ({@code torch.save({'state_dict': [level0, level1]})})
 * loads as it is: widths, heads, layers and branches come from the weights, and the loaded
 * model reproduces the reference model's reconstruction and scores.
 */
class PublishedCheckpointTest {

    @Test
    void publishedCheckpointLoadsAndReproducesTheReference(@TempDir Path dir) throws IOException {
        String reason = Python.unavailableReason();
        assumeTrue(reason == null, () -> "skipped: " + reason);
        Python.script("published_checkpoint.py", List.of(dir.toString()), 300);
        EdCheckpoint ck = EdCheckpoint.load(dir.resolve("published.pth"));
        List<EdConfig> cfgs = ck.configs(64);
        assertEquals(2, cfgs.size());
        assertEquals(32, cfgs.get(0).width());
        assertEquals(64, cfgs.get(1).width());
        assertEquals(8, cfgs.get(1).heads());
        assertEquals(3, cfgs.get(1).layers());
        assertEquals(256, cfgs.get(1).channels());
        Map<String, Tensor> expected = Npy.readNpz(dir.resolve("expected.npz"));
        for (int lvl = 0; lvl < 2; lvl++) {
            EdModel m = new EdModel(cfgs.get(lvl), new Generator(0));
            m.loadStateDict(ck.levels().get(lvl), true);
            m.eval();
            Tensor tokens = expected.get("level" + lvl + ".tokens");
            Tensor ref = expected.get("level" + lvl + ".ref");
            try (GradMode.Scope s = GradMode.noGrad()) {
                EdModel.Output o = m.forward(Variable.constant(tokens), ref);
                TensorCompare.assertClose("level " + lvl + " reconstruction",
                        o.reconstruction().data(), expected.get("level" + lvl + ".out"), 1e-4,
                        1e-3);
                TensorCompare.assertClose("level " + lvl + " scores",
                        AnomalyScorer.levelScores(o, tokens, m.config()),
                        expected.get("level" + lvl + ".score"), 1e-6, 1e-4);
            }
        }
    }
}
