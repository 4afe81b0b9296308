package ed4j.datasets;

import ed4j.tensor.Tensor;

/**
 * A sample decoded and transformed for the model.
 *
 * @param sample where it came from
 * @param image float32 (3, s, s), normalised with the ImageNet statistics
 * @param mask float32 (1, s, s), 1 on anomalous pixels and 0 elsewhere; all zeros for normal
 *     images
 * @param rgb the resized 8-bit RGB image (s x s) before {@code ToTensor}, for visualisation
 */
public record DecodedSample(Sample sample, Tensor image, Tensor mask, ByteImage rgb) {

    /** 0 for a normal image, 1 for an anomalous one. */
    public int label() {
        return sample.label();
    }

    /** The image file name without extension. */
    public String stem() {
        return sample.stem();
    }

    /** The type folder: the normal type or a defect type. */
    public String defectType() {
        return sample.defectType();
    }
}
