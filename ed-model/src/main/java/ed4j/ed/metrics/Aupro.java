package ed4j.ed.metrics;

/**
 * Area under the per-region overlap (PRO) curve up to a false-positive rate, normalised by that
 * limit (0.3 by default), as the MVTec AD evaluation defines it (Bergmann et al., "The MVTec
 * Anomaly Detection Dataset", IJCV 2021, section 5.2; ED-SPEC section 5). Accumulated image by
 * image over a class's test set.
 *
 * <p>The ground truth of each image is cut into regions by 8-connectivity ({@link
 * ConnectedComponents}); the R regions of all images count alike. For a threshold t, a pixel
 * scoring {@code >= t} is predicted anomalous, and
 * <pre>
 * FPR(t) = #{normal pixels scoring >= t} / #{normal pixels}          (all images together)
 * PRO(t) = (1/R) sum_k #{pixels of region k scoring >= t} / |region k|
 * AUPRO  = (1/limit) integral_0^limit PRO dFPR
 * </pre>
 * The curve has one point per distinct score (every threshold that changes it), from the
 * highest down, after a first point (0, 0); the integral is the trapezoidal rule over the
 * points with FPR {@code <= limit} plus the segment that crosses the limit, cut at the limit
 * with PRO interpolated linearly. This is the exact, sorting-based procedure of the official
 * evaluation script ({@code compute_pro} and {@code trapezoid} of the MVTec AD evaluation code),
 * not a fixed grid of thresholds (anomalib resamples per-region ROC curves instead, so its value
 * differs slightly).
 *
 * <p>NOTE: PRO sums {@code 1/|region|} once per pixel with Neumaier's compensated summation, so
 * it is accurate to about one ulp and, like everything here, independent of the thread count.
 * FPR and PRO are clamped to at most 1 as the official code does.
 *
 * <p>Memory: a {@code float} per normal pixel and a {@code long} (score and region number) per
 * anomalous pixel, plus an {@code int} per region: 4 to 8 bytes per pixel, about 45 MB for 150
 * images of 256 x 256 with 10% anomalous pixels, briefly up to 2.5 times an array's content
 * while it grows. Each {@link #add} call also allocates two {@code int[H*W]} for labelling.
 * {@link #compute()} sorts the arrays in place (the sort may borrow a work array of up to the
 * same size for partly ordered input).
 */
public final class Aupro {

    /** The MVTec AD integration limit. */
    public static final double DEFAULT_FPR_LIMIT = 0.3;

    private final double fprLimit;
    private final Buffers.Floats normal;
    private final Buffers.Longs anomalous;
    private final Buffers.Ints regionSizes;
    private boolean sorted = true;

    /** An empty accumulator integrating up to FPR 0.3. */
    public Aupro() {
        this(DEFAULT_FPR_LIMIT);
    }

    /** An empty accumulator integrating up to FPR {@code fprLimit}, in (0, 1]. */
    public Aupro(double fprLimit) {
        if (!(fprLimit > 0 && fprLimit <= 1)) {
            throw new IllegalArgumentException("Aupro: the FPR limit must lie in (0, 1], got "
                    + fprLimit);
        }
        this.fprLimit = fprLimit;
        this.normal = new Buffers.Floats("Aupro normal pixels", 0);
        this.anomalous = new Buffers.Longs("Aupro anomalous pixels", 0);
        this.regionSizes = new Buffers.Ints("Aupro regions", 0);
    }

    /** The FPR up to which the curve is integrated. */
    public double fprLimit() {
        return fprLimit;
    }

    /**
     * Adds one image: its anomaly map and ground-truth mask, both row-major {@code (height,
     * width)}; a nonzero mask byte (MVTec masks use 255) marks an anomalous pixel. A mask may be
     * empty (a normal image): its pixels then only count as normal pixels.
     *
     * @throws IllegalArgumentException when a length is not {@code height * width} or a score is
     *     not finite
     */
    public void add(float[] scores, byte[] mask, int height, int width) {
        checkScores(scores, mask.length, height, width);
        int[] labels = new int[mask.length];
        int n = ConnectedComponents.label(mask, height, width, labels);
        put(scores, labels, n);
    }

    /** As {@link #add(float[], byte[], int, int)} with a mask of booleans (true = anomalous). */
    public void add(float[] scores, boolean[] mask, int height, int width) {
        checkScores(scores, mask.length, height, width);
        int[] labels = new int[mask.length];
        int n = ConnectedComponents.label(mask, height, width, labels);
        put(scores, labels, n);
    }

