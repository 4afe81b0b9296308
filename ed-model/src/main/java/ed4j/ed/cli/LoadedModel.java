package ed4j.ed.cli;

import ed4j.ed.EdConfig;
import ed4j.ed.EdModel;
import ed4j.ed.train.EdCheckpoint;
import ed4j.ed.train.FeatureExtractor;
import ed4j.ed.train.ReferenceFeatures;
import ed4j.tensor.Generator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A trained ED model read back from disk, checked against the backbone and input size. */
record LoadedModel(List<EdModel> models, ReferenceFeatures references, Map<String, String> meta,
        Path file) {

    /**
     * The weights file of a class: {@code --checkpoint} itself when it is a file, else
     * {@code <dir>/<class>/model.safetensors} under {@code --checkpoint} or the run folder.
     */
    static Path weightsFile(Path checkpoint, Path runDir, String cls, int classCount) {
        if (checkpoint != null && !Files.isDirectory(checkpoint)) {
            if (classCount > 1) {
                throw new IllegalArgumentException("--checkpoint " + checkpoint + " is one file "
                        + "but " + classCount + " classes were selected; pass --class-name or a "
                        + "folder holding <class>/model.safetensors");
            }
            return checkpoint;
        }
        Path base = checkpoint != null ? checkpoint : runDir;
        return base.resolve(cls).resolve("model.safetensors");
    }

    static LoadedModel load(Path file, Path rfeaturesDir, String cls, FeatureExtractor ex,
            int inputSize) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no ED weights at " + file + "; train first, or pass "
                    + "--checkpoint");
        }
        EdCheckpoint ck = EdCheckpoint.load(file);
        String saved = ck.metadata().get("inp_size");
        if (saved != null && Integer.parseInt(saved) != inputSize) {
            throw new IllegalArgumentException(file + " was trained at --inp-size " + saved
                    + ", this run uses " + inputSize);
        }
        List<EdConfig> cfgs = ck.configs(inputSize);
        int[] ch = ex.channels();
        if (cfgs.size() != ch.length) {
            throw new IllegalArgumentException(file + " has " + cfgs.size() + " levels, the "
                    + "backbone gives " + ch.length);
        }
        List<EdModel> models = new ArrayList<>();
        int[][] shapes = new int[ch.length][];
        for (int i = 0; i < cfgs.size(); i++) {
            EdConfig c = cfgs.get(i);
            if (c.channels() != ch[i]) {
                throw new IllegalArgumentException(String.format(
                        "%s: level%d.embedding.project_embedding.project.weight expects %d "
                                + "backbone channels but %s gives %d; was it trained with "
                                + "another --backbone?", file, i, c.channels(), ex.name(), ch[i]));
            }
            EdModel m = new EdModel(c, new Generator(0));
            try {
                m.loadStateDict(ck.levels().get(i), true);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " level " + i + ": " + e.getMessage(),
                        e);
            }
            m.to(ex.device());
            m.eval();
            models.add(m);
            shapes[i] = new int[] {c.channels(), c.tokens()};
        }
        ReferenceFeatures refs = cfgs.get(0).withInter()
                ? ReferenceFeatures.load(rfeaturesDir, cls, shapes)
                : new ReferenceFeatures(emptyRefs(shapes), Map.of());
        return new LoadedModel(models, refs, ck.metadata(), file);
    }

    private static List<ed4j.tensor.Tensor> emptyRefs(int[][] shapes) {
        List<ed4j.tensor.Tensor> out = new ArrayList<>();
        for (int[] s : shapes) {
            out.add(ed4j.tensor.Tensor.zeros(s[0], s[1]));
        }
        return out;
    }
}
