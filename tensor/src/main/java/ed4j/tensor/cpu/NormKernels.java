package ed4j.tensor.cpu;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Layer normalisation and its gradients.
 *
 * <p>Shapes: {@code x} is seen as {@code (R, D)}: {@code D = normalizedNumel} trailing elements
 * per row and {@code R = numel / D} rows (the leading dims, row-major). {@code weight} and
 * {@code bias} hold {@code D} elements (any shape), {@code mean} and {@code rstd} are {@code (R)}.
 *
 * <p>Forward: {@code mean = sum(x) / D}, {@code var = sum((x - mean)^2) / D} (biased),
 * {@code rstd = 1 / sqrt(var + eps)}, {@code y = (x - mean) * rstd * weight + bias}, all in
 * double and rounded once to the output dtype. Each row is read once from memory into a double
 * buffer; float32 rows take their moments from one pass over it (sums of {@code x - x[0]} and of
 * its square, so that a large common offset cancels no significant digits), float64 rows from two
 * (the mean, then squares about it). Rows are split over the worker threads; each row is computed
 * by one thread in a fixed order.
 *
 * <p>Backward, with {@code xhat = (x - mean) * rstd} and {@code gy = gradOut * weight}:
 * {@code gradInput = rstd * (gy - mean(gy) - xhat * mean(gy * xhat))},
 * {@code gradWeight = sum over rows of gradOut * xhat}, {@code gradBias = sum over rows of
 * gradOut}. The two row sums accumulate in double per fixed block of rows, and the block partials
 * are added in block order, so they do not depend on the thread count.
 */
final class NormKernels {

    private NormKernels() {}

    /** Upper bound on the number of row blocks whose partial parameter gradients are kept. */
    private static final int MAX_BLOCKS = 64;
    /** Fewest rows per block. */
    private static final int MIN_BLOCK_ROWS = 16;

    // ---- forward ------------------------------------------------------------------------------

