package ed4j.nn.layers;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.nn.Layer;
import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Batch normalisation of {@code (N, C, H, W)} over N, H and W per channel, with PyTorch's
 * parameters ({@code weight}, {@code bias}) and buffers ({@code running_mean},
 * {@code running_var}, {@code num_batches_tracked}).
 *
 * <p>Training mode normalises with the batch statistics (biased variance) and updates the
 * running ones with momentum (unbiased variance, as PyTorch); evaluation mode uses the running
 * statistics, folded into one per-channel scale and shift.
 */
public final class BatchNorm2d extends Layer {

    private final Variable weight;
    private final Variable bias;
    private final int channels;
    private final double eps;
    private final double momentum;
    private boolean cumulative;

    /** eps 1e-5, momentum 0.1. */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5, 0.1);
    }

    public BatchNorm2d(int channels, double eps, double momentum) {
        if (channels <= 0) {
            throw new IllegalArgumentException("BatchNorm2d: channels must be positive");
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        weight = registerParameter("weight", Tensor.full(Shape.of(channels), 1.0, DType.FLOAT32));
        bias = registerParameter("bias", Tensor.zeros(Shape.of(channels), DType.FLOAT32));
        registerBuffer("running_mean", Tensor.zeros(Shape.of(channels), DType.FLOAT32));
        registerBuffer("running_var", Tensor.full(Shape.of(channels), 1.0, DType.FLOAT32));
        registerBuffer("num_batches_tracked", Tensor.scalar(0, DType.INT64));
    }

    public Variable weight() {
        return weight;
    }

    public Variable bias() {
        return bias;
    }

    public Tensor runningMean() {
        return buffer("running_mean");
    }

    public Tensor runningVar() {
        return buffer("running_var");
    }

    public double eps() {
        return eps;
    }

    /**
     * Switches the running statistics to a cumulative average over the batches seen from now
     * on (PyTorch's {@code momentum=None}), starting from zero batches; off restores the
     * momentum update.
     */
    public void setCumulativeAverage(boolean on) {
        cumulative = on;
        if (on) {
            setBuffer("num_batches_tracked", Tensor.scalar(0, DType.INT64));
        }
    }

    @Override
    public Variable forward(Variable x) {
        if (x.rank() != 4 || x.size(1) != channels) {
            throw new IllegalArgumentException(
                    "BatchNorm2d(" + channels + "): expected input (N, " + channels
                            + ", H, W), got " + x.shape());
        }
        int[] perChannel = {1, channels, 1, 1};
        if (!isTraining()) {
            // y = x * scale + shift, scale = w / sqrt(var + eps), shift = b - mean * scale
            Variable rstd = Variable.constant(runningVar().add(eps).rsqrt());
            Variable scale = weight.mul(rstd);
            Variable shift = bias.sub(Variable.constant(runningMean()).mul(scale));
            return x.mul(scale.reshape(perChannel)).add(shift.reshape(perChannel));
        }
        int[] dims = {0, 2, 3};
        Variable mean = x.mean(dims, true);
        Variable centered = x.sub(mean);
        Variable var = centered.square().mean(dims, true);
        try (GradMode.Scope s = GradMode.noGrad()) {
            long n = (long) x.numel() / channels;
            double seen = buffer("num_batches_tracked").item();
            double momentum = cumulative ? 1.0 / (seen + 1) : this.momentum;
            Tensor unbiased = var.data().reshape(channels).mul(n / (double) Math.max(n - 1, 1));
            setBuffer("running_mean", runningMean().mul(1 - momentum)
                    .add(mean.data().reshape(channels).mul(momentum)));
            setBuffer("running_var", runningVar().mul(1 - momentum).add(unbiased.mul(momentum)));
            setBuffer("num_batches_tracked", buffer("num_batches_tracked").to(DType.FLOAT64)
                    .add(1.0).to(DType.INT64));
        }
        Variable normalized = centered.div(var.add(eps).sqrt());
        return normalized.mul(weight.reshape(perChannel)).add(bias.reshape(perChannel));
    }
}
