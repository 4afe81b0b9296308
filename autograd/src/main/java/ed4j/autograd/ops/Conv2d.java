package ed4j.autograd.ops;

import ed4j.autograd.Function;
import ed4j.autograd.Variable;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.Tensor;

/**
 * 2-d cross-correlation of {@code x (N, Cin, H, W)} with {@code weight (Cout, Cin/groups, kH, kW)}
 * and an optional {@code bias (Cout)}. The input and weight gradients are the backend's two
 * adjoint kernels; the bias gradient sums the output gradient over N, H and W.
 */
public final class Conv2d extends Function {

    private Tensor x;
    private Tensor weight;
    private Conv2dParams params;
    private boolean hasBias;

    private Conv2d() {}

    /** {@code bias} may be null for none. */
    public static Variable apply(Variable x, Variable weight, Variable bias, Conv2dParams p) {
        Conv2d fn = new Conv2d();
        fn.x = x.data();
        fn.weight = weight.data();
        fn.params = p;
        fn.hasBias = bias != null;
        Tensor out = bias == null
                ? x.data().conv2d(weight.data(), p)
                : x.data().conv2d(weight.data(), bias.data(), p);
        return bias == null ? fn.output(out, x, weight) : fn.output(out, x, weight, bias);
    }

    @Override
    protected Tensor[] backward(Tensor grad) {
        Tensor gradX = needsGrad(0)
                ? grad.backend().conv2dBackwardInput(grad, weight, x.shape(), params) : null;
        Tensor gradW = needsGrad(1)
                ? grad.backend().conv2dBackwardWeight(grad, x, weight.shape(), params) : null;
        if (!hasBias) {
            return new Tensor[] {gradX, gradW};
        }
        Tensor gradB = needsGrad(2) ? grad.sum(new int[] {0, 2, 3}, false) : null;
        return new Tensor[] {gradX, gradW, gradB};
    }

    @Override
    protected void releaseSaved() {
        x = null;
        weight = null;
    }
}
