package ed4j.autograd;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/** Seeded float64 inputs for gradient checks. */
final class Inputs {

    private final Generator gen;

    Inputs(long seed) {
        gen = new Generator(seed);
    }

    /** Standard normal values. */
    Tensor randn(int... shape) {
        return Tensor.randn(gen, Shape.of(shape), DType.FLOAT64);
    }

    /** Uniform values in [lo, hi). */
    Tensor uniform(double lo, double hi, int... shape) {
        return Tensor.rand(gen, Shape.of(shape), DType.FLOAT64).mul(hi - lo).add(lo);
    }

    /** Normal values pushed at least {@code gap} away from 0 (for kinks at 0). */
    Tensor awayFromZero(double gap, int... shape) {
        Tensor x = randn(shape);
        return x.add(x.sign().mul(gap));
    }
}
