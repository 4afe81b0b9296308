package ed4j.tensor;

import java.util.List;

/**
 * The primitive kernels of one device. {@link Tensor} validates arguments (shapes, dims, dtypes)
 * and then calls these, so a backend may assume well-formed input: operands live on this
 * backend's device, share one floating-point dtype unless stated, and have been broadcast where
 * the method says so.
 *
 * <p>Inputs may be arbitrary strided views (transposed, narrowed, expanded with zero strides);
 * results are new contiguous tensors unless stated. Index tensors are {@link DType#INT64}.
 *
 * <p>Everything not listed here (mean over a view, variance, batch norm, cosine similarity, ...)
 * is composed from these primitives once, above the backends.
 */
public interface Backend {

    /** The device whose memory this backend allocates. */
    Device device();

    // ---- memory ---------------------------------------------------------------------------

    /** A zero-filled storage. */
    Storage allocate(DType dtype, int numel);

    /** A storage holding a copy of {@code data}; the dtype follows the array type. */
    Storage upload(float[] data);

    /** A storage holding a copy of {@code data}. */
    Storage upload(double[] data);

    /** A storage holding a copy of {@code data}. */
    Storage upload(long[] data);

    /** Copies the elements of {@code x} in row-major order into a new host array. */
    float[] downloadFloats(Tensor x);

    /** Copies the elements of {@code x} in row-major order into a new host array. */
    double[] downloadDoubles(Tensor x);

    /** Copies the elements of {@code x} in row-major order into a new host array. */
    long[] downloadLongs(Tensor x);

    /** A contiguous copy of {@code x}. */
    Tensor contiguous(Tensor x);

    /**
     * Writes {@code src} into {@code dst} element by element. Same shape and dtype; {@code dst}
     * may be any non-overlapping strided view, {@code src} any view.
     */
    void copyInto(Tensor dst, Tensor src);

    /** Sets every element of the view {@code dst} to {@code value}. */
    void fill(Tensor dst, double value);

    /** {@code x} converted to {@code dtype} (floating to integer truncates toward zero). */
    Tensor cast(Tensor x, DType dtype);

    // ---- elementwise ----------------------------------------------------------------------

    /** {@code op(x)} elementwise. */
    Tensor unary(UnaryOp op, Tensor x);

    /** {@code op(a, b)} elementwise; {@code a} and {@code b} already have the result's shape. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /**
     * {@code dst += src} in place; same shape and dtype, {@code src} not overlapping {@code
     * dst}. By default through a new tensor; a backend may add without one.
     */
    default void addInPlace(Tensor dst, Tensor src) {
        copyInto(dst, binary(BinaryOp.ADD, dst, src));
    }

    /** {@code min(max(x, min), max)} elementwise. */
    Tensor clamp(Tensor x, double min, double max);

    /**
     * {@code cond != 0 ? a : b} elementwise; all three already have the result's shape;
     * {@code cond} may have any dtype.
     */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    // ---- reductions -----------------------------------------------------------------------

    /**
     * Reduces over {@code dims} (sorted, distinct, non-negative). With {@code keepdim} the
     * reduced dims stay with size 1.
     */
    Tensor reduce(ReduceOp op, Tensor x, int[] dims, boolean keepdim);

    /** Reduces along one dim; returns {values, indices}. */
    Tensor[] reduceWithIndex(IndexReduceOp op, Tensor x, int dim, boolean keepdim);

    /** Softmax along {@code dim}. */
    Tensor softmax(Tensor x, int dim);

    /** Log-softmax along {@code dim}. */
    Tensor logSoftmax(Tensor x, int dim);

    /**
     * {@code softmax(scale * x)} along {@code dim}, without forming {@code scale * x} (attention
     * scores). The default composes it; backends fuse it.
     */
    default Tensor scaledSoftmax(Tensor x, double scale, int dim) {
        return softmax(binary(BinaryOp.MUL, x, x.scalarLike(scale).broadcastTo(x.shape())), dim);
    }

    /**
     * The gradient through a softmax along {@code dim} from its output {@code y}:
     * {@code y * (gradOut - sum_dim(gradOut * y))}, times {@code scale}. Both inputs have the
     * same shape. The default composes it; backends fuse it.
     */
    default Tensor softmaxBackward(Tensor gradOut, Tensor y, int dim, double scale) {
        Tensor gy = binary(BinaryOp.MUL, gradOut, y);
        Tensor sum = reduce(ReduceOp.SUM, gy, new int[] {dim}, true).broadcastTo(y.shape());
        Tensor g = binary(BinaryOp.MUL, y, binary(BinaryOp.SUB, gradOut, sum));
        return scale == 1.0 ? g
                : binary(BinaryOp.MUL, g, g.scalarLike(scale).broadcastTo(g.shape()));
    }