    /**
     * {@code x (R, D) -> {y (R, D) with x's shape, mean (R), rstd (R)}}; weight and bias
     * {@code (D)} or null.
     */
    static Tensor[] layerNorm(CpuBackend be, Tensor x, Tensor weight, Tensor bias,
            int normalizedNumel, double eps) {
        int d = normalizedNumel;
        // NOTE: with an empty normalized shape there are no rows to report.
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor y = be.empty(x.shape(), x.dtype());
        Tensor mean = be.empty(Shape.of(rows), x.dtype());
        Tensor rstd = be.empty(Shape.of(rows), x.dtype());
        if (rows == 0) {
            return new Tensor[] {y, mean, rstd};
        }
        Tensor xc = x.contiguous();
        CpuStorage src = ElementwiseKernels.storage(xc);
        CpuStorage dst = ElementwiseKernels.storage(y);
        int base = xc.offset();
        // NOTE: a missing weight acts as ones and a missing bias as zeros, which changes nothing
        // in the result and keeps one simple loop.
        double[] w = weight == null ? filled(d, 1.0) : loadAll(weight);
        double[] b = bias == null ? filled(d, 0.0) : loadAll(bias);
        double[] means = new double[rows];
        double[] rstds = new double[rows];
        boolean f32 = x.dtype() == DType.FLOAT32;
        be.parallel().forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / d), (r0, r1) -> {
            double[] row = new double[d];
            double[] moments = new double[2];
            for (int r = r0; r < r1; r++) {
                ElementwiseKernels.load(src, base + r * d, 1, row, d);
                if (f32) {
                    shiftedMoments(row, d, moments);
                } else {
                    exactMoments(row, d, moments);
                }
                double m = moments[0];
                double rs = 1.0 / Math.sqrt(moments[1] + eps);
                means[r] = m;
                rstds[r] = rs;
                if (f32) {
                    normalize(row, dst.floats(), r * d, d, m, rs, w, b);
                } else {
                    normalize(row, dst.doubles(), r * d, d, m, rs, w, b);
                }
            }
        });
        ElementwiseKernels.store(ElementwiseKernels.storage(mean), 0, means, rows);
        ElementwiseKernels.store(ElementwiseKernels.storage(rstd), 0, rstds, rows);
        return new Tensor[] {y, mean, rstd};
    }

    /**
     * Mean and biased variance of {@code v[0..n)} into {@code out[0], out[1]} from one pass: sums
     * of {@code v - v[0]} and of its square, in four interleaved accumulators each.
     */
    private static void shiftedMoments(double[] v, int n, double[] out) {
        double shift = v[0];
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double q0 = 0;
        double q1 = 0;
        double q2 = 0;
        double q3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            double a = v[j] - shift;
            double b = v[j + 1] - shift;
            double c = v[j + 2] - shift;
            double e = v[j + 3] - shift;
            s0 += a;
            s1 += b;
            s2 += c;
            s3 += e;
            q0 += a * a;
            q1 += b * b;
            q2 += c * c;
            q3 += e * e;
        }
        for (; j < n; j++) {
            double a = v[j] - shift;
            s0 += a;
            q0 += a * a;
        }
        double mu = ((s0 + s1) + (s2 + s3)) / n;
        double sq = ((q0 + q1) + (q2 + q3)) / n;
        out[0] = shift + mu;
        out[1] = Math.max(sq - mu * mu, 0.0);
    }

    /** Mean and biased variance of {@code v[0..n)}: the mean, then squares about it. */
    private static void exactMoments(double[] v, int n, double[] out) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += v[j];
            s1 += v[j + 1];
            s2 += v[j + 2];
            s3 += v[j + 3];
        }
        for (; j < n; j++) {
            s0 += v[j];
        }
        double m = ((s0 + s1) + (s2 + s3)) / n;
        s0 = 0;
        s1 = 0;
        s2 = 0;
        s3 = 0;
        for (j = 0; j + 3 < n; j += 4) {
            double a = v[j] - m;
            double b = v[j + 1] - m;
            double c = v[j + 2] - m;
            double e = v[j + 3] - m;
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += e * e;
        }
        for (; j < n; j++) {
            double a = v[j] - m;
            s0 += a * a;
        }
        out[0] = m;
        out[1] = ((s0 + s1) + (s2 + s3)) / n;
    }

    /** {@code y[yo + j] = (x[j] - m) * rs * w[j] + b[j]}, rounded once to float. */
    private static void normalize(double[] x, float[] y, int yo, int n, double m, double rs,
            double[] w, double[] b) {
        for (int j = 0; j < n; j++) {
            y[yo + j] = (float) ((x[j] - m) * rs * w[j] + b[j]);
        }
    }

    /** {@code y[yo + j] = (x[j] - m) * rs * w[j] + b[j]}. */
    private static void normalize(double[] x, double[] y, int yo, int n, double m, double rs,
            double[] w, double[] b) {
        for (int j = 0; j < n; j++) {
            y[yo + j] = (x[j] - m) * rs * w[j] + b[j];
        }
    }

    // ---- backward -----------------------------------------------------------------------------

    /** What one call of the backward pass reads and writes, shared by its row blocks. */
    private record Backward(CpuStorage g, int gBase, CpuStorage x, int xBase, CpuStorage dx,
            double[] means, double[] rstds, double[] w, int d) {}

    /**
     * {@code gradOut (R, D)}, {@code x (R, D)}, {@code mean (R)}, {@code rstd (R)} (any shapes
     * with those element counts), weight {@code (D)} or null {@code -> {gradInput (R, D) with
     * x's shape, gradWeight, gradBias}}, the last two with the weight's shape, or null when the
     * weight is null.
     */
    static Tensor[] layerNormBackward(CpuBackend be, Tensor gradOut, Tensor x, Tensor mean,
            Tensor rstd, Tensor weight, int normalizedNumel) {
        int d = normalizedNumel;
        int rows = d == 0 ? 0 : x.numel() / d;
        Tensor gradIn = be.empty(x.shape(), x.dtype());
        Tensor gradW = weight == null ? null : be.empty(weight.shape(), weight.dtype());
        Tensor gradB = weight == null ? null : be.empty(weight.shape(), weight.dtype());
        if (rows == 0) {
            return new Tensor[] {gradIn, gradW, gradB};
        }
        Tensor xc = x.contiguous();
        Tensor gc = gradOut.contiguous();
        Backward job = new Backward(ElementwiseKernels.storage(gc), gc.offset(),
                ElementwiseKernels.storage(xc), xc.offset(), ElementwiseKernels.storage(gradIn),
                loadAll(mean), loadAll(rstd), weight == null ? null : loadAll(weight), d);
        // Fixed row blocks, sized from R alone, each keep their own partial gradWeight/gradBias.
        int blockRows = Math.max(MIN_BLOCK_ROWS, (rows + MAX_BLOCKS - 1) / MAX_BLOCKS);
        int blocks = (rows + blockRows - 1) / blockRows;
        double[][] partW = new double[blocks][];
        double[][] partB = new double[blocks][];
        be.parallel().forPieces(blocks, 1, (b0, b1) -> {
            double[] g = new double[d];
            double[] xh = new double[d];
            for (int blk = b0; blk < b1; blk++) {
                if (job.w() != null) {
                    partW[blk] = new double[d];
                    partB[blk] = new double[d];
                }
                int end = Math.min(rows, (blk + 1) * blockRows);
                for (int r = blk * blockRows; r < end; r++) {
                    backwardRow(job, r, g, xh, partW[blk], partB[blk]);
                }
            }
        });
        if (weight != null) {
            ElementwiseKernels.store(ElementwiseKernels.storage(gradW), 0, sumBlocks(partW, d), d);
            ElementwiseKernels.store(ElementwiseKernels.storage(gradB), 0, sumBlocks(partB, d), d);
        }
        return new Tensor[] {gradIn, gradW, gradB};
    }

    /**
     * Row {@code r} of the input gradient, adding the row's terms to the partial parameter
     * gradients {@code pw} and {@code pb} (null without a weight); {@code g} and {@code xh} are
     * scratch rows.
     */
    private static void backwardRow(Backward job, int r, double[] g, double[] xh, double[] pw,
            double[] pb) {
        int d = job.d();
        double m = job.means()[r];
        double rs = job.rstds()[r];
        ElementwiseKernels.load(job.g(), job.gBase() + r * d, 1, g, d);
        ElementwiseKernels.load(job.x(), job.xBase() + r * d, 1, xh, d);
        for (int j = 0; j < d; j++) {
            xh[j] = (xh[j] - m) * rs;
        }
        double[] w = job.w();
        if (w != null) {
            for (int j = 0; j < d; j++) {
                double gj = g[j];
                pw[j] += gj * xh[j];
                pb[j] += gj;
                g[j] = gj * w[j];
            }
        }
        // mean(gy) and mean(gy * xhat), in four interleaved accumulators each.
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double t0 = 0;
        double t1 = 0;
        double t2 = 0;
        double t3 = 0;
        int j = 0;
        for (; j + 3 < d; j += 4) {
            s0 += g[j];
            s1 += g[j + 1];
            s2 += g[j + 2];
            s3 += g[j + 3];
            t0 += g[j] * xh[j];
            t1 += g[j + 1] * xh[j + 1];
            t2 += g[j + 2] * xh[j + 2];
            t3 += g[j + 3] * xh[j + 3];
        }
        for (; j < d; j++) {
            s0 += g[j];
            t0 += g[j] * xh[j];
        }
        double meanG = ((s0 + s1) + (s2 + s3)) / d;
        double meanGx = ((t0 + t1) + (t2 + t3)) / d;
        for (j = 0; j < d; j++) {
            g[j] = rs * (g[j] - meanG - xh[j] * meanGx);
        }
        ElementwiseKernels.store(job.dx(), r * d, g, d);
    }

    /** Column sums of the block partials, added in block order. */
    private static double[] sumBlocks(double[][] parts, int n) {
        double[] sum = new double[n];
        for (double[] p : parts) {
            for (int j = 0; j < n; j++) {
                sum[j] += p[j];
            }
        }
        return sum;
    }

    private static double[] filled(int n, double value) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    /** The elements of a small tensor of any layout, in row-major order, as doubles. */
    private static double[] loadAll(Tensor t) {
        Tensor c = t.contiguous();
        double[] v = new double[c.numel()];
        ElementwiseKernels.load(ElementwiseKernels.storage(c), c.offset(), 1, v, v.length);
        return v;
    }
}
