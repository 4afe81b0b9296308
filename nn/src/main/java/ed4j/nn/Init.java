package ed4j.nn;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;

/**
 * Initialisers with PyTorch's formulas. The fan of a weight {@code (out, in, k...)} is
 * {@code in * prod(k)} (fan-in) or {@code out * prod(k)} (fan-out). Every initialiser takes its
 * generator explicitly.
 */
public final class Init {

    private Init() {}

    /** Fan-in of a weight shape. */
    public static int fanIn(Shape shape) {
        if (shape.rank() < 2) {
            throw new IllegalArgumentException("fan-in needs a weight of rank >= 2, got " + shape);
        }
        return shape.size(1) * receptiveField(shape);
    }

    /** Fan-out of a weight shape. */
    public static int fanOut(Shape shape) {
        if (shape.rank() < 2) {
            throw new IllegalArgumentException("fan-out needs a weight of rank >= 2, got " + shape);
        }
        return shape.size(0) * receptiveField(shape);
    }

    private static int receptiveField(Shape shape) {
        int r = 1;
        for (int d = 2; d < shape.rank(); d++) {
            r *= shape.size(d);
        }
        return r;
    }

    /** Uniform in {@code [-bound, bound)}. */
    public static Tensor uniform(Generator g, Shape shape, double bound, DType dtype) {
        double[] v = new double[shape.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (2 * g.nextDouble() - 1) * bound;
        }
        return fromDoubles(v, shape, dtype);
    }

    /** Normal with mean 0 and the given standard deviation. */
    public static Tensor normal(Generator g, Shape shape, double std, DType dtype) {
        double[] v = new double[shape.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = g.nextGaussian() * std;
        }
        return fromDoubles(v, shape, dtype);
    }

    private static Tensor fromDoubles(double[] v, Shape shape, DType dtype) {
        if (dtype == DType.FLOAT32) {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            return Tensor.of(f, shape.toArray());
        }
        return Tensor.of(v, shape.toArray()).to(dtype);
    }

    /**
     * Kaiming (He) uniform: bound {@code gain * sqrt(3 / fan_in)} with the leaky-ReLU gain
     * {@code sqrt(2 / (1 + a^2))}. With {@code a = sqrt(5)} this is PyTorch's default for Linear
     * and convolution weights, a bound of {@code 1 / sqrt(fan_in)}.
     */
    public static Tensor kaimingUniform(Generator g, Shape shape, double a, DType dtype) {
        double gain = Math.sqrt(2.0 / (1.0 + a * a));
        return uniform(g, shape, gain * Math.sqrt(3.0 / fanIn(shape)), dtype);
    }

    /** Kaiming (He) normal for ReLU: std {@code sqrt(2 / fan)}, fan-in or fan-out. */
    public static Tensor kaimingNormal(Generator g, Shape shape, boolean fanInMode,
            DType dtype) {
        int fan = fanInMode ? fanIn(shape) : fanOut(shape);
        return normal(g, shape, Math.sqrt(2.0 / fan), dtype);
    }

    /** PyTorch's default bias: uniform in {@code +-1/sqrt(fan_in)} of the layer's weight. */
    public static Tensor defaultBias(Generator g, int size, int fanIn, DType dtype) {
        double bound = fanIn > 0 ? 1.0 / Math.sqrt(fanIn) : 0.0;
        return uniform(g, Shape.of(size), bound, dtype);
    }

    public static Tensor zeros(Shape shape, DType dtype) {
        return Tensor.zeros(shape, dtype);
    }

    public static Tensor ones(Shape shape, DType dtype) {
        return Tensor.full(shape, 1.0, dtype);
    }
}