    /**
     * {@code sum(a * log(max(y, floor)))} over every element, as a one-element tensor of shape
     * {@code ()} and {@code a}'s dtype; {@code a} and {@code y} have one shape and dtype (the
     * scale gradient of a scaled softmax, from its output). The default composes it; a backend
     * may run it in one pass.
     */
    default Tensor sumTimesLog(Tensor a, Tensor y, double floor) {
        Tensor logs = unary(UnaryOp.LOG, clamp(y, floor, Double.POSITIVE_INFINITY));
        int[] all = new int[a.rank()];
        for (int d = 0; d < all.length; d++) {
            all[d] = d;
        }
        return reduce(ReduceOp.SUM, binary(BinaryOp.MUL, a, logs), all, false);
    }

    // ---- linear algebra and convolution -----------------------------------------------------

    /**
     * Batched matrix product of {@code a (..., M, K)} and {@code b (..., K, N)} whose leading
     * dims are equal (broadcast by the caller, possibly as zero strides). The last two dims of
     * each operand may be row-major or transposed (column-major) views; they are read in place.
     */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * Cross-correlation of {@code x (N, Cin, H, W)} with {@code weight (Cout, Cin/groups, kH, kW)}
     * plus an optional {@code bias (Cout)} (null for none).
     */
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p);

    /**
     * {@link #conv2d} followed by {@code + residual} (null for none) and a ReLU (when {@code
     * relu}), with the values of those ops one after the other; for inference. This default runs
     * them one after the other; a backend may apply them while the output is in its cache.
     */
    default Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual,
            boolean relu) {
        Tensor y = conv2d(x, weight, bias, p);
        if (residual != null) {
            y = binary(BinaryOp.ADD, y, residual);
        }
        return relu ? unary(UnaryOp.RELU, y) : y;
    }

    /** Gradient of {@link #conv2d} with respect to its input. */
    Tensor conv2dBackwardInput(Tensor gradOut, Tensor weight, Shape inputShape, Conv2dParams p);

    /** Gradient of {@link #conv2d} with respect to its weight. */
    Tensor conv2dBackwardWeight(Tensor gradOut, Tensor x, Shape weightShape, Conv2dParams p);

    // ---- pooling, normalisation, resampling --------------------------------------------------

    /** Average pooling of {@code x (N, C, H, W)}. */
    Tensor avgPool2d(Tensor x, Pool2dParams p);

    /** Gradient of {@link #avgPool2d} with respect to its input. */
    Tensor avgPool2dBackward(Tensor gradOut, Shape inputShape, Pool2dParams p);

    /**
     * Max pooling of {@code x (N, C, H, W)}, padding acting as negative infinity. Returns
     * {values, indices}; an index is the flat position {@code h * W + w} of the maximum in its
     * input plane (PyTorch's convention); the first maximum wins ties, and a NaN in the window is
     * the maximum (NaN propagates, as in PyTorch).
     */
    Tensor[] maxPool2d(Tensor x, Pool2dParams p);

    /**
     * The values of {@link #maxPool2d} alone, for inference: the same values, bit for bit,
     * without the work of finding the indices.
     */
    default Tensor maxPool2dValues(Tensor x, Pool2dParams p) {
        return maxPool2d(x, p)[0];
    }

    /**
     * Gradient of {@link #maxPool2d}: each output gradient goes to its index; gradients of
     * outputs that share an index add up.
     */
    Tensor maxPool2dBackward(Tensor gradOut, Tensor indices, Shape inputShape);

    /**
     * Layer normalisation over the trailing {@code normalizedNumel} elements of each row of
     * {@code x}, with optional per-element {@code weight} and {@code bias} (null for none),
     * biased variance, {@code eps} added to it inside the square root. Returns {y, mean, rstd}:
     * {@code y} has x's shape; mean and rstd (1 / sqrt(var + eps)) are 1-d tensors of x's dtype
     * with {@code R = x.numel() / normalizedNumel} elements, one per row in row-major order of
     * x's leading dims (PyTorch keeps those leading dims plus trailing 1s; reshape as needed).
     */
    Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, int normalizedNumel, double eps);

    /**
     * Gradients of {@link #layerNorm}: returns {gradInput, gradWeight, gradBias}; the last two
     * are null when {@code weight} is null. {@code mean} and {@code rstd} may have any shape with
     * one element per row; they are read in row-major order.
     */
    Tensor[] layerNormBackward(
            Tensor gradOut, Tensor x, Tensor mean, Tensor rstd, Tensor weight, int normalizedNumel);

    /**
     * Bilinear resampling of {@code x (N, C, H, W)} to {@code (N, C, outH, outW)} with PyTorch
     * 1.13's source coordinates: {@code d * (in-1)/(out-1)} (0 when {@code out == 1}) with
     * {@code alignCorners}, else {@code (d + 0.5) * in/out - 0.5} clamped below at 0.
     */
    Tensor upsampleBilinear2d(Tensor x, int outH, int outW, boolean alignCorners);

    /** Gradient of {@link #upsampleBilinear2d} with respect to its input. */
    Tensor upsampleBilinear2dBackward(Tensor gradOut, Shape inputShape, boolean alignCorners);

    // ---- fused kernels ----------------------------------------------------------------------

    /**
     * The divergences between attention rows and Gaussian distance priors that the ED losses
     * and scores need, without materialising the priors (see {@code ed4j.ed.PriorDivergence}).
     * Shapes: {@code attn (B, H, L, L)} over the tokens of an {@code (L / gridW) x gridW} grid in
     * row-major order, {@code a, b (B, H, L)}. With the prior of query token {@code i}
     * {@code P_ij = softmax_j(-(dy_ij a_i + dx_ij b_i))}, {@code dy} and {@code dx} the squared
     * row and column distances of tokens i and j, returns {@code (B, H, L, 5)} holding
     * {@code KL(P, A), KL(A, P), Ent(A), KL(P, A), KL(A, P)} per row, with
     * {@code KL(p, q) = sum_j p (log(p + eps) - log(q + eps))} and
     * {@code Ent(p) = -sum_j p log(p + eps)}. The first three take gradients through
     * {@code attn} only, the last two through the prior only.
     */
    Tensor priorDivergence(Tensor attn, Tensor a, Tensor b, int gridW, double eps);

    /** Gradients of {@link #priorDivergence}: returns {gradAttn, gradA, gradB}. */
    Tensor[] priorDivergenceBackward(Tensor gradOut, Tensor attn, Tensor a, Tensor b, int gridW,
            double eps);

    /**
     * One Adam update in place (PyTorch's rule): with {@code g = grad + weightDecay * param},
     * {@code m = beta1 m + (1 - beta1) g}, {@code v = beta2 v + (1 - beta2) g^2},
     * {@code param -= stepSize * m / (sqrt(v) / bc2Sqrt + eps)}. {@code param}, {@code grad},
     * {@code m} and {@code v} are contiguous, of one shape and dtype; {@code param}, {@code m}
     * and {@code v} are overwritten. The default composes it from elementwise kernels; backends
     * fuse it into one pass.
     */
    default void adamUpdate(Tensor param, Tensor grad, Tensor m, Tensor v, double beta1,
            double beta2, double eps, double weightDecay, double stepSize, double bc2Sqrt) {
        Tensor g = weightDecay != 0 ? grad.add(param.mul(weightDecay)) : grad;
        Tensor mNew = m.mul(beta1).add(g.mul(1 - beta1));
        Tensor vNew = v.mul(beta2).add(g.square().mul(1 - beta2));
        Tensor step = mNew.div(vNew.sqrt().div(bc2Sqrt).add(eps)).mul(stepSize);
        copyInto(m, mNew);
        copyInto(v, vNew);
        copyInto(param, param.sub(step));
    }

    // ---- indexing ---------------------------------------------------------------------------

    /** Entries of {@code x} along {@code dim} at the positions of the 1-d {@code index}. */
    Tensor indexSelect(Tensor x, int dim, Tensor index);

    /**
     * A zero tensor of {@code shape} into which {@code source} is added along {@code dim}:
     * {@code out[..., index[k], ...] += source[..., k, ...]}; repeated indices sum.
     */
    Tensor indexAdd(Shape shape, int dim, Tensor index, Tensor source);

    /** {@code out[i][j][k] = x[i][index[i][j][k]][k]} for {@code dim = 1}, and so on. */
    Tensor gather(Tensor x, int dim, Tensor index);

    /**
     * A zero tensor of {@code shape} into which {@code source} is scattered and summed, the
     * adjoint of {@link #gather}: for each position {@code p} of {@code index}, {@code source[p]}
     * is added at {@code p} with its {@code dim} coordinate replaced by {@code index[p]}.
     * {@code source} may be larger than {@code index}; only the part it covers is read.
     */
    Tensor scatterAdd(Shape shape, int dim, Tensor index, Tensor source);

    /** Concatenation along {@code dim} of tensors equal in every other dim. */
    default Tensor cat(List<Tensor> parts, int dim) {
        Tensor first = parts.get(0);
        int[] dims = first.shape().toArray();
        int total = 0;
        for (Tensor t : parts) {
            total += t.size(dim);
        }
        dims[dim] = total;
        Tensor out = Tensor.wrap(allocate(first.dtype(), Shape.of(dims).numel()), Shape.of(dims));
        int start = 0;
        for (Tensor t : parts) {
            int n = t.size(dim);
            if (n > 0) {
                copyInto(out.narrow(dim, start, n), t);
            }
            start += n;
        }
        return out;
    }
}