    private static void checkScores(float[] scores, int mask, int height, int width) {
        if (height < 1 || width < 1 || (long) height * width != scores.length
                || scores.length != mask) {
            throw new IllegalArgumentException("Aupro.add: a " + height + " x " + width
                    + " image needs " + ((long) height * width) + " scores and mask values, got "
                    + scores.length + " and " + mask);
        }
        for (int i = 0; i < scores.length; i++) {
            if (!Float.isFinite(scores[i])) {
                throw new IllegalArgumentException("Aupro.add: score " + scores[i] + " at pixel "
                        + i + " (row " + i / width + ", column " + i % width + ") is not finite");
            }
        }
    }

    private void put(float[] scores, int[] labels, int regions) {
        int first = regionSizes.size;
        if ((long) first + regions > Buffers.MAX_LENGTH) {
            throw new IllegalStateException("Aupro: more than " + Buffers.MAX_LENGTH + " regions");
        }
        for (int k = 0; k < regions; k++) {
            regionSizes.add(0);
        }
        int[] sizes = regionSizes.data;
        for (int i = 0; i < scores.length; i++) {
            int l = labels[i];
            if (l == 0) {
                normal.add(scores[i] + 0.0f);
            } else {
                int region = first + l - 1;
                sizes[region]++;
                anomalous.add(((long) sortKey(scores[i]) << 32) | region);
            }
        }
        sorted = false;
    }

    /**
     * An int whose signed order is the float order of {@code s} ({@code -0.0} taken as {@code
     * 0.0}, as NumPy's comparisons take it).
     */
    static int sortKey(float s) {
        int bits = Float.floatToIntBits(s + 0.0f);
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** Number of ground-truth regions added. */
    public int regions() {
        return regionSizes.size;
    }

    /** Number of normal pixels added. */
    public long normalPixels() {
        return normal.size;
    }

    /** Number of anomalous pixels added. */
    public long anomalousPixels() {
        return anomalous.size;
    }

    /**
     * The normalised area under the PRO curve up to the FPR limit, in [0, 1]. More images may
     * be added afterwards.
     *
     * @throws IllegalStateException when no region or no normal pixel has been added (the curve
     *     is then undefined)
     */
    public double compute() {
        if (regionSizes.size == 0 || normal.size == 0) {
            throw new IllegalStateException("Aupro: the PRO curve needs at least one anomalous"
                    + " region and one normal pixel; got " + regionSizes.size + " regions and "
                    + normal.size + " normal pixels");
        }
        if (!sorted) {
            normal.sort();
            anomalous.sort();
            sorted = true;
        }
        float[] neg = normal.data;
        long[] pos = anomalous.data;
        int[] sizes = regionSizes.data;
        double numNormal = normal.size;
        double numRegions = regionSizes.size;
        int i = normal.size - 1;
        int j = anomalous.size - 1;
        long falsePositives = 0;
        double overlap = 0;
        double compensation = 0;
        double prevX = 0;
        double prevY = 0;
        double area = 0;
        // Thresholds from the highest score down; each step adds the pixels of one score.
        while (i >= 0 || j >= 0) {
            int t = Integer.MIN_VALUE;
            if (i >= 0) {
                t = sortKey(neg[i]);
            }
            if (j >= 0) {
                t = Math.max(t, (int) (pos[j] >> 32));
            }
            while (i >= 0 && sortKey(neg[i]) == t) {
                falsePositives++;
                i--;
            }
            while (j >= 0 && (int) (pos[j] >> 32) == t) {
                double v = 1.0 / sizes[(int) pos[j]];
                double s = overlap + v;
                // Neumaier: keep the low-order part lost by the addition.
                compensation += Math.abs(overlap) >= Math.abs(v)
                        ? (overlap - s) + v : (v - s) + overlap;
                overlap = s;
                j--;
            }
            double x = Math.min(falsePositives / numNormal, 1.0);
            double y = Math.min((overlap + compensation) / numRegions, 1.0);
            if (x > fprLimit) {
                // The segment crossing the limit, cut at the limit (none when a point lies on it).
                if (prevX != fprLimit) {
                    double yAt = prevY + (y - prevY) * (fprLimit - prevX) / (x - prevX);
                    area += 0.5 * (yAt + prevY) * (fprLimit - prevX);
                }
                break;
            }
            area += 0.5 * (y + prevY) * (x - prevX);
            prevX = x;
            prevY = y;
        }
        return area / fprLimit;
    }
}
