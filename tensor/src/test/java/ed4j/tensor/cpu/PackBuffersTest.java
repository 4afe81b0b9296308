package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The pool of packing buffers: what it hands out, what it keeps, and that products and
 * convolutions do not depend on what a reused buffer held before.
 */
class PackBuffersTest {

    private static final CpuBackend BE = CpuBackend.create(2);

    @AfterEach
    void emptyPool() {
        PackBuffers.clear();
    }

    @Test
    void reusesTheSmallestBufferThatFitsAndNoneTooLarge() {
        float[] small = new float[100];
        float[] large = new float[1000];
        PackBuffers.give(large);
        PackBuffers.give(small);
        assertSame(small, PackBuffers.take(80));
        // 1000 is more than twice 400: a new buffer rather than the large one.
        float[] fresh = PackBuffers.take(400);
        assertNotSame(large, fresh);
        assertEquals(400, fresh.length);
        assertSame(large, PackBuffers.take(600));
        assertEquals(50, PackBuffers.take(50).length);
    }

    @Test
    void keepsAtMostTheBoundedNumberOfBuffers() {
        float[] first = new float[10];
        PackBuffers.give(first);
        for (int i = 0; i < PackBuffers.MAX_KEPT; i++) {
            PackBuffers.give(new float[10]);
        }
        // The oldest was dropped: MAX_KEPT takes empty the pool without meeting it.
        for (int i = 0; i < PackBuffers.MAX_KEPT; i++) {
            assertNotSame(first, PackBuffers.take(10));
        }
        PackBuffers.give(new float[(int) PackBuffers.MAX_FLOATS + 1]);
        assertEquals(5, PackBuffers.take(5).length);
    }

    @Test
    void productsIgnoreWhatPooledBuffersHeld() {
        Generator gen = new Generator(8);
        Tensor a = Tensor.randn(gen, Shape.of(1, 70, 530), DType.FLOAT32);
        Tensor b = Tensor.randn(gen, Shape.of(1, 530, 90), DType.FLOAT32);
        Tensor x = Tensor.randn(gen, Shape.of(2, 5, 11, 9), DType.FLOAT32);
        Tensor w = Tensor.randn(gen, Shape.of(4, 5, 3, 3), DType.FLOAT32);
        Conv2dParams p = Conv2dParams.of(2, 1);
        PackBuffers.clear();
        float[] product = BE.matmul(a, b, GemmKernel.VECTOR.isAvailable() ? GemmKernel.VECTOR
                : GemmKernel.PLAIN).toFloatArray();
        float[] conv = BE.conv2d(x, w, null, p).toFloatArray();
        float[] gradW = BE.conv2dBackwardWeight(BE.conv2d(x, w, null, p), x, w.shape(), p)
                .toFloatArray();
        // Fill the emptied pool with NaN buffers of sizes 1000 to about 200000, 1.42x apart, so
        // that every request in that range finds one.
        PackBuffers.clear();
        float[][] junk = new float[16][];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = new float[(int) (1000 * Math.pow(1.42, i))];
            Arrays.fill(junk[i], Float.NaN);
            PackBuffers.give(junk[i]);
        }
        assertArrayEquals(product, BE.matmul(a, b, GemmKernel.VECTOR.isAvailable()
                ? GemmKernel.VECTOR : GemmKernel.PLAIN).toFloatArray());
        assertArrayEquals(conv, BE.conv2d(x, w, null, p).toFloatArray());
        assertArrayEquals(gradW, BE.conv2dBackwardWeight(BE.conv2d(x, w, null, p), x,
                w.shape(), p).toFloatArray());
        int used = 0;
        for (float[] j : junk) {
            for (float v : j) {
                if (!Float.isNaN(v)) {
                    used++;
                    break;
                }
            }
        }
        assertTrue(used >= 3, "expected the calls to draw on the pool, " + used + " did");
    }
}
