package ed4j.autograd;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Gradient check by central finite differences in float64.
 *
 * <p>The function's output is projected on a fixed random upstream gradient {@code w}, so the
 * check covers the whole Jacobian, not just its column sums: the analytic gradient of
 * {@code <w, f(x)>} from one backward pass is compared, element by element, with
 * {@code (<w, f(x + eps e_j)> - <w, f(x - eps e_j)>) / (2 eps)}.
 *
 * <p>Inputs must be contiguous float64 tensors; the function may build views of them (transposes,
 * slices, broadcasts) to exercise strided paths. NOTE: never pass an expanded (zero-stride) input
 * itself: perturbing one stored element would move every element that shares it.
 */
public final class GradCheck {

    private GradCheck() {}

    /** Step and tolerances: {@code |analytic - numeric| <= atol + rtol * |numeric|}. */
    public record Options(double eps, double atol, double rtol, long seed) {

        /** eps 1e-6, atol 1e-6, rtol 1e-6, seed 0. */
        public static Options defaults() {
            return new Options(1e-6, 1e-6, 1e-6, 0);
        }

        public Options withTolerance(double atol, double rtol) {
            return new Options(eps, atol, rtol, seed);
        }
    }

    /** Runs the check with default options; throws {@link AssertionError} on a mismatch. */
    public static void check(String name, Function<List<Variable>, Variable> f,
            Tensor... inputs) {
        check(name, f, Options.defaults(), inputs);
    }

    /** Runs the check; throws {@link AssertionError} naming the input and element on a mismatch. */
    public static void check(String name, Function<List<Variable>, Variable> f, Options o,
            Tensor... inputs) {
        for (int i = 0; i < inputs.length; i++) {
            Tensor t = inputs[i];
            if (t.dtype() != DType.FLOAT64 || !t.isContiguous()) {
                throw new IllegalArgumentException(
                        name + ": gradcheck input " + i + " must be a contiguous float64 tensor,"
                                + " got " + t.dtype() + " " + t.shape());
            }
        }
        List<Variable> vars = new ArrayList<>();
        for (Tensor t : inputs) {
            vars.add(Variable.parameter(t));
        }
        Variable out = f.apply(vars);
        Tensor w = Tensor.randn(new Generator(o.seed()), out.shape(), DType.FLOAT64);
        out.backward(w, false);
        for (int i = 0; i < inputs.length; i++) {
            Tensor analytic = vars.get(i).hasGrad()
                    ? vars.get(i).grad() : inputs[i].zerosLike();
            Tensor numeric = numericGradient(f, inputs, i, w, o.eps());
            ed4j.tensor.TensorCompare.Result r =
                    ed4j.tensor.TensorCompare.compare(analytic, numeric, o.atol(), o.rtol());
            if (!r.ok()) {
                throw new AssertionError(
                        name + ": gradient of input " + i + " " + inputs[i].shape()
                                + " (analytic vs numeric): " + r.message());
            }
        }
    }

    /**
     * The check for a computation over existing leaves (a module's input and parameters):
     * analytic gradients from one backward pass into the leaves, numeric ones by perturbing each
     * leaf's data in turn with {@link Variable#setData}. Leaves must be contiguous float64.
     */
    public static void checkLeaves(String name, java.util.function.Supplier<Variable> f,
            Options o, List<Variable> leaves) {
        for (Variable v : leaves) {
            if (v.dtype() != DType.FLOAT64 || !v.isLeaf() || !v.requiresGrad()
                    || !v.data().isContiguous()) {
                throw new IllegalArgumentException(
                        name + ": leaves must be contiguous float64 leaves requiring gradients");
            }
            v.clearGrad();
        }
        Variable out = f.get();
        Tensor w = Tensor.randn(new Generator(o.seed()), out.shape(), DType.FLOAT64);
        out.backward(w, false);
        for (int i = 0; i < leaves.size(); i++) {
            Variable leaf = leaves.get(i);
            Tensor analytic = leaf.hasGrad() ? leaf.grad() : leaf.data().zerosLike();
            Tensor original = leaf.data();
            double[] base = original.toDoubleArray();
            double[] grad = new double[base.length];
            try (GradMode.Scope s = GradMode.noGrad()) {
                for (int j = 0; j < base.length; j++) {
                    double orig = base[j];
                    base[j] = orig + o.eps();
                    leaf.setData(Tensor.of(base, original.shape().toArray()));
                    double plus = f.get().data().mul(w).sum().item();
                    base[j] = orig - o.eps();
                    leaf.setData(Tensor.of(base, original.shape().toArray()));
                    double minus = f.get().data().mul(w).sum().item();
                    base[j] = orig;
                    grad[j] = (plus - minus) / (2 * o.eps());
                }
            } finally {
                leaf.setData(original);
            }
            ed4j.tensor.TensorCompare.Result r = ed4j.tensor.TensorCompare.compare(analytic,
                    Tensor.of(grad, original.shape().toArray()), o.atol(), o.rtol());
            if (!r.ok()) {
                throw new AssertionError(name + ": gradient of leaf " + i + " "
                        + original.shape() + " (analytic vs numeric): " + r.message());
            }
        }
    }

    private static Tensor numericGradient(Function<List<Variable>, Variable> f, Tensor[] inputs,
            int which, Tensor w, double eps) {
        double[] base = inputs[which].toDoubleArray();
        Shape shape = inputs[which].shape();
        double[] grad = new double[base.length];
        try (GradMode.Scope s = GradMode.noGrad()) {
            for (int j = 0; j < base.length; j++) {
                double orig = base[j];
                base[j] = orig + eps;
                double plus = project(f, inputs, which, Tensor.of(base, shape.toArray()), w);
                base[j] = orig - eps;
                double minus = project(f, inputs, which, Tensor.of(base, shape.toArray()), w);
                base[j] = orig;
                grad[j] = (plus - minus) / (2 * eps);
            }
        }
        return Tensor.of(grad, shape.toArray());
    }

    private static double project(Function<List<Variable>, Variable> f, Tensor[] inputs,
            int which, Tensor replaced, Tensor w) {
        List<Variable> vars = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            vars.add(Variable.constant(i == which ? replaced : inputs[i]));
        }
        return f.apply(vars).data().mul(w).sum().item();
    }
}
