package ed4j.datasets;

import ed4j.tensor.Tensor;
import java.io.IOException;

/**
 * Turns a {@link Sample} into model input. Implementations must be thread-safe: a {@link
 * DataLoader} calls them from several worker threads at once.
 */
@FunctionalInterface
public interface SampleDecoder {

    /**
     * The decoded, transformed sample.
     *
     * @throws InvalidSampleException when the image or mask is unreadable, corrupt, or the
     *     mask's size differs from the image's
     * @throws IOException for other read failures
     */
    DecodedSample decode(Sample sample) throws IOException;

    /**
     * The reference pipeline: decode to RGB as PIL does, resize with {@code preprocess} (PIL
     * Lanczos for the image, PIL nearest for the mask), {@code ToTensor}, ImageNet {@code
     * Normalize}; masks are binarised (any nonzero level is anomalous).
     */
    static SampleDecoder standard(Preprocess preprocess) {
        return sample -> {
            ByteImage rgb = ImageDecoder.decodeRgb(sample.image());
            Tensor mask;
            if (sample.mask().isPresent()) {
                ByteImage m = ImageDecoder.decodeGray(sample.mask().get());
                if (m.width() != rgb.width() || m.height() != rgb.height()) {
                    throw new InvalidSampleException(sample.mask().get(), "mask is " + m.width()
                            + "x" + m.height() + " but its image " + sample.image().getFileName()
                            + " is " + rgb.width() + "x" + rgb.height());
                }
                // NOTE: any nonzero level counts as anomalous (MVTec 3D's rule; MVTec AD and
                // BTAD masks are 0/255, where this equals ToTensor's v / 255).
                mask = Transforms.toBinaryMask(preprocess.mask(m));
            } else {
                mask = Tensor.zeros(1, preprocess.size(), preprocess.size());
            }
            ByteImage resized = preprocess.image(rgb);
            return new DecodedSample(sample, Transforms.toImagenetTensor(resized), mask, resized);
        };
    }
}
