package ed4j.nn;

import ed4j.autograd.Variable;
import ed4j.tensor.Device;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A block of a network: named parameters (trainable {@link Variable} leaves), named buffers
 * (state that is saved but not trained, such as BatchNorm's running statistics) and named child
 * modules.
 *
 * <p>Names compose with dots into PyTorch's state-dict keys ({@code layer1.0.conv1.weight}), in
 * PyTorch's order: a module's own parameters, then its own buffers, then each child in
 * registration order. Weights written by PyTorch therefore load by name.
 */
public abstract class Module {

    private final Map<String, Variable> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** Registers a trainable parameter initialised to {@code value}; returns its variable. */
    protected final Variable registerParameter(String name, Tensor value) {
        checkName(name);
        Variable v = Variable.parameter(value);
        parameters.put(name, v);
        return v;
    }

    /** Registers a buffer, saved in the state dict but not trained. */
    protected final void registerBuffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
    }

    /** The current value of a buffer of this module. */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " has no buffer '" + name + "'");
        }
        return t;
    }

    /** Replaces the value of a registered buffer (same shape and dtype). */
    protected final void setBuffer(String name, Tensor value) {
        Tensor old = buffer(name);
        if (!old.shape().equals(value.shape()) || old.dtype() != value.dtype()) {
            throw new IllegalArgumentException(
                    "buffer '" + name + "': expected " + old.dtype() + " " + old.shape()
                            + ", got " + value.dtype() + " " + value.shape());
        }
        buffers.put(name, value);
    }

    /** Registers a child module under {@code name}; returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private void checkName(String name) {
        if (name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("invalid member name '" + name + "'");
        }
        if (parameters.containsKey(name) || buffers.containsKey(name)
                || children.containsKey(name)) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " already has a member named '" + name + "'");
        }
    }

    /** Direct children in registration order. */
    public final Map<String, Module> children() {
        return Collections.unmodifiableMap(children);
    }

    /** Every parameter of this module and its descendants, by dotted name. */
    public final Map<String, Variable> namedParameters() {
        Map<String, Variable> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Variable> out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectParameters(prefix + k + ".", out));
    }

    /** Every parameter, in state-dict order. */
    public final List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every buffer of this module and its descendants, by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectBuffers("", out);
        return out;
    }

    private void collectBuffers(String prefix, Map<String, Tensor> out) {
        buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectBuffers(prefix + k + ".", out));
    }

    /** Parameters and buffers by dotted name, in PyTorch's order; values are not copied. */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        parameters.forEach((k, v) -> out.put(prefix + k, v.data()));
        buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, m) -> m.collectState(prefix + k + ".", out));
    }

    /**
     * Loads parameters and buffers by key. Values are converted to each entry's dtype and
     * device; shapes must match.
     *
     * @param strict when true, any missing, unexpected or mis-shaped key fails the load and
     *     nothing is changed; when false, matching keys load and the result lists the rest
     * @return what was missing, unexpected or mis-shaped
     * @throws IllegalArgumentException in strict mode, naming the first problems
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<LoadResult.Mismatch> mismatched = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor given = state.get(e.getKey());
            if (given == null) {
                missing.add(e.getKey());
            } else if (!given.shape().equals(e.getValue().shape())) {
                mismatched.add(new LoadResult.Mismatch(e.getKey(), e.getValue().shape(),
                        given.shape()));
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        LoadResult result = new LoadResult(missing, unexpected, mismatched);
        if (strict && !result.isClean()) {
            throw new IllegalArgumentException(
                    "loading weights into " + getClass().getSimpleName() + " failed: "
                            + result.describe());
        }
        assign("", state);
        return result;
    }

    private void assign(String prefix, Map<String, Tensor> state) {
        for (Map.Entry<String, Variable> e : parameters.entrySet()) {
            Tensor given = state.get(prefix + e.getKey());
            Tensor cur = e.getValue().data();
            if (given != null && given.shape().equals(cur.shape())) {
                // A copy: optimizers update parameters in place, which must never reach the
                // caller's tensors.
                e.getValue().setData(given.to(cur.dtype()).to(cur.device()).copy());
            }
        }
        for (Map.Entry<String, Tensor> e : buffers.entrySet()) {
            Tensor given = state.get(prefix + e.getKey());
            Tensor cur = e.getValue();
            if (given != null && given.shape().equals(cur.shape())) {
                e.setValue(given.to(cur.dtype()).to(cur.device()).copy());
            }
        }
        children.forEach((k, m) -> m.assign(prefix + k + ".", state));
    }

    /** Sets training mode on this module and its descendants; returns this module. */
    public Module train(boolean on) {
        training = on;
        children.values().forEach(m -> m.train(on));
        return this;
    }

    /** Evaluation mode: {@code train(false)}. */
    public Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode. */
    public final boolean isTraining() {
        return training;
    }

    /** Moves every parameter and buffer to {@code device}; returns this module. */
    public Module to(Device device) {
        for (Variable v : parameters.values()) {
            v.setData(v.data().to(device));
        }
        buffers.replaceAll((k, t) -> t.to(device));
        children.values().forEach(m -> m.to(device));
        return this;
    }

    /**
     * Converts every floating-point parameter and buffer to {@code dtype} (float64 for gradient
     * checks); integer buffers stay. Returns this module.
     */
    public Module to(ed4j.tensor.DType dtype) {
        for (Variable v : parameters.values()) {
            v.setDataConverted(v.data().to(dtype));
        }
        buffers.replaceAll((k, t) -> t.dtype().isFloatingPoint() ? t.to(dtype) : t);
        children.values().forEach(m -> m.to(dtype));
        return this;
    }

    /** Sets every existing parameter gradient to zero (absent gradients stay absent). */
    public final void zeroGrad() {
        for (Variable v : namedParameters().values()) {
            v.zeroGradInPlace();
        }
    }

    /** Number of trainable scalars. */
    public final long parameterCount() {
        long n = 0;
        for (Variable v : namedParameters().values()) {
            n += v.numel();
        }
        return n;
    }
}
