package ed4j.nn.optim;

import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch's momentum rule: the buffer starts as the first
 * gradient, then {@code buf = momentum * buf + (1 - dampening) * g}; Nesterov uses
 * {@code g + momentum * buf}. Optional L2 weight decay. State slot: {@code momentum_buffer}.
 */
public final class Sgd extends Optimizer {

    private final double lr;
    private final double momentum;
    private final double dampening;
    private final double weightDecay;
    private final boolean nesterov;

    /** Plain SGD with momentum, no dampening, decay or Nesterov. */
    public Sgd(Map<String, Variable> params, double lr, double momentum) {
        this(params, lr, momentum, 0, 0, false);
    }

    public Sgd(Map<String, Variable> params, double lr, double momentum, double dampening,
            double weightDecay, boolean nesterov) {
        super(params);
        if (!(lr >= 0) || !(momentum >= 0) || !(weightDecay >= 0)
                || (nesterov && (momentum <= 0 || dampening != 0))) {
            throw new IllegalArgumentException(
                    "SGD: invalid hyper-parameters lr=" + lr + " momentum=" + momentum
                            + " dampening=" + dampening + " weight_decay=" + weightDecay
                            + " nesterov=" + nesterov
                            + " (Nesterov needs momentum > 0 and no dampening)");
        }
        this.lr = lr;
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
    }

    @Override
    protected Tensor update(Tensor param, Tensor grad, Map<String, Tensor> slots) {
        Tensor g = weightDecay != 0 ? grad.add(param.mul(weightDecay)) : grad;
        if (momentum != 0) {
            Tensor buf = slots.get("momentum_buffer");
            buf = buf == null ? g.copy() : buf.mul(momentum).add(g.mul(1 - dampening));
            slots.put("momentum_buffer", buf);
            g = nesterov ? g.add(buf.mul(momentum)) : buf;
        }
        return param.sub(g.mul(lr));
    }

    @Override
    protected void checkSlot(String slot, Tensor value, Tensor param, String key) {
        if (!slot.equals("momentum_buffer")) {
            throw new IllegalArgumentException(
                    "optimizer state '" + key + "': SGD has no slot '" + slot + "'");
        }
        if (!value.shape().equals(param.shape())) {
            throw new IllegalArgumentException(
                    "optimizer state '" + key + "': expected shape " + param.shape()
                            + ", found " + value.shape());
        }
    }
}
