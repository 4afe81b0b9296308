package ed4j.ed.train;

import ed4j.datasets.ByteImage;
import ed4j.datasets.Sample;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Visual panels of a test set, one PNG per image: the input, the ground truth, the smoothed
 * anomaly map over the image (scaled over the whole class), and the predicted mask (map at or
 * above the image threshold), side by side.
 */
final class Panels {

    private Panels() {}

    static void write(Path dir, List<Sample> samples, List<ByteImage> rgbs, List<byte[]> masks,
            List<float[]> maps, int size, double lo, double hi, double threshold)
            throws IOException {
        for (int i = 0; i < samples.size(); i++) {
            BufferedImage panel = new BufferedImage(4 * size, size, BufferedImage.TYPE_INT_RGB);
            BufferedImage image = Heatmaps.toImage(rgbs.get(i));
            BufferedImage heat = Heatmaps.overlay(rgbs.get(i), maps.get(i), lo, hi, 0.5);
            byte[] mask = masks.get(i);
            float[] map = maps.get(i);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int p = y * size + x;
                    panel.setRGB(x, y, image.getRGB(x, y));
                    panel.setRGB(size + x, y, mask[p] != 0 ? 0xFFFFFF : 0);
                    panel.setRGB(2 * size + x, y, heat.getRGB(x, y));
                    boolean predicted = !Double.isNaN(threshold) && map[p] >= threshold;
                    panel.setRGB(3 * size + x, y, predicted ? 0xFFFFFF : 0);
                }
            }
            Sample s = samples.get(i);
            Heatmaps.writePng(panel, dir.resolve(s.defectType() + "_" + s.stem() + ".png"));
        }
    }
}
