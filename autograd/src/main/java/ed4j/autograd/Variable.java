package ed4j.autograd;

import ed4j.autograd.ops.Add;
import ed4j.autograd.ops.Cat;
import ed4j.autograd.ops.Clamp;
import ed4j.autograd.ops.Conv2d;
import ed4j.autograd.ops.Div;
import ed4j.autograd.ops.Expand;
import ed4j.autograd.ops.ExtremeReduce;
import ed4j.autograd.ops.Gather;
import ed4j.autograd.ops.IndexSelect;
import ed4j.autograd.ops.IndexedReduce;
import ed4j.autograd.ops.LayerNorm;
import ed4j.autograd.ops.Matmul;
import ed4j.autograd.ops.Mul;
import ed4j.autograd.ops.Permute;
import ed4j.autograd.ops.Pool2d;
import ed4j.autograd.ops.Pow;
import ed4j.autograd.ops.PowScalar;
import ed4j.autograd.ops.Reshape;
import ed4j.autograd.ops.ScaledSoftmax;
import ed4j.autograd.ops.Slice;
import ed4j.autograd.ops.Softmax;
import ed4j.autograd.ops.Sub;
import ed4j.autograd.ops.Sum;
import ed4j.autograd.ops.Unary;
import ed4j.autograd.ops.UpsampleBilinear;
import ed4j.autograd.ops.Where;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Device;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A tensor in the autograd graph: its value ({@link #data()}), whether it takes a gradient, the
 * node that produced it, and, for leaves, the accumulated gradient.
 *
 * <p>Operations mirror {@link Tensor}'s and record a {@link Function} when {@link GradMode} is on
 * and an input requires a gradient. {@link #backward()} walks the recorded graph from a scalar
 * and adds gradients into every leaf that requires one; gradients accumulate across calls until
 * {@link #zeroGradInPlace()} or {@link #clearGrad()}. After a backward pass the graph's saved
 * tensors are released unless {@code retainGraph} is set.
 */
public final class Variable {

    private Tensor data;
    private final boolean requiresGrad;
    private final Function gradFn;
    private Tensor grad;
    /** Whether {@link #grad} is storage this variable made and no one else holds. */
    private boolean ownsGrad;
    private AccumulateGrad sink;

    private Variable(Tensor data, boolean requiresGrad, Function gradFn) {
        this.data = data;
        this.requiresGrad = requiresGrad;
        this.gradFn = gradFn;
    }

    /** A leaf; with {@code requiresGrad}, backward passes accumulate into its gradient. */
    public static Variable of(Tensor data, boolean requiresGrad) {
        if (requiresGrad && !data.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(
                    "only floating-point tensors can require gradients, got " + data.dtype());
        }
        return new Variable(data, requiresGrad, null);
    }

    /** A leaf that requires a gradient: a trainable parameter. */
    public static Variable parameter(Tensor data) {
        return of(data, true);
    }

    /** A leaf without a gradient: an input or a constant. */
    public static Variable constant(Tensor data) {
        return new Variable(data, false, null);
    }

    static Variable fromFunction(Tensor data, Function fn) {
        return new Variable(data, true, fn);
    }

    // ---- state -------------------------------------------------------------------------------

    /** The value. */
    public Tensor data() {
        return data;
    }

    /**
     * Replaces the value of a leaf in place of an update (optimizers, weight loading). Shape and
     * dtype must stay; the graph is not involved.
     */
    public void setData(Tensor value) {
        if (gradFn != null) {
            throw new IllegalStateException("setData: only leaves can be assigned, not the "
                    + "output of " + gradFn.name());
        }
        if (!value.shape().equals(data.shape()) || value.dtype() != data.dtype()) {
            throw new IllegalArgumentException(
                    "setData: expected " + data.dtype() + " " + data.shape() + ", got "
                            + value.dtype() + " " + value.shape());
        }
        data = value;
    }

    /**
     * Replaces the value of a leaf with one of the same shape and another dtype, dropping any
     * gradient (for converting a model between float32 and float64).
     */
    public void setDataConverted(Tensor value) {
        if (gradFn != null || !value.shape().equals(data.shape())) {
            throw new IllegalArgumentException(
                    "setDataConverted: expected a leaf and shape " + data.shape() + ", got "
                            + value.shape());
        }
        data = value;
        grad = null;
    }

    /** Whether gradients flow to or through this variable. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** True when no recorded operation produced this variable. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** Whether a gradient has been accumulated. */
    public boolean hasGrad() {
        return grad != null;
    }

    /**
     * The accumulated gradient of a leaf.
     *
     * @throws IllegalStateException when none has been accumulated (check {@link #hasGrad()})
     */
    public Tensor grad() {
        if (grad == null) {
            throw new IllegalStateException(
                    "no gradient: " + (requiresGrad ? (isLeaf()
                            ? "no backward pass has reached this leaf yet"
                            : "gradients are kept for leaves only")
                            : "this variable does not require a gradient") + " (" + shape() + ")");
        }
        return grad;
    }

    /**
     * Replaces the accumulated gradient (optimizer state loading, gradient clipping). The
     * variable does not write into {@code value}: the next accumulation or zeroing replaces it.
     */
    public void setGrad(Tensor value) {
        if (value != null && (!value.shape().equals(data.shape())
                || value.dtype() != data.dtype())) {
            throw new IllegalArgumentException(
                    "setGrad: expected " + data.dtype() + " " + data.shape() + ", got "
                            + value.dtype() + " " + value.shape());
        }
        grad = value;
        ownsGrad = false;
    }

    /**
     * Sets an existing gradient to zero, in place once the gradient is a tensor this variable
     * made itself (as PyTorch's {@code zero_grad(set_to_none=False)}); a gradient never created
     * stays absent.
     */
    public void zeroGradInPlace() {
        if (grad == null) {
            return;
        }
        if (ownsGrad) {
            grad.fillInPlace(0);
        } else {
            grad = grad.zerosLike();
            ownsGrad = true;
        }
    }

    /** Drops the gradient. */
    public void clearGrad() {
        grad = null;
        ownsGrad = false;
    }

    /**
     * Adds a gradient that reached this leaf. The first one is kept as it is (it may be shared
     * with other leaves or the caller); later ones are added in place into a tensor this
     * variable owns, made by the first such addition, so that steady-state training allocates
     * no gradient storage.
     */
    void accumulateGrad(Tensor g) {
        if (!g.shape().equals(data.shape())) {
            throw new IllegalStateException(
                    "gradient of shape " + g.shape() + " reached a leaf of shape " + data.shape());
        }
        if (grad == null) {
            grad = g.contiguous();
            ownsGrad = grad != g;
        } else if (ownsGrad && g.dtype() == grad.dtype()) {
            grad.addInPlace(g);
        } else {
            grad = grad.add(g);
            ownsGrad = true;
        }
    }

    /** The node gradients of this variable flow into: its producer, or its accumulator. */
    Function gradientSink() {
        if (gradFn != null) {
            return gradFn;
        }
        if (!requiresGrad) {
            throw new IllegalStateException("variable does not require a gradient");
        }
        if (sink == null) {
            sink = new AccumulateGrad(this);
        }
        return sink;
    }

    /** The node that produced this variable, or null for a leaf. */
    public Function gradFn() {
        return gradFn;
    }

    /** A variable with the same value, cut from the graph (a constant). */
    public Variable detach() {
        return constant(data);
    }

    // ---- backward ------------------------------------------------------------------------------

    /** Backward from a one-element variable, freeing the graph afterwards. */
    public void backward() {
        backward(false);
    }

    /** Backward from a one-element variable; {@code retainGraph} keeps the graph for reuse. */
    public void backward(boolean retainGraph) {
        if (numel() != 1) {
            throw new IllegalStateException(
                    "backward: a gradient can be implied only for a one-element output, got shape "
                            + shape() + "; pass the output gradient explicitly");
        }
        backward(data.onesLike(), retainGraph);
    }

    /** Backward with an explicit gradient of this variable. */
    public void backward(Tensor gradOutput, boolean retainGraph) {
        if (!requiresGrad) {
            throw new IllegalStateException(
                    "backward: the output does not require a gradient; no input requires one, "
                            + "or the output was computed with gradients disabled");
        }
        if (!gradOutput.shape().equals(shape()) || gradOutput.dtype() != dtype()) {
            throw new IllegalArgumentException(
                    "backward: gradient must be " + dtype() + " " + shape() + ", got "
                            + gradOutput.dtype() + " " + gradOutput.shape());
        }
        Engine.backward(this, gradOutput, retainGraph);
    }

    // ---- metadata ---------------------------------------------------------------------------

    public Shape shape() {
        return data.shape();
    }

    public int size(int dim) {
        return data.size(dim);
    }

    public int rank() {
        return data.rank();
    }

    public int numel() {
        return data.numel();
    }

    public DType dtype() {
        return data.dtype();
    }

    public Device device() {
        return data.device();
    }

    /** The value of a one-element variable. */
    public double item() {
        return data.item();
    }

    private Variable scalar(double v) {
        return constant(data.scalarLike(v));
    }

    // ---- elementwise ---------------------------------------------------------------------------

    public Variable add(Variable other) {
        return Add.apply(this, other);
    }

    public Variable add(double value) {
        return Add.apply(this, scalar(value));
    }

    public Variable sub(Variable other) {
        return Sub.apply(this, other);
    }

    public Variable sub(double value) {
        return Sub.apply(this, scalar(value));
    }

    /** {@code value - this}. */
    public Variable rsub(double value) {
        return Sub.apply(scalar(value), this);
    }

    public Variable mul(Variable other) {
        return Mul.apply(this, other);
    }

    public Variable mul(double value) {
        return Mul.apply(this, scalar(value));
    }

    public Variable div(Variable other) {
        return Div.apply(this, other);
    }

    public Variable div(double value) {
        return Div.apply(this, scalar(value));
    }

    public Variable pow(Variable exponent) {
        return Pow.apply(this, exponent);
    }

    public Variable pow(double exponent) {
        return PowScalar.apply(this, exponent);
    }

    /** {@code base ^ this}. */
    public Variable rpow(double base) {
        return Pow.apply(scalar(base), this);
    }

    public Variable neg() {
        return Unary.apply(Unary.Kind.NEG, this);
    }

    public Variable exp() {
        return Unary.apply(Unary.Kind.EXP, this);
    }

    public Variable log() {
        return Unary.apply(Unary.Kind.LOG, this);
    }

    public Variable sqrt() {
        return Unary.apply(Unary.Kind.SQRT, this);
    }

    public Variable abs() {
        return Unary.apply(Unary.Kind.ABS, this);
    }

    public Variable sigmoid() {
        return Unary.apply(Unary.Kind.SIGMOID, this);
    }

    public Variable tanh() {
        return Unary.apply(Unary.Kind.TANH, this);
    }

    public Variable relu() {
        return Unary.apply(Unary.Kind.RELU, this);
    }

    /** Exact (erf) GELU. */
    public Variable gelu() {
        return Unary.apply(Unary.Kind.GELU, this);
    }

    public Variable square() {
        return Mul.apply(this, this);
    }

    public Variable clamp(double min, double max) {
        return Clamp.apply(this, min, max);
    }

    public Variable clampMin(double min) {
        return Clamp.apply(this, min, Double.POSITIVE_INFINITY);
    }

    public Variable clampMax(double max) {
        return Clamp.apply(this, Double.NEGATIVE_INFINITY, max);
    }

    /** {@code cond != 0 ? a : b}; the condition takes no gradient. */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        return Where.apply(cond, a, b);
    }

    // ---- reductions ----------------------------------------------------------------------------

    public Variable sum() {
        return Sum.apply(this, new int[0], false, false);
    }

    public Variable sum(int dim, boolean keepdim) {
        return Sum.apply(this, new int[] {dim}, keepdim, false);
    }

    public Variable sum(int[] dims, boolean keepdim) {
        return Sum.apply(this, dims, keepdim, false);
    }

    public Variable mean() {
        return Sum.apply(this, new int[0], false, true);
    }

    public Variable mean(int dim, boolean keepdim) {
        return Sum.apply(this, new int[] {dim}, keepdim, true);
    }

    public Variable mean(int[] dims, boolean keepdim) {
        return Sum.apply(this, dims, keepdim, true);
    }

    /** Maximum over {@code dims}; the gradient is shared evenly among tied maxima. */
    public Variable amax(int[] dims, boolean keepdim) {
        return ExtremeReduce.apply(this, dims, keepdim, true);
    }

    /** Minimum over {@code dims}; the gradient is shared evenly among tied minima. */
    public Variable amin(int[] dims, boolean keepdim) {
        return ExtremeReduce.apply(this, dims, keepdim, false);
    }

    /** Values (differentiable) and indices of a reduction along one dim. */
    public record ValuesIndices(Variable values, Tensor indices) {}

    public ValuesIndices max(int dim, boolean keepdim) {
        return IndexedReduce.apply(this, IndexReduceOp.MAX, dim, keepdim);
    }

    public ValuesIndices min(int dim, boolean keepdim) {
        return IndexedReduce.apply(this, IndexReduceOp.MIN, dim, keepdim);
    }

    /** Lower median along {@code dim}; its gradient goes to the selected element only. */
    public ValuesIndices median(int dim, boolean keepdim) {
        return IndexedReduce.apply(this, IndexReduceOp.MEDIAN, dim, keepdim);
    }

    /** Variance with {@code correction} (1: unbiased, 0: biased) over {@code dims}. */
    public Variable var(int[] dims, int correction, boolean keepdim) {
        int[] d = data.normalizeDims(dims, "var");
        long n = 1;
        for (int k : d) {
            n *= size(k);
        }
        Variable centered = sub(mean(d, true));
        return centered.square().sum(d, keepdim).div((double) Math.max(n - correction, 0));
    }

    public Variable softmax(int dim) {
        return Softmax.apply(this, dim, false);
    }

    /**
     * {@code softmax(scale * this)} along {@code dim} in one kernel, differentiable in both;
     * {@code scale} holds one element (attention's learned temperature).
     */
    public Variable scaledSoftmax(Variable scale, int dim) {
        return ScaledSoftmax.apply(this, scale, dim);
    }

    public Variable logSoftmax(int dim) {
        return Softmax.apply(this, dim, true);
    }

    // ---- linear algebra, convolution, pooling, normalisation --------------------------------------

    public Variable matmul(Variable other) {
        return Matmul.apply(this, other);
    }

    public Variable conv2d(Variable weight, Conv2dParams p) {
        return Conv2d.apply(this, weight, null, p);
    }

    public Variable conv2d(Variable weight, Variable bias, Conv2dParams p) {
        return Conv2d.apply(this, weight, bias, p);
    }

    public Variable avgPool2d(Pool2dParams p) {
        return Pool2d.average(this, p);
    }

    public Variable maxPool2d(Pool2dParams p) {
        return Pool2d.max(this, p);
    }

    /** Layer normalisation over the trailing {@code normalizedShape}, without affine terms. */
    public Variable layerNorm(int[] normalizedShape, double eps) {
        return LayerNorm.apply(this, normalizedShape, null, null, eps);
    }

    /** Layer normalisation over the trailing {@code normalizedShape} with weight and bias. */
    public Variable layerNorm(int[] normalizedShape, Variable weight, Variable bias, double eps) {
        return LayerNorm.apply(this, normalizedShape, weight, bias, eps);
    }

    public Variable upsampleBilinear2d(int outH, int outW, boolean alignCorners) {
        return UpsampleBilinear.apply(this, outH, outW, alignCorners);
    }

    // ---- views and joins -------------------------------------------------------------------------

    public Variable reshape(int... shape) {
        return Reshape.apply(this, data.reshape(shape));
    }

    public Variable view(int... shape) {
        return Reshape.apply(this, data.view(shape));
    }

    public Variable flatten(int start, int end) {
        return Reshape.apply(this, data.flatten(start, end));
    }

    public Variable squeeze(int dim) {
        return Reshape.apply(this, data.squeeze(dim));
    }

    public Variable unsqueeze(int dim) {
        return Reshape.apply(this, data.unsqueeze(dim));
    }

    public Variable permute(int... order) {
        return Permute.apply(this, order);
    }

    public Variable transpose(int dim0, int dim1) {
        int a = Shape.normalizeDim(dim0, rank(), "transpose");
        int b = Shape.normalizeDim(dim1, rank(), "transpose");
        int[] order = new int[rank()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        order[a] = b;
        order[b] = a;
        return Permute.apply(this, order);
    }

    /** The last two dims swapped. */
    public Variable mT() {
        return transpose(-2, -1);
    }

    public Variable expand(int... shape) {
        return Expand.apply(this, shape);
    }

    public Variable narrow(int dim, int start, int length) {
        return Slice.narrow(this, dim, start, length);
    }

    public Variable slice(int dim, int start, int end, int step) {
        return Slice.slice(this, dim, start, end, step);
    }

    public Variable select(int dim, int index) {
        return Slice.select(this, dim, index);
    }

    /** A contiguous copy when needed; gradients pass through unchanged. */
    public Variable contiguous() {
        return data.isContiguous() ? this : Reshape.apply(this, data.contiguous());
    }

    public List<Variable> split(int splitSize, int dim) {
        int d = Shape.normalizeDim(dim, rank(), "split");
        if (splitSize <= 0) {
            throw new IllegalArgumentException("split: size must be positive, got " + splitSize);
        }
        List<Variable> parts = new ArrayList<>();
        for (int start = 0; start < size(d); start += splitSize) {
            parts.add(narrow(d, start, Math.min(splitSize, size(d) - start)));
        }
        return parts;
    }

    public static Variable cat(List<Variable> parts, int dim) {
        return Cat.apply(parts, dim);
    }

    public static Variable stack(List<Variable> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("stack: needs at least one variable");
        }
        int d = Shape.normalizeDim(dim, parts.get(0).rank() + 1, "stack");
        List<Variable> expanded = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            if (!parts.get(i).shape().equals(parts.get(0).shape())) {
                throw new IllegalArgumentException(
                        "stack: variable " + i + " has shape " + parts.get(i).shape()
                                + ", variable 0 has " + parts.get(0).shape());
            }
            expanded.add(parts.get(i).unsqueeze(d));
        }
        return Cat.apply(expanded, d);
    }

    public Variable indexSelect(int dim, Tensor index) {
        return IndexSelect.apply(this, dim, index);
    }

    public Variable gather(int dim, Tensor index) {
        return Gather.apply(this, dim, index);
    }

    @Override
    public String toString() {
        return "Variable(" + data + (requiresGrad ? ", requiresGrad" : "")
                + (gradFn != null ? ", gradFn=" + gradFn.name() : "") + ")";
    }
}
