package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The one-pass {@code sum(a * log(max(y, floor)))} against the composite of the elementwise ops:
 * several pieces, operands at an offset in their storage, zeros in {@code y} that the floor
 * catches, and the same bits on any thread count.
 */
class SumTimesLogTest {

    @Test
    void matchesTheCompositeOnAnyThreadCount() {
        Generator gen = new Generator(11);
        int n = 3 * (1 << 14) + 123;
        Tensor a = Tensor.randn(gen, Shape.of(n + 5), DType.FLOAT32).narrow(0, 5, n);
        Tensor y = Tensor.rand(gen, Shape.of(n), DType.FLOAT32);
        // Zeros, where the floor keeps the logarithm finite.
        Tensor mask = Tensor.rand(gen, Shape.of(n), DType.FLOAT32).gt(0.9).to(DType.FLOAT32);
        y = y.mul(mask.neg().add(1.0)).contiguous();
        assertTrue(y.eq(0.0).sum().item() > 1000, "expected zeros in y");
        double floor = Float.MIN_VALUE;
        double composite = a.mul(y.clampMin(floor).log()).sum().item();
        Tensor one = ReduceKernels.sumTimesLog(KernelTestSupport.ONE_THREAD, a, y, floor);
        Tensor five = ReduceKernels.sumTimesLog(KernelTestSupport.FIVE_THREADS, a, y, floor);
        assertEquals(Shape.scalar(), one.shape());
        assertEquals(one.item(), five.item(), 0.0, "thread count changed the bits");
        double scale = a.abs().mul(y.clampMin(floor).log().abs()).sum().item();
        assertEquals(composite, one.item(), 1e-6 * scale);
        // The backend's entry point takes the same path for contiguous float32 operands and the
        // composite for others.
        assertEquals(one.item(), KernelTestSupport.FIVE_THREADS.sumTimesLog(a, y, floor).item(),
                0.0);
        // Float64 takes the composite: against the sum written out in double.
        double[] av = a.toDoubleArray();
        double[] yv = y.toDoubleArray();
        double direct = 0;
        for (int i = 0; i < n; i++) {
            direct += av[i] * Math.log(Math.max(yv[i], floor));
        }
        assertEquals(direct, KernelTestSupport.FIVE_THREADS.sumTimesLog(a.to(DType.FLOAT64),
                y.to(DType.FLOAT64), floor).item(), 1e-12 * scale);
        assertEquals(direct, one.item(), 1e-6 * scale);
    }
}
