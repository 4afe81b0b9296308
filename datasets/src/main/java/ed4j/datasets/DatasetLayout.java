package ed4j.datasets;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a data set keeps its images and masks, which classes it has and how its images are
 * resized. Images lie in {@code <root>/<class>/<split>/<type>/[<imageSubdir>/]<stem>.<ext>},
 * where {@code type} is the normal type (e.g. {@code good}) or a defect type; masks of
 * anomalous images are found from templates relative to the root with the placeholders {@code
 * {class}}, {@code {split}}, {@code {type}} and {@code {stem}}, each template tried with each
 * mask extension in order.
 *
 * <p>Presets: {@link #MVTEC_AD}, {@link #BTAD}, {@link #MVTEC_3D_RGB}, and {@link #mvtecStyle()}
 * for any folder in the MVTec layout with any class names (bring your own products). A preset
 * can be adjusted through {@link #toBuilder()}.
 */
public final class DatasetLayout {

    /**
     * MVTec AD: 15 classes, {@code <cls>/{train,test}/<type>/*.png}, normal type {@code good},
     * masks {@code <cls>/ground_truth/<type>/<stem>_mask.png}; images resized to exactly {@code
     * s x s}.
     */
    public static final DatasetLayout MVTEC_AD = builder("MVTec AD")
            .classes("bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather",
                    "metal_nut", "pill", "screw", "tile", "toothbrush", "transistor", "wood",
                    "zipper")
            .normalType("good")
            .imageExtensions("png")
            .maskTemplates("{class}/ground_truth/{type}/{stem}_mask")
            .maskExtensions("png")
            .resizeMode(ResizeMode.EXACT)
            .build();

    /**
     * BTAD (beanTech): classes {@code 01 02 03}, {@code <cls>/{train,test}/<type>/*.{bmp,png}},
     * normal type {@code ok}, masks {@code <cls>/ground_truth/<type>/<stem>.png} ({@code .bmp}
     * for class 03); shorter side resized to {@code s}, then centre crop.
     */
    public static final DatasetLayout BTAD = builder("BTAD")
            .classes("01", "02", "03")
            .normalType("ok")
            .imageExtensions("bmp", "png")
            .maskTemplates("{class}/ground_truth/{type}/{stem}")
            .maskExtensions("png", "bmp")
            .resizeMode(ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP)
            .build();

    /**
     * MVTec 3D-AD, RGB images only: 10 classes, {@code <cls>/{train,validation,test}/<type>/rgb/
     * *.png}, normal type {@code good}, masks {@code <cls>/<split>/<type>/gt/<stem>.png} (any
     * nonzero level is anomalous); shorter side resized to {@code s}, then centre crop.
     */
    public static final DatasetLayout MVTEC_3D_RGB = builder("MVTec 3D-AD (RGB)")
            .classes("bagel", "cable_gland", "carrot", "cookie", "dowel", "foam", "peach",
                    "potato", "rope", "tire")
            .normalType("good")
            .imageSubdir("rgb")
            .imageExtensions("png")
            .maskTemplates("{class}/{split}/{type}/gt/{stem}")
            .maskExtensions("png")
            .resizeMode(ResizeMode.SHORTER_SIDE_THEN_CENTER_CROP)
            .build();

    private final String name;
    private final List<String> classes;
    private final String normalType;
    private final String imageSubdir;
    private final List<String> imageExtensions;
    private final List<String> maskTemplates;
    private final List<String> maskExtensions;
    private final ResizeMode resizeMode;

    private DatasetLayout(Builder b) {
        this.name = b.name;
        this.classes = List.copyOf(b.classes);
        this.normalType = b.normalType;
        this.imageSubdir = b.imageSubdir;
        this.imageExtensions = List.copyOf(b.imageExtensions);
        this.maskTemplates = List.copyOf(b.maskTemplates);
        this.maskExtensions = List.copyOf(b.maskExtensions);
        this.resizeMode = b.resizeMode;
    }

    /**
     * The MVTec layout with any class names: {@code <cls>/{train,test}/<type>/*.{png,jpg,jpeg,
     * bmp}}, normal type {@code good}, masks {@code <cls>/ground_truth/<type>/<stem>_mask.png}
     * or {@code <stem>.png} ({@code .bmp} also accepted); images resized to exactly {@code s x
     * s}.
     */
    public static DatasetLayout mvtecStyle() {
        return builder("MVTec-style")
                .normalType("good")
                .imageExtensions("png", "jpg", "jpeg", "bmp")
                .maskTemplates("{class}/ground_truth/{type}/{stem}_mask",
                        "{class}/ground_truth/{type}/{stem}")
                .maskExtensions("png", "bmp")
                .resizeMode(ResizeMode.EXACT)
                .build();
    }

    /** A builder for a layout called {@code name}, starting from the MVTec-style defaults. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding this layout's settings. */
    public Builder toBuilder() {
        Builder b = new Builder(name);
        b.classes = new ArrayList<>(classes);
        b.normalType = normalType;
        b.imageSubdir = imageSubdir;
        b.imageExtensions = new ArrayList<>(imageExtensions);
        b.maskTemplates = new ArrayList<>(maskTemplates);
        b.maskExtensions = new ArrayList<>(maskExtensions);
        b.resizeMode = resizeMode;
        return b;
    }

    /** The layout's name, used in messages. */
    public String name() {
        return name;
    }

    /** The known classes; empty when any class name is accepted. */
    public List<String> classes() {
        return classes;
    }

    /** The folder name of normal images ({@code good}, {@code ok}). */
    public String normalType() {
        return normalType;
    }

    /** The folder below each type folder that holds the images; empty when none. */
    public String imageSubdir() {
        return imageSubdir;
    }

    /** Accepted image extensions, lower case, without the dot. */
    public List<String> imageExtensions() {
        return imageExtensions;
    }

    /** How images are brought to the square input size. */
    public ResizeMode resizeMode() {
        return resizeMode;
    }

    /** The preprocessing of this layout at input size {@code size}. */
    public Preprocess preprocess(int size) {
        return new Preprocess(resizeMode, size);
    }

    /** 0 for the normal type, 1 for any other type. */
    public int label(String type) {
        return type.equals(normalType) ? 0 : 1;
    }

    /** The folder holding the images of one type. */
    public Path imageDir(Path root, String className, Split split, String type) {
        Path dir = root.resolve(className).resolve(split.dirName()).resolve(type);
        return imageSubdir.isEmpty() ? dir : dir.resolve(imageSubdir);
    }

    /** Whether {@code file}'s extension is one of the image extensions (any case). */
    public boolean isImageFile(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 && imageExtensions.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Where the mask of an image may be, in the order they are tried. */
    public List<Path> maskCandidates(
            Path root, String className, Split split, String type, String stem) {
        List<Path> out = new ArrayList<>();
        for (String template : maskTemplates) {
            String rel = template.replace("{class}", className)
                    .replace("{split}", split.dirName())
                    .replace("{type}", type)
                    .replace("{stem}", stem);
            for (String ext : maskExtensions) {
                out.add(root.resolve(rel + "." + ext));
            }
        }
        return out;
    }

    /** One line describing the expected folder convention, for error messages. */
    public String convention() {
        String sub = imageSubdir.isEmpty() ? "" : imageSubdir + "/";
        return name + " layout: <class>/<split>/<type>/" + sub + "*.{"
                + String.join(",", imageExtensions) + "}, normal type '" + normalType
                + "', masks " + String.join(" or ", maskTemplates) + ".{"
                + String.join(",", maskExtensions) + "}";
    }

    @Override
    public String toString() {
        return convention();
    }

    /** Builder of a {@link DatasetLayout}; starts from the MVTec-style defaults. */
    public static final class Builder {
        private final String name;
        private List<String> classes = new ArrayList<>();
        private String normalType = "good";
        private String imageSubdir = "";
        private List<String> imageExtensions = new ArrayList<>(List.of("png"));
        private List<String> maskTemplates =
                new ArrayList<>(List.of("{class}/ground_truth/{type}/{stem}_mask"));
        private List<String> maskExtensions = new ArrayList<>(List.of("png"));
        private ResizeMode resizeMode = ResizeMode.EXACT;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("DatasetLayout: a name is required");
            }
            this.name = name;
        }

        /** The known classes; none means any class name is accepted. */
        public Builder classes(String... names) {
            this.classes = new ArrayList<>(List.of(names));
            return this;
        }

        /** The folder name of normal images. */
        public Builder normalType(String type) {
            this.normalType = requireName(type, "normalType");
            return this;
        }

        /** A folder below each type folder that holds the images (MVTec 3D's {@code rgb}). */
        public Builder imageSubdir(String subdir) {
            this.imageSubdir = subdir == null ? "" : subdir;
            return this;
        }

        /** Accepted image extensions, without the dot. */
        public Builder imageExtensions(String... exts) {
            this.imageExtensions = lowerCase(exts, "imageExtensions");
            return this;
        }

        /** Mask path templates relative to the root, without extension; need {@code {stem}}. */
        public Builder maskTemplates(String... templates) {
            if (templates.length == 0) {
                throw new IllegalArgumentException("DatasetLayout: at least one mask template");
            }
            for (String t : templates) {
                if (!t.contains("{stem}")) {
                    throw new IllegalArgumentException(
                            "DatasetLayout: mask template '" + t + "' lacks {stem}");
                }
            }
            this.maskTemplates = new ArrayList<>(List.of(templates));
            return this;
        }

        /** Mask extensions tried in order, without the dot. */
        public Builder maskExtensions(String... exts) {
            this.maskExtensions = lowerCase(exts, "maskExtensions");
            return this;
        }

        /** How images are brought to the square input size. */
        public Builder resizeMode(ResizeMode mode) {
            if (mode == null) {
                throw new IllegalArgumentException("DatasetLayout: resizeMode must be given");
            }
            this.resizeMode = mode;
            return this;
        }

        /** The layout. */
        public DatasetLayout build() {
            return new DatasetLayout(this);
        }

        private static String requireName(String s, String what) {
            if (s == null || s.isBlank() || s.contains("/") || s.contains("\\")) {
                throw new IllegalArgumentException(
                        "DatasetLayout: " + what + " must be a plain folder name, got '" + s
                                + "'");
            }
            return s;
        }

        private static List<String> lowerCase(String[] exts, String what) {
            if (exts.length == 0) {
                throw new IllegalArgumentException("DatasetLayout: " + what + " is empty");
            }
            List<String> out = new ArrayList<>();
            for (String e : exts) {
                String x = e.startsWith(".") ? e.substring(1) : e;
                out.add(x.toLowerCase(Locale.ROOT));
            }
            return out;
        }
    }
}
