package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Concatenation along a dim; each input's gradient is its slice of the output gradient. */
public final class Cat extends Function {

    private int dim;
    private int[] sizes;

    private Cat() {}

    public static Variable apply(List<Variable> parts, int dim) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("cat: needs at least one variable");
        }
        Cat fn = new Cat();
        fn.dim = Shape.normalizeDim(dim, parts.get(0).rank(), "cat");
        List<Tensor> data = new ArrayList<>(parts.size());
        fn.sizes = new int[parts.size()];
        for (int i = 0; i < parts.size(); i++) {
            data.add(parts.get(i).data());
            fn.sizes[i] = parts.get(i).data().rank() > fn.dim ? parts.get(i).size(fn.dim) : 0;
        }
        Tensor out = Tensor.cat(data, fn.dim);
        return fn.output(out, parts.toArray(new Variable[0]));
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor[] grads = new Tensor[sizes.length];
        int start = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (needsGrad(i)) {
                grads[i] = grad.narrow(dim, start, sizes[i]);
            }
            start += sizes[i];
        }
        return grads;
    }
}
