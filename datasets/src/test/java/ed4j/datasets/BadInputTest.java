package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input gives a clear error naming the folder or file, or is skipped and counted. */
class BadInputTest {

    @TempDir
    Path root;

    private static void assertMentions(Throwable e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p),
                    "message should mention '" + p + "': " + e.getMessage());
        }
    }

    @Test
    void missingRootIsNamed() {
        Path missing = root.resolve("nowhere");
        DatasetException e = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(missing, DatasetLayout.MVTEC_AD, "bottle", Split.TRAIN));
        assertMentions(e, missing.toString(), "does not exist", "MVTec AD layout");
    }

    @Test
    void classNotThereListsTheClassesFound() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        TinyImages.mvtecClass(root, "cable");
        Files.createDirectories(root.resolve("not_a_class"));
        DatasetException e = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "zipper", Split.TRAIN));
        assertMentions(e, "class 'zipper' not found", "classes found: bottle, cable");
        assertTrue(!e.getMessage().contains("not_a_class"), e.getMessage());
        assertEquals(List.of("bottle", "cable"), AnomalyDataset.classesFound(root));
        DatasetException missing = assertThrows(DatasetException.class,
                () -> AnomalyDataset.classesFound(root.resolve("nowhere")));
        assertMentions(missing, "data set root " + root.resolve("nowhere") + " does not exist");
    }

    @Test
    void classUnknownToAFixedLayoutPointsToTheGenericOne() throws IOException {
        TinyImages.mvtecClass(root, "bottel");
        DatasetException e = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottel", Split.TRAIN));
        assertMentions(e, "'bottel' is not a MVTec AD class", "bottle", "mvtecStyle()");
        assertEquals(3, AnomalyDataset.scan(root, DatasetLayout.mvtecStyle(), "bottel",
                Split.TRAIN).size());
    }

    @Test
    void missingSplitAndImageSubfolderAreNamed() throws IOException {
        TinyImages.png(root.resolve("bottle/train/good/000.png"), TinyImages.rgb(8, 8, 0));
        DatasetException e = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TEST));
        assertMentions(e, "missing directory " + root.resolve("bottle/test"));

        TinyImages.png(root.resolve("bagel/train/good/000.png"), TinyImages.rgb(8, 8, 0));
        DatasetException e3 = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_3D_RGB, "bagel",
                        Split.TRAIN));
        assertMentions(e3, "missing directory " + root.resolve("bagel/train/good/rgb"));
    }

    @Test
    void emptySplitIsAnError() throws IOException {
        Files.createDirectories(root.resolve("bottle/train/good"));
        Files.writeString(root.resolve("bottle/train/good/notes.txt"), "no images here");
        DatasetException e = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TRAIN));
        assertMentions(e, "no images in " + root.resolve("bottle/train"), "*.{png}");
    }

    @Test
    void missingMaskNamesTheExpectedFileOrIsSkipped() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        Path mask = root.resolve("bottle/ground_truth/crack/001_mask.png");
        Files.delete(mask);
        InvalidSampleException e = assertThrows(InvalidSampleException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TEST));
        assertMentions(e, "missing mask", mask.toString());
        assertEquals(root.resolve("bottle/test/crack/001.png"), e.file());

        AnomalyDataset skipping = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TEST, ScanOptions.SKIP_INVALID);
        assertEquals(4, skipping.size());
        assertEquals(1, skipping.skipped().size());
        assertEquals(root.resolve("bottle/test/crack/001.png"), skipping.skipped().get(0).file());
    }

    @Test
    void wronglySizedMaskIsNamedAtScanAndAtDecode() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        Path mask = root.resolve("bottle/ground_truth/hole/000_mask.png");
        TinyImages.png(mask, TinyImages.mask(19, 16, 255));
        InvalidSampleException e = assertThrows(InvalidSampleException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TEST));
        assertMentions(e, mask.toString(), "mask is 19x16", "000.png is 20x16");
        assertEquals(mask, e.file());

        // Without the header check the decoder finds it.
        AnomalyDataset unchecked = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TEST, new ScanOptions(false, false));
        Sample hole = unchecked.samples().get(4);
        InvalidSampleException d = assertThrows(InvalidSampleException.class,
                () -> unchecked.decoder(8).decode(hole));
        assertMentions(d, mask.toString(), "mask is 19x16");
    }

    @Test
    void notAnImageIsNamedOrSkipped() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        Path fake = root.resolve("bottle/train/good/003.png");
        Files.writeString(fake, "this is text, not a PNG", StandardCharsets.UTF_8);
        InvalidSampleException e = assertThrows(InvalidSampleException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TRAIN));
        assertMentions(e, fake.toString(), "not a PNG, BMP or JPEG image");
        AnomalyDataset skipping = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TRAIN, ScanOptions.SKIP_INVALID);
        assertEquals(3, skipping.size());
        assertEquals(fake, skipping.skipped().get(0).file());
    }

    @Test
    void allImagesInvalidIsAnErrorEvenWhenSkipping() throws IOException {
        Path dir = root.resolve("bottle/train/good");
        Files.createDirectories(dir);
        Files.write(dir.resolve("000.png"), new byte[0]);
        DatasetException e = assertThrows(DatasetException.class,
                () -> AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TRAIN,
                        ScanOptions.SKIP_INVALID));
        assertMentions(e, "all 1 images", "an empty file");
    }

    @Test
    void corruptImagesFailDecodingWithTheFileName() throws IOException {
        Path png = TinyImages.png(root.resolve("a.png"), TinyImages.rgb(40, 30, 1));
        byte[] bytes = Files.readAllBytes(png);
        Path truncated = root.resolve("truncated.png");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        InvalidSampleException e = assertThrows(InvalidSampleException.class,
                () -> ImageDecoder.decodeRgb(truncated));
        assertMentions(e, truncated.toString(), "cannot decode PNG image (corrupt");
        // The header is intact: only decoding finds the damage.
        assertEquals(new ImageDecoder.Size(40, 30), ImageDecoder.readSize(truncated));

        Path empty = root.resolve("empty.bmp");
        Files.write(empty, new byte[0]);
        assertMentions(assertThrows(InvalidSampleException.class,
                () -> ImageDecoder.decodeRgb(empty)), empty.toString(), "an empty file");

        Path missing = root.resolve("missing.png");
        assertMentions(assertThrows(InvalidSampleException.class,
                () -> ImageDecoder.decodeRgb(missing)), missing.toString(), "no such file");

        Path badBmp = root.resolve("bad.bmp");
        Files.write(badBmp, new byte[] {'B', 'M', 1, 2, 3});
        assertMentions(assertThrows(InvalidSampleException.class,
                () -> ImageDecoder.decodeRgb(badBmp)), badBmp.toString(), "cannot decode BMP");
    }

    @Test
    void truncatedJpegIsAnErrorAsInPil() throws IOException {
        Path jpeg = ImageParityTest.fixtures().resolve("src/rgb_48x40_q90.jpg");
        byte[] bytes = Files.readAllBytes(jpeg);
        Path truncated = root.resolve("truncated.jpg");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        InvalidSampleException e = assertThrows(InvalidSampleException.class,
                () -> ImageDecoder.decodeRgb(truncated));
        assertMentions(e, truncated.toString(), "corrupt JPEG image");
    }

    @Test
    void otherExtensionsAreIgnoredNotLoaded() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        Files.writeString(root.resolve("bottle/train/good/readme.txt"), "x");
        Files.writeString(root.resolve("bottle/train/good/.DS_Store"), "x");
        assertEquals(3, AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TRAIN).size());
    }
}
