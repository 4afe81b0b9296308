package ed4j.datasets;

import java.util.Locale;

/** The kinds of defect {@link SyntheticDataset} draws; each is a test type folder. */
public enum DefectKind {
    /** A thin curved line, lighter (or darker on light material) than its surroundings. */
    SCRATCH,
    /** A small dark irregular blot. */
    SPOT,
    /** A thin, very dark, jagged line with a branch. */
    CRACK,
    /** A chunk of material gone: background (objects) or a dark hole (textures) shows. */
    MISSING,
    /** Excess material: a lump on the edge of an object, or a flat knot in a texture. */
    EXTRA,
    /** A translucent yellow-brown tint over an irregular area. */
    STAIN;

    /** The folder name, e.g. {@code scratch}. */
    public String folderName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
