package ed4j.ed.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ed4j.tensor.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-class results and their mean as {@code results.json} and {@code results.csv}: image AUROC,
 * pixel AUROC, AUPRO (FPR 0.3), the F1-maximising threshold and its F1. Metrics are
 * final-epoch values. Both files are written atomically.
 */
public final class Results {

    private Results() {}

    /** The mean over classes of each metric (NaN entries skipped). */
    public static double[] mean(List<Evaluator.ClassResult> results) {
        double[] sums = new double[3];
        int[] counts = new int[3];
        for (Evaluator.ClassResult r : results) {
            double[] v = {r.imageAuroc(), r.pixelAuroc(), r.aupro()};
            for (int i = 0; i < 3; i++) {
                if (!Double.isNaN(v[i])) {
                    sums[i] += v[i];
                    counts[i]++;
                }
            }
        }
        double[] m = new double[3];
        for (int i = 0; i < 3; i++) {
            m[i] = counts[i] == 0 ? Double.NaN : sums[i] / counts[i];
        }
        return m;
    }

    public static void write(Path dir, List<Evaluator.ClassResult> results,
            Map<String, String> settings) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        ObjectNode s = root.putObject("settings");
        settings.forEach(s::put);
        ArrayNode classes = root.putArray("classes");
        StringBuilder csv = new StringBuilder(
                "class,images,image_auroc,pixel_auroc,aupro,threshold,f1\n");
        for (Evaluator.ClassResult r : results) {
            ObjectNode c = classes.addObject();
            c.put("class", r.className());
            c.put("images", r.images());
            putNumber(c, "image_auroc", r.imageAuroc());
            putNumber(c, "pixel_auroc", r.pixelAuroc());
            putNumber(c, "aupro", r.aupro());
            putNumber(c, "threshold", r.threshold());
            putNumber(c, "f1", r.f1());
            csv.append(String.format(Locale.ROOT, "%s,%d,%s,%s,%s,%s,%s%n", r.className(),
                    r.images(), num(r.imageAuroc()), num(r.pixelAuroc()), num(r.aupro()),
                    num(r.threshold()), num(r.f1())));
        }
        double[] m = mean(results);
        ObjectNode mean = root.putObject("mean");
        putNumber(mean, "image_auroc", m[0]);
        putNumber(mean, "pixel_auroc", m[1]);
        putNumber(mean, "aupro", m[2]);
        csv.append(String.format(Locale.ROOT, "mean,,%s,%s,%s,,%n", num(m[0]), num(m[1]),
                num(m[2])));
        AtomicFiles.write(dir.resolve("results.json"),
                json.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve("results.csv"), csv.toString()
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void putNumber(ObjectNode n, String key, double v) {
        if (Double.isNaN(v)) {
            n.putNull(key);
        } else {
            n.put(key, v);
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    /** A fixed-width table for the console. */
    public static String table(List<Evaluator.ClassResult> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-16s %7s %11s %11s %8s%n", "class", "images", "image AUROC", "pixel AUROC",
                "AUPRO"));
        for (Evaluator.ClassResult r : results) {
            sb.append(String.format(Locale.ROOT, "%-16s %7d %11s %11s %8s%n", r.className(),
                    r.images(), pct(r.imageAuroc()), pct(r.pixelAuroc()), pct(r.aupro())));
        }
        double[] m = mean(results);
        sb.append(String.format(Locale.ROOT, "%-16s %7s %11s %11s %8s%n", "mean", "",
                pct(m[0]), pct(m[1]), pct(m[2])));
        return sb.toString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", 100 * v);
    }
}
