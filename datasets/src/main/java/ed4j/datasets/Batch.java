package ed4j.datasets;

import ed4j.tensor.Tensor;
import java.util.List;

/**
 * A batch of {@code B} decoded samples, in loader order.
 *
 * @param images float32 (B, 3, s, s), ImageNet-normalised
 * @param masks float32 (B, 1, s, s) in {0, 1}
 * @param labels int64 (B): 0 normal, 1 anomalous
 * @param samples the B samples the rows came from
 * @param rgb the B resized 8-bit RGB images, for visualisation
 */
public record Batch(
        Tensor images, Tensor masks, Tensor labels, List<Sample> samples, List<ByteImage> rgb) {

    /** Stacks decoded samples of one size into a batch. */
    static Batch of(List<DecodedSample> items) {
        int b = items.size();
        long[] labels = new long[b];
        for (int i = 0; i < b; i++) {
            labels[i] = items.get(i).label();
        }
        return new Batch(
                Tensor.stack(items.stream().map(DecodedSample::image).toList(), 0),
                Tensor.stack(items.stream().map(DecodedSample::mask).toList(), 0),
                Tensor.ofLongs(labels, b),
                items.stream().map(DecodedSample::sample).toList(),
                items.stream().map(DecodedSample::rgb).toList());
    }

    /** Batch size B. */
    public int size() {
        return samples.size();
    }

    /** The image file stems, in row order. */
    public List<String> stems() {
        return samples.stream().map(Sample::stem).toList();
    }

    /** The type folders (normal type or defect type), in row order. */
    public List<String> defectTypes() {
        return samples.stream().map(Sample::defectType).toList();
    }
}
