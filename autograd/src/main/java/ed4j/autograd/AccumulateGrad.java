package ed4j.autograd;

import ed4j.tensor.Tensor;

/** The sink at a leaf: adds incoming gradients into the leaf's {@code grad}. */
final class AccumulateGrad extends Function {

    private final Variable leaf;

    AccumulateGrad(Variable leaf) {
        this.leaf = leaf;
        this.next = new Function[0];
    }

    void accumulate(Tensor gradient) {
        leaf.accumulateGrad(gradient);
    }

    @Override
    protected Tensor[] backward(Tensor gradOutput) {
        accumulate(gradOutput);
        return new Tensor[0];
    }

    @Override
    public String name() {
        return "AccumulateGrad";
    }
}
