package ed4j.autograd;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Helpers shared by backward passes. */
public final class Grads {

    private Grads() {}

    /**
     * Undoes broadcasting: sums {@code grad} over the leading dims it has beyond {@code shape}
     * and over the dims where {@code shape} has size 1, then views it as {@code shape}.
     */
    public static Tensor sumToShape(Tensor grad, Shape shape) {
        if (grad.shape().equals(shape)) {
            return grad;
        }
        int lead = grad.rank() - shape.rank();
        if (lead < 0) {
            throw new IllegalArgumentException(
                    "sumToShape: gradient " + grad.shape() + " has fewer dims than " + shape);
        }
        int count = 0;
        int[] dims = new int[grad.rank()];
        for (int d = 0; d < grad.rank(); d++) {
            // Size-1 dims need no sum: the reshape below drops or keeps them.
            if (grad.size(d) != 1 && (d < lead || shape.size(d - lead) == 1)) {
                dims[count++] = d;
            }
        }
        Tensor reduced = count == 0 ? grad : grad.sum(java.util.Arrays.copyOf(dims, count), true);
        return reduced.reshape(shape.toArray());
    }
}
