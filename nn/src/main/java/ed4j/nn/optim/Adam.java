package ed4j.nn.optim;

import ed4j.autograd.Variable;
import ed4j.tensor.DType;
import ed4j.tensor.Tensor;
import java.util.Map;

/**
 * Adam (Kingma and Ba, 2015) with PyTorch's semantics: per-parameter step count, bias correction
 * {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}, optional L2 weight decay
 * added to the gradient, parameters without a gradient untouched. State slots: {@code exp_avg},
 * {@code exp_avg_sq}, {@code step}.
 */
public final class Adam extends Optimizer {

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;

    /** lr, betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public Adam(Map<String, Variable> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0.0);
    }

    public Adam(Map<String, Variable> params, double lr, double beta1, double beta2, double eps,
            double weightDecay) {
        super(params);
        if (!(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps >= 0)
                || !(weightDecay >= 0)) {
            throw new IllegalArgumentException(
                    "Adam: invalid hyper-parameters lr=" + lr + " betas=(" + beta1 + ", " + beta2
                            + ") eps=" + eps + " weight_decay=" + weightDecay);
        }
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
    }

    public double lr() {
        return lr;
    }

    @Override
    protected Tensor update(Tensor param, Tensor grad, Map<String, Tensor> slots) {
        double step = slots.containsKey("step") ? slots.get("step").item() + 1 : 1;
        Tensor p = param.contiguous();
        Tensor m = slots.containsKey("exp_avg") ? slots.get("exp_avg") : param.zerosLike();
        Tensor v = slots.containsKey("exp_avg_sq") ? slots.get("exp_avg_sq") : param.zerosLike();
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        // One fused pass that updates p, m and v in place (the optimizer owns them).
        p.backend().adamUpdate(p, grad.contiguous(), m, v, beta1, beta2, eps, weightDecay,
                lr / bc1, bc2Sqrt);
        slots.put("exp_avg", m);
        slots.put("exp_avg_sq", v);
        slots.put("step", Tensor.scalar(step, DType.FLOAT64));
        return p;
    }

    @Override
    protected void checkSlot(String slot, Tensor value, Tensor param, String key) {
        switch (slot) {
            case "exp_avg", "exp_avg_sq" -> {
                if (!value.shape().equals(param.shape())) {
                    throw new IllegalArgumentException(
                            "optimizer state '" + key + "': expected shape " + param.shape()
                                    + ", found " + value.shape());
                }
            }
            case "step" -> {
                if (value.numel() != 1) {
                    throw new IllegalArgumentException(
                            "optimizer state '" + key + "' must hold one number");
                }
            }
            default -> throw new IllegalArgumentException(
                    "optimizer state '" + key + "': Adam has no slot '" + slot + "'");
        }
    }
}
