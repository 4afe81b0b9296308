package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three published layouts and the MVTec-style generic one, built in a temporary folder. */
class LayoutTest {

    @TempDir
    Path root;

    @Test
    void mvtecAdSplitsLabelsAndMasks() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        AnomalyDataset train = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TRAIN);
        assertEquals(3, train.size());
        assertTrue(train.samples().stream().allMatch(s -> s.label() == 0 && s.mask().isEmpty()));
        assertEquals(List.of("000", "001", "002"),
                train.samples().stream().map(Sample::stem).toList());

        AnomalyDataset test = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TEST);
        // Sorted by type folder, then file name.
        assertEquals(List.of("crack", "crack", "good", "good", "hole"),
                test.samples().stream().map(Sample::defectType).toList());
        assertEquals(List.of(1, 1, 0, 0, 1), test.samples().stream().map(Sample::label).toList());
        Sample hole = test.samples().get(4);
        assertEquals(Optional.of(root.resolve("bottle/ground_truth/hole/000_mask.png")),
                hole.mask());
        assertEquals(Split.TEST, hole.split());
        assertEquals("bottle", hole.className());
        assertTrue(test.skipped().isEmpty());
    }

    @Test
    void decodedItemHasNormalizedImageBinaryMaskAndRgb() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        AnomalyDataset test = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TEST);
        SampleDecoder decoder = test.decoder(8);
        DecodedSample crack = decoder.decode(test.samples().get(0));
        assertEquals(List.of(3, 8, 8), asList(crack.image().shape().toArray()));
        assertEquals(List.of(1, 8, 8), asList(crack.mask().shape().toArray()));
        assertEquals(8, crack.rgb().width());
        assertEquals(1, crack.label());
        assertEquals("crack", crack.defectType());
        assertEquals("000", crack.stem());
        // The 20x16 mask's middle rectangle becomes the middle 4x4 block at 8x8.
        Tensor m = crack.mask();
        assertEquals(1.0, m.get(0, 4, 4));
        assertEquals(0.0, m.get(0, 0, 0));
        assertEquals(16.0, m.sum().item());
        // The image tensor is the rgb image through ToTensor and ImageNet Normalize.
        float expected = (crack.rgb().get(3, 2, 1) / 255f - 0.456f) / 0.224f;
        assertEquals(expected, (float) crack.image().get(1, 2, 3));

        DecodedSample good = decoder.decode(test.samples().get(2));
        assertEquals(0, good.label());
        assertEquals(0.0, good.mask().sum().item());
        assertEquals(List.of(1, 8, 8), asList(good.mask().shape().toArray()));
    }

    @Test
    void btadImagesBmpOrPngMasksPngOrBmp() throws IOException {
        for (String cls : List.of("01", "03")) {
            Path c = root.resolve(cls);
            TinyImages.bmp(c.resolve("train/ok/0000.bmp"), TinyImages.rgb(30, 20, 1));
            TinyImages.bmp(c.resolve("test/ok/0001.bmp"), TinyImages.rgb(30, 20, 2));
            TinyImages.bmp(c.resolve("test/ko/0002.bmp"), TinyImages.rgb(30, 20, 3));
        }
        TinyImages.png(root.resolve("01/ground_truth/ko/0002.png"), TinyImages.mask(30, 20, 255));
        TinyImages.bmp(root.resolve("03/ground_truth/ko/0002.bmp"), TinyImages.mask(30, 20, 255));
        for (String cls : List.of("01", "03")) {
            AnomalyDataset test = AnomalyDataset.scan(root, DatasetLayout.BTAD, cls, Split.TEST);
            assertEquals(List.of("ko", "ok"),
                    test.samples().stream().map(Sample::defectType).toList());
            Sample ko = test.samples().get(0);
            assertEquals(1, ko.label());
            String ext = cls.equals("03") ? ".bmp" : ".png";
            assertEquals(root.resolve(cls + "/ground_truth/ko/0002" + ext), ko.mask().get());
            assertEquals(0, test.samples().get(1).label());
            // The 30x20 mask's rectangle spans x 7..21, y 5..14. Shorter side to 10 gives
            // 15x10 by nearest (source 2i + 1): columns 3..10, rows 2..6. The crop offset is
            // round(2.5) = 2 (half to even, as Python), so columns 1..8 remain.
            DecodedSample d = test.decoder(10).decode(ko);
            assertEquals(List.of(1, 10, 10), asList(d.mask().shape().toArray()));
            assertEquals(List.of(3, 10, 10), asList(d.image().shape().toArray()));
            assertEquals(40.0, d.mask().sum().item());
            assertEquals(0.0, d.mask().get(0, 2, 0));
            assertEquals(1.0, d.mask().get(0, 2, 1));
            assertEquals(1.0, d.mask().get(0, 6, 8));
            assertEquals(0.0, d.mask().get(0, 6, 9));
        }
        assertEquals(ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP, DatasetLayout.BTAD.resizeMode());
    }

    @Test
    void mvtec3dRgbSubfolderAndGtMasksWithAnyNonzeroLevel() throws IOException {
        Path c = root.resolve("bagel");
        TinyImages.png(c.resolve("train/good/rgb/000.png"), TinyImages.rgb(24, 18, 1));
        TinyImages.png(c.resolve("validation/good/rgb/000.png"), TinyImages.rgb(24, 18, 2));
        TinyImages.png(c.resolve("test/good/rgb/000.png"), TinyImages.rgb(24, 18, 3));
        TinyImages.png(c.resolve("test/good/gt/000.png"), TinyImages.mask(24, 18, 0));
        TinyImages.png(c.resolve("test/crack/rgb/000.png"), TinyImages.rgb(24, 18, 4));
        TinyImages.png(c.resolve("test/crack/gt/000.png"), TinyImages.mask(24, 18, 1));
        // xyz folders of the 3D data are not images of this layout and are ignored.
        Files.createDirectories(c.resolve("test/crack/xyz"));
        assertEquals(1, AnomalyDataset.scan(root, DatasetLayout.MVTEC_3D_RGB, "bagel",
                Split.VALIDATION).size());
        AnomalyDataset test = AnomalyDataset.scan(root, DatasetLayout.MVTEC_3D_RGB, "bagel",
                Split.TEST);
        assertEquals(2, test.size());
        Sample crack = test.samples().get(0);
        assertEquals(c.resolve("test/crack/gt/000.png"), crack.mask().get());
        DecodedSample d = test.decoder(12).decode(crack);
        // Level 1 is anomalous: the mask is binary, not v / 255.
        assertEquals(1.0, d.mask().amax(new int[] {0, 1, 2}, false).item());
        assertTrue(d.mask().sum().item() > 0);
    }

    @Test
    void mvtecStyleAcceptsAnyClassAndBothMaskNames() throws IOException {
        Path c = root.resolve("my_widget");
        TinyImages.png(c.resolve("train/good/a.png"), TinyImages.rgb(16, 16, 1));
        TinyImages.png(c.resolve("test/dent/b.png"), TinyImages.rgb(16, 16, 2));
        TinyImages.png(c.resolve("ground_truth/dent/b.png"), TinyImages.mask(16, 16, 255));
        TinyImages.png(c.resolve("test/scuff/c.png"), TinyImages.rgb(16, 16, 3));
        TinyImages.png(c.resolve("ground_truth/scuff/c_mask.png"), TinyImages.mask(16, 16, 255));
        AnomalyDataset test = AnomalyDataset.scan(root, DatasetLayout.mvtecStyle(), "my_widget",
                Split.TEST);
        assertEquals(2, test.size());
        assertEquals(root.resolve("my_widget/ground_truth/dent/b.png"),
                test.samples().get(0).mask().get());
        assertEquals(root.resolve("my_widget/ground_truth/scuff/c_mask.png"),
                test.samples().get(1).mask().get());

        DatasetLayout custom = DatasetLayout.mvtecStyle().toBuilder().normalType("ok")
                .resizeMode(ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP).build();
        assertEquals(1, custom.label("good"));
        assertEquals(0, custom.label("ok"));
        assertFalse(custom.isImageFile(Path.of("x.tif")));
        assertTrue(custom.isImageFile(Path.of("x.JPG")));
    }

    private static List<Integer> asList(int[] a) {
        return Arrays.stream(a).boxed().toList();
    }
}
