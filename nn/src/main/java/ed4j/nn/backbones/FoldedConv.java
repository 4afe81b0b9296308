package ed4j.nn.backbones;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.nn.layers.BatchNorm2d;
import ed4j.nn.layers.Conv2d;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.Tensor;

/**
 * A convolution followed by an eval-mode BatchNorm, folded into one convolution with a bias:
 * {@code scale = gamma / sqrt(running_var + eps)}, {@code W' = W * scale} per output channel,
 * {@code b' = beta - running_mean * scale}. Saves the normalisation's two passes over every
 * feature map of a frozen backbone; the weights are constants (no gradient reaches them).
 */
final class FoldedConv {

    private final Variable weight;
    private final Variable bias;
    private final Conv2dParams params;

    private FoldedConv(Variable weight, Variable bias, Conv2dParams params) {
        this.weight = weight;
        this.bias = bias;
        this.params = params;
    }

    static FoldedConv of(Conv2d conv, BatchNorm2d bn) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            Tensor w = conv.weight().data();
            Tensor scale = bn.weight().data().mul(bn.runningVar().add(bn.eps()).rsqrt());
            Tensor folded = w.mul(scale.reshape(w.size(0), 1, 1, 1));
            Tensor bias = bn.bias().data().sub(bn.runningMean().mul(scale));
            if (conv.hasBias()) {
                bias = bias.add(conv.bias().data().mul(scale));
            }
            return new FoldedConv(Variable.constant(folded.contiguous()),
                    Variable.constant(bias.contiguous()), conv.params());
        }
    }

    /**
     * {@code relu(conv(x) + residual)}, the residual (null for none) and the ReLU optional.
     * With no graph to record (no gradient mode, or no input that requires one) the addition
     * and the ReLU run inside the convolution's call, while its output is fresh; otherwise as
     * separate ops. The values are the same either way.
     */
    Variable forward(Variable x, Variable residual, boolean relu) {
        boolean graph = GradMode.isEnabled()
                && (x.requiresGrad() || residual != null && residual.requiresGrad());
        if (!graph) {
            return Variable.constant(x.data().conv2d(weight.data(), bias.data(), params,
                    residual == null ? null : residual.data(), relu));
        }
        Variable y = x.conv2d(weight, bias, params);
        if (residual != null) {
            y = y.add(residual);
        }
        return relu ? y.relu() : y;
    }
}
