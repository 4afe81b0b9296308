package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ed4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Size and crop rules against values printed by torchvision 0.14 ({@code
 * _compute_resized_output_size} and {@code center_crop} on small tensors), and the tensor
 * conversions against their float32 formulas.
 */
class TransformsTest {

    @Test
    void shorterSideSizeMatchesTorchvision() {
        // (h, w, s) -> torchvision's [new_h, new_w]
        int[][] cases = {
            {23, 37, 29, 29, 46}, {50, 20, 10, 25, 10}, {16, 16, 8, 8, 8}, {3, 10, 7, 7, 23},
            {240, 320, 256, 256, 341}, {1000, 1001, 256, 256, 256}, {7, 700, 3, 3, 300},
        };
        for (int[] c : cases) {
            assertArrayEquals(new int[] {c[3], c[4]}, Transforms.shorterSideSize(c[0], c[1], c[2]),
                    "h=" + c[0] + " w=" + c[1] + " s=" + c[2]);
        }
    }

    /** An image of w x h whose single channel holds 1, 2, 3, ... in row-major order. */
    private static ByteImage counting(int w, int h) {
        byte[] b = new byte[w * h];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i + 1);
        }
        return ByteImage.of(w, h, 1, b);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void centerCropRoundsHalfToEvenAndPadsLikeTorchvision() {
        // 5 wide, 4 high, crop 2x2: top round(1.0) = 1, left round(1.5) = 2.
        assertArrayEquals(bytes(8, 9, 13, 14),
                Transforms.centerCrop(counting(5, 4), 2, 2).toArray());
        // 4 wide, 5 high: top round(1.5) = 2, left 1.
        assertArrayEquals(bytes(10, 11, 14, 15),
                Transforms.centerCrop(counting(4, 5), 2, 2).toArray());
        // Larger than the image: zero padding, (c - s) / 2 before, the rest after.
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0),
                Transforms.centerCrop(counting(2, 2), 5, 4).toArray());
        // Taller than the image, narrower: pad rows, crop columns.
        assertArrayEquals(bytes(3, 4, 9, 10, 15, 16, 0, 0),
                Transforms.centerCrop(counting(6, 3), 4, 2).toArray());
    }

    @Test
    void toTensorAndNormalizeUseFloat32Steps() {
        ByteImage rgb = ByteImage.of(2, 1, 3, bytes(0, 128, 255, 7, 77, 177));
        Tensor t = Transforms.toTensor(rgb);
        assertArrayEquals(new int[] {3, 1, 2}, t.shape().toArray());
        assertEquals(128 / 255f, (float) t.get(1, 0, 0));
        assertEquals(177 / 255f, (float) t.get(2, 0, 1));
        Tensor n = Transforms.toImagenetTensor(rgb);
        float[] mean = Transforms.imagenetMean();
        float[] std = Transforms.imagenetStd();
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < 2; x++) {
                float v = (rgb.get(x, 0, c) / 255f - mean[c]) / std[c];
                assertEquals(v, (float) n.get(c, 0, x));
            }
        }
        Tensor m = Transforms.toBinaryMask(ByteImage.of(3, 1, 1, bytes(0, 1, 255)));
        assertArrayEquals(new float[] {0, 1, 1}, m.toFloatArray());
    }

    @Test
    void preprocessKeepsAnImageThatAlreadyHasTheSize() {
        ByteImage img = TinyImages.rgb(12, 12, 3);
        assertSame(img, new Preprocess(ResizeMode.EXACT, 12).image(img));
        assertEquals(img, new Preprocess(ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP, 12)
                .mask(img));
        ByteImage wide = TinyImages.rgb(30, 12, 3);
        ByteImage cropped = new Preprocess(ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP, 12)
                .image(wide);
        // Shorter side already 12: no resampling, only the centre crop (offset 9).
        assertEquals(wide.get(9, 0, 0), cropped.get(0, 0, 0));
        assertEquals(wide.get(20, 11, 2), cropped.get(11, 11, 2));
    }

    @Test
    void badArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Preprocess(ResizeMode.EXACT, 0));
        assertThrows(IllegalArgumentException.class,
                () -> PilResample.lanczos(TinyImages.rgb(4, 4, 0), 0, 3));
        assertThrows(IllegalArgumentException.class,
                () -> Transforms.centerCrop(TinyImages.rgb(4, 4, 0), 3, -1));
        assertThrows(IllegalArgumentException.class,
                () -> ByteImage.of(2, 2, 3, new byte[11]));
    }
}
