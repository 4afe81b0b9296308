package ed4j.autograd;

import ed4j.tensor.Tensor;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One node of the graph: a differentiable operation that has run forward and can map the
 * gradient of its output to gradients of its inputs.
 *
 * <p>A subclass computes its result in a static {@code apply} method, keeps what its backward
 * pass needs in explicit fields, and returns {@link #output(Tensor, Variable...)}. Its {@link
 * #backward} returns one gradient per input, in input order, with {@code null} for an input
 * that takes no gradient (declared non-differentiable, or not requiring one). Gradients have the
 * input's shape: broadcasting is undone with {@link Grads#sumToShape}.
 */
public abstract class Function {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    /** Creation order; the engine runs later nodes first, as they were recorded last. */
    final long sequence = SEQUENCE.getAndIncrement();

    /** Per input: the node its gradient flows to, or null when it needs none. */
    Function[] next;

    /** Per input: whether it asked for a gradient (lets backward skip work). */
    private boolean[] needsGrad;

    private boolean released;

    /**
     * Wraps a forward result. When recording is on and any input requires a gradient, this node
     * joins the graph and the result requires a gradient; otherwise the result is a constant and
     * this node is dropped.
     */
    protected final Variable output(Tensor result, Variable... inputs) {
        if (!GradMode.isEnabled()) {
            return Variable.constant(result);
        }
        boolean any = false;
        for (Variable v : inputs) {
            any |= v != null && v.requiresGrad();
        }
        if (!any) {
            return Variable.constant(result);
        }
        next = new Function[inputs.length];
        needsGrad = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Variable v = inputs[i];
            if (v != null && v.requiresGrad()) {
                next[i] = v.gradientSink();
                needsGrad[i] = true;
            }
        }
        return Variable.fromFunction(result, this);
    }

    /** Whether input {@code i} takes a gradient; backward may return null for it otherwise. */
    protected final boolean needsGrad(int i) {
        return needsGrad[i];
    }

    /**
     * Gradients of the inputs given the gradient of the output.
     *
     * @param gradOutput gradient with the output's shape and dtype
     * @return one entry per input, null where no gradient flows
     */
    protected abstract Tensor[] backward(Tensor gradOutput);

    /** Drops the tensors saved for backward. Subclasses with saved fields override it. */
    protected void releaseSaved() {}

    /** Short name for error messages: the class name. */
    public String name() {
        return getClass().getSimpleName();
    }

    final boolean isReleased() {
        return released;
    }

    final void release() {
        releaseSaved();
        next = null;
        released = true;
    }
}
