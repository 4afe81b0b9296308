package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The descriptors the kernels index with: for views of every kind, the offset the kernel computes
 * for element {@code i} ({@link StridedDesc#offsetOf}, the same arithmetic as
 * {@code strided_offset} in common.cuh) must be the storage offset of the view's {@code i}-th
 * element in row-major order, found here by walking the view's own strides.
 */
class StridedDescTest {

    /** Storage offsets of a view's elements in row-major order, by nested iteration. */
    static int[] naiveOffsets(Tensor t) {
        int n = t.numel();
        int[] out = new int[n];
        int[] idx = new int[t.rank()];
        for (int i = 0; i < n; i++) {
            int off = t.offset();
            for (int d = 0; d < t.rank(); d++) {
                off += idx[d] * t.stride(d);
            }
            out[i] = off;
            for (int d = t.rank() - 1; d >= 0; d--) {
                if (++idx[d] < t.size(d)) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    static List<Tensor> views() {
        Tensor base = Tensor.zeros(Shape.of(4, 5, 6, 7), ed4j.tensor.DType.FLOAT32);
        List<Tensor> v = new ArrayList<>();
        v.add(base);
        v.add(base.permute(2, 0, 3, 1));
        v.add(base.narrow(1, 1, 3).narrow(3, 2, 4));
        v.add(base.slice(2, 1, 6, 2).transpose(0, 3));
        v.add(base.select(1, 2));
        v.add(base.narrow(0, 0, 1).expand(3, 5, 6, 7));
        v.add(base.view(4, 5, 42).narrow(2, 5, 30).unsqueeze(1).expand(4, 2, 5, 30));
        v.add(base.select(0, 1).select(0, 2).select(0, 3).select(0, 4));
        v.add(base.reshape(2, 2, 5, 3, 2, 7).permute(5, 4, 3, 2, 1, 0));
        return v;
    }

    @Test
    void descriptorOffsetsEqualTheViewsOwnOffsets() {
        for (Tensor t : views()) {
            StridedDesc d = StridedDesc.of(t);
            int[] enc = d.encode();
            int[] want = naiveOffsets(t);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], StridedDesc.offsetOf(enc, i),
                        "element " + i + " of shape " + t.shape() + " via " + d);
            }
            assertEquals(t.numel(), d.numel());
        }
    }

    @Test
    void operandsDescribedTogetherKeepTheirOwnOffsets() {
        Tensor base = Tensor.zeros(Shape.of(6, 8, 10), ed4j.tensor.DType.FLOAT32);
        Tensor a = base;
        Tensor b = base.permute(0, 2, 1).contiguous().permute(0, 2, 1);
        Tensor c = base.narrow(0, 2, 1).expand(6, 8, 10);
        StridedDesc[] d = StridedDesc.of(a, b, c);
        Tensor[] ts = {a, b, c};
        for (int k = 0; k < 3; k++) {
            int[] want = naiveOffsets(ts[k]);
            int[] enc = d[k].encode();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], StridedDesc.offsetOf(enc, i), "operand " + k + " at " + i);
            }
        }
    }

    @Test
    void contiguousMergesToOneDimAndScalarsToNone() {
        Tensor t = Tensor.zeros(Shape.of(3, 1, 4, 5), ed4j.tensor.DType.FLOAT64);
        assertEquals(1, StridedDesc.of(t).rank());
        assertEquals(0, StridedDesc.of(t.select(0, 1).select(0, 0).select(0, 2).select(0, 3))
                .rank());
        assertEquals(2, StridedDesc.of(t, t.narrow(3, 0, 1).expand(3, 1, 4, 5))[0].rank());
        int[] enc = StridedDesc.of(t.narrow(0, 2, 1)).encode();
        assertEquals(StridedDesc.ENCODED_INTS, enc.length);
        assertEquals(1, enc[0]);
        assertEquals(40, enc[enc.length - 1]);
    }

    @Test
    void tooManyUnmergeableDimsAreRejected() {
        int[] dims = new int[9];
        int[] strides = new int[9];
        for (int d = 0; d < 9; d++) {
            dims[d] = 2;
            strides[d] = 1 << (2 * (8 - d));
        }
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> StridedDesc.of(dims, new int[][] {strides}, new int[] {0}));
        assertTrue(e.getMessage().contains("at most 8"), e.getMessage());
    }
}
