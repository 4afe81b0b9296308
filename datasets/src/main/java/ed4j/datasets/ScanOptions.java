package ed4j.datasets;

/**
 * How {@link AnomalyDataset#scan} treats invalid files.
 *
 * @param skipInvalid leave out images that are unreadable, not images, or whose mask is missing
 *     or of another size, each with a warning, and count them; when false the first such file
 *     fails the scan
 * @param checkHeaders read the header of every image and mask to find unreadable files and
 *     mask size mismatches before any training starts (cheap: pixels are not decoded)
 */
public record ScanOptions(boolean skipInvalid, boolean checkHeaders) {

    /** Strict: fail on the first invalid file; headers are checked. */
    public static final ScanOptions STRICT = new ScanOptions(false, true);

    /** Skip invalid files with a warning; headers are checked. */
    public static final ScanOptions SKIP_INVALID = new ScanOptions(true, true);
}
