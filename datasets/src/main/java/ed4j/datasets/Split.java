package ed4j.datasets;

/** A split of an anomaly data set, stored in the folder of the same name under each class. */
public enum Split {
    /** Normal images for training ({@code train}). */
    TRAIN("train"),
    /** Normal images held out for validation ({@code validation}, MVTec 3D-AD only). */
    VALIDATION("validation"),
    /** Normal and anomalous images for evaluation ({@code test}). */
    TEST("test");

    private final String dirName;

    Split(String dirName) {
        this.dirName = dirName;
    }

    /** The folder name of the split. */
    public String dirName() {
        return dirName;
    }
}
