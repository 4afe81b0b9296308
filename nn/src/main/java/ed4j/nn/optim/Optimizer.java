package ed4j.nn.optim;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Updates named parameters from their gradients. Parameters without a gradient are left alone,
 * as in PyTorch; their state is not created. The state (moments, step counts) is exposed as a
 * flat map of tensors keyed {@code <param name>.<slot>} so that a checkpoint can hold it.
 */
public abstract class Optimizer {

    private final Map<String, Variable> params;
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

    /** One update of every parameter that has a gradient. */
    public final void step() {
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (Map.Entry<String, Variable> e : params.entrySet()) {
                Variable p = e.getValue();
                if (p.hasGrad()) {
                    Map<String, Tensor> slots =
                            state.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>());
                    p.setData(update(p.data(), p.grad(), slots));
                }
            }
        }
    }

    /** The new value of one parameter; {@code slots} holds (and receives) its state. */
    protected abstract Tensor update(Tensor param, Tensor grad, Map<String, Tensor> slots);

    /** Sets every existing gradient to zero (absent ones stay absent). */
    public final void zeroGrad() {
        params.values().forEach(Variable::zeroGradInPlace);
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
