package ed4j.nn.optim;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Updates named parameters from their gradients. Parameters without a gradient are left alone,
 * as in PyTorch; their state is not created. The state (moments, step counts) is exposed as a
 * flat map of tensors keyed {@code <param name>.<slot>} so that a checkpoint can hold it.
 *
 * <p>{@link #zeroGrad()} has the effect of PyTorch's {@code zero_grad(set_to_none=False)}
 * without keeping zero tensors: it releases the gradients and remembers which parameters had
 * one; until a backward pass gives them a gradient again, {@link #step()} updates those with a
 * zero gradient (Adam still moves them by its momentum). Memory that a model trained in parts
 * (one level at a time) would spend on the zeros of the idle parts stays free.
 */
public abstract class Optimizer {

    private final Map<String, Variable> params;
    /** Parameters whose gradient {@link #zeroGrad()} released: zero until one arrives. */
    private final Set<String> zeroed = new HashSet<>();
    /** Zeros that stand for released gradients, grown to the largest one; never written. */
    private Tensor zeros;
    /** Per parameter name, per slot name: the state tensor. */
    protected final Map<String, Map<String, Tensor>> state = new LinkedHashMap<>();

    protected Optimizer(Map<String, Variable> params) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("optimizer got no parameters");
        }
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
    }

    /** The parameters by name. */
    public final Map<String, Variable> params() {
        return params;
    }

    /**
     * One update of every parameter that has a gradient, or had one that {@link #zeroGrad()}
     * released (with a zero gradient).
     */
    public final void step() {
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Map.Entry<String, Variable> e : params.entrySet()) {
                Variable p = e.getValue();
                Tensor grad = p.hasGrad() ? p.grad()
                        : zeroed.contains(e.getKey()) ? zerosLike(p.data()) : null;
                if (grad != null) {
                    Map<String, Tensor> slots =
                            state.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>());
                    p.setData(update(p.data(), grad, slots));
                }
            }
        }
    }

    /** A zero tensor of {@code t}'s shape, dtype and device: a view of {@link #zeros}. */
    private Tensor zerosLike(Tensor t) {
        if (zeros == null || zeros.numel() < t.numel() || zeros.dtype() != t.dtype()
                || !zeros.device().equals(t.device())) {
            int n = Math.max(t.numel(), zeros == null ? 0 : zeros.numel());
            zeros = Tensor.zeros(Shape.of(n), t.dtype(), t.device());
        }
        return zeros.narrow(0, 0, t.numel()).reshape(t.shape().toArray());
    }

    /** The new value of one parameter; {@code slots} holds (and receives) its state. */
    protected abstract Tensor update(Tensor param, Tensor grad, Map<String, Tensor> slots);

    /**
     * Sets every existing gradient to zero (absent ones stay absent): releases it, and
     * {@link #step()} takes it as zero until a backward pass brings a new one.
     */
    public final void zeroGrad() {
        params.forEach((name, p) -> {
            if (p.hasGrad()) {
                zeroed.add(name);
                p.clearGrad();
            }
        });
    }

    /** The state as {@code <param>.<slot>} -> tensor. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((name, slots) -> slots.forEach((slot, t) -> out.put(name + "." + slot, t)));
        return out;
    }

    /**
     * Restores the state written by {@link #stateDict()}.
     *
     * @throws IllegalArgumentException naming the key when it belongs to no parameter or its
     *     shape does not fit
     */
    public final void loadStateDict(Map<String, Tensor> saved) {
        Map<String, Map<String, Tensor>> restored = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : saved.entrySet()) {
            String key = e.getKey();
            int dot = key.lastIndexOf('.');
            String name = dot < 0 ? "" : key.substring(0, dot);
            Variable p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException(
                        "optimizer state key '" + key + "' names no parameter of this optimizer");
            }
            String slot = key.substring(dot + 1);
            checkSlot(slot, e.getValue(), p.data(), key);
            restored.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(slot,
                    e.getValue().to(p.device()));
        }
        state.clear();
        state.putAll(restored);
    }

    /** Validates one restored state tensor against its parameter. */
    protected abstract void checkSlot(String slot, Tensor value, Tensor param, String key);
}
