package ed4j.datasets;

/** How a data set's images are brought to the model's square input size {@code s}. */
public enum ResizeMode {
    /** Resize to exactly {@code s x s}, ignoring the aspect ratio (MVTec AD). */
    EXACT,
    /**
     * Resize the shorter side to {@code s} keeping the aspect ratio (torchvision's {@code
     * Resize(s)}), then {@code CenterCrop(s)} (BTAD, MVTec 3D-AD).
     */
    SHORTER_SIDE_THEN_CENTER_CROP
}
