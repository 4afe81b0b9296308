package ed4j.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TensorCoreTest {

    private static Tensor iota(int... shape) {
        return Tensor.arange(Shape.of(shape).numel(), DType.FLOAT32).reshape(shape);
    }

    @Test
    void viewsShareStorageAndCopyNothing() {
        Tensor x = iota(2, 3, 4);
        Tensor t = x.transpose(0, 2);
        assertEquals(Shape.of(4, 3, 2), t.shape());
        assertTrue(t.storage() == x.storage());
        assertFalse(t.isContiguous());
        assertEquals(x.get(1, 2, 3), t.get(3, 2, 1));
        Tensor n = x.narrow(2, 1, 2);
        assertEquals(x.get(1, 1, 2), n.get(1, 1, 1));
        Tensor s = x.slice(1, 0, 3, 2);
        assertEquals(Shape.of(2, 2, 4), s.shape());
        assertEquals(x.get(1, 2, 3), s.get(1, 1, 3));
        Tensor e = Tensor.of(new float[] {1, 2, 3}, 3, 1).expand(3, 4);
        assertArrayEquals(new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, e.toFloatArray());
        assertEquals(0, e.stride(1));
    }

    @Test
    void viewFollowsPytorchRulesAndReshapeCopiesWhenNeeded() {
        Tensor x = iota(4, 6);
        assertEquals(Shape.of(2, 2, 3, 2), x.view(2, 2, 3, 2).shape());
        Tensor t = x.mT();
        assertThrows(IllegalArgumentException.class, () -> t.view(24));
        Tensor r = t.reshape(24);
        assertEquals(t.get(5, 3), r.get(5 * 4 + 3));
        // Splitting a transposed dim is still a view.
        Tensor v = t.view(2, 3, 4);
        assertTrue(v.storage() == x.storage());
        assertEquals(t.get(4, 2), v.get(1, 1, 2));
        assertEquals(Shape.of(4, 6), x.view(-1, 6).shape());
    }

    @Test
    void squeezeUnsqueezeSelectSplit() {
        Tensor x = iota(2, 1, 3);
        assertEquals(Shape.of(2, 3), x.squeeze().shape());
        assertEquals(Shape.of(2, 1, 3, 1), x.unsqueeze(3).shape());
        assertEquals(Shape.of(1, 2, 1, 3), x.unsqueeze(0).shape());
        assertEquals(Shape.of(2, 3), x.select(1, 0).shape());
        List<Tensor> parts = iota(7).split(3, 0);
        assertEquals(3, parts.size());
        assertEquals(1, parts.get(2).numel());
        assertEquals(6.0, parts.get(2).item());
    }

    @Test
    void broadcastingArithmetic() {
        Tensor a = iota(2, 3);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
        assertArrayEquals(new float[] {10, 21, 32, 13, 24, 35}, a.add(b).toFloatArray());
        Tensor c = Tensor.of(new float[] {1, 2}, 2, 1);
        assertArrayEquals(new float[] {0, 1, 2, 6, 8, 10}, a.mul(c).toFloatArray());
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f, 2, 2.5f}, a.div(2).toFloatArray());
        // Transposed operands take the strided path.
        Tensor at = a.mT().contiguous().mT();
        assertArrayEquals(a.sub(b).toFloatArray(), at.sub(b).toFloatArray());
        IllegalArgumentException err =
                assertThrows(IllegalArgumentException.class, () -> a.add(iota(4)));
        assertTrue(err.getMessage().contains("add"), err.getMessage());
        assertTrue(err.getMessage().contains("(2, 3)"), err.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.add(a.to(DType.FLOAT64)));
    }

    @Test
    void unaryFunctionsMatchMath() {
        double[] v = {-3, -0.5, 0, 0.25, 2};
        Tensor x = Tensor.of(v, 5);
        double[] gelu = x.gelu().toDoubleArray();
        double[] erf = x.erf().toDoubleArray();
        double[] sig = x.sigmoid().toDoubleArray();
        // erf reference values (Abramowitz and Stegun tables).
        assertEquals(-0.999977909503001, erf[0], 1e-15);
        assertEquals(-0.520499877813047, erf[1], 1e-15);
        assertEquals(0.276326390168237, erf[3], 1e-15);
        assertEquals(0.995322265018953, erf[4], 1e-15);
        for (int i = 0; i < v.length; i++) {
            double phi = 0.5 * (1 + erf[i] * 1.0);
            double expectedGelu = v[i] * 0.5 * (1 + erfRef(v[i] / Math.sqrt(2)));
            assertEquals(expectedGelu, gelu[i], 1e-14);
            assertEquals(1 / (1 + Math.exp(-v[i])), sig[i], 1e-15);
            assertTrue(phi >= 0);
        }
        assertArrayEquals(new double[] {0, 0, 0, 0.25, 2}, x.relu().toDoubleArray());
        assertArrayEquals(new double[] {-1, -0.5, 0, 0.25, 1}, x.clamp(-1, 1).toDoubleArray());
    }

    /** Series erf, for the test only. */
    private static double erfRef(double x) {
        double sum = 0;
        double term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @Test
    void reductions() {
        Tensor x = iota(2, 3, 4);
        assertEquals(276.0, x.sum().item());
        assertArrayEquals(new float[] {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34},
                x.sum(0, false).toFloatArray());
        assertArrayEquals(new float[] {6, 22, 38, 54, 70, 86}, x.sum(2, false).toFloatArray());
        assertEquals(Shape.of(1, 3, 1), x.mean(new int[] {0, 2}, true).shape());
        assertArrayEquals(new float[] {7.5f, 11.5f, 15.5f},
                x.mean(new int[] {0, 2}, true).toFloatArray());
        assertArrayEquals(new float[] {8, 9, 10, 11}, x.amax(new int[] {0, 1}, false)
                .sub(Tensor.of(new float[] {12, 12, 12, 12}, 4)).toFloatArray());
        Tensor.ValuesIndices m = x.transpose(0, 2).max(2, false);
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
                m.indices().toLongArray());
        Tensor v = x.var(new int[] {2}, 1, false);
        assertEquals(5.0 / 3.0, v.get(0, 0), 1e-6);
    }

    @Test
    void medianIsTheLowerMiddle() {
        Tensor x = Tensor.of(new float[] {5, 1, 4, 2, 3, 9, 7, 8}, 2, 4);
        Tensor.ValuesIndices m = x.median(1, false);
        assertArrayEquals(new float[] {2, 7}, m.values().toFloatArray());
        assertArrayEquals(new long[] {3, 2}, m.indices().toLongArray());
        Generator g = new Generator(7);
        for (int trial = 0; trial < 50; trial++) {
            int n = 1 + g.nextInt(40);
            Tensor r = Tensor.randn(g, Shape.of(n), DType.FLOAT64);
            double[] sorted = r.toDoubleArray().clone();
            java.util.Arrays.sort(sorted);
            Tensor.ValuesIndices med = r.median(0, false);
            assertEquals(sorted[(n - 1) / 2], med.values().item());
            assertEquals(sorted[(n - 1) / 2], r.get((int) med.indices().toLongArray()[0]));
        }
    }

    /**
     * Median, max and min along every dim of a 3-d tensor and of a transposed view, against the
     * rows gathered by hand: the lower middle value and the first position holding it (ties
     * drawn from a few integers), the first extreme.
     */
    @Test
    void indexReductionsAlongEveryDim() {
        Generator g = new Generator(12);
        float[] ints = new float[4 * 6 * 5];
        for (int i = 0; i < ints.length; i++) {
            ints[i] = g.nextInt(5);
        }
        Tensor base = Tensor.of(ints, 4, 6, 5);
        for (Tensor x : new Tensor[] {base, base.transpose(0, 2)}) {
            for (int dim = 0; dim < 3; dim++) {
                Tensor.ValuesIndices med = x.median(dim, true);
                Tensor.ValuesIndices max = x.max(dim, false);
                Tensor.ValuesIndices min = x.min(dim, false);
                int[] shape = x.shape().toArray();
                int n = shape[dim];
                int k = 0;
                for (int i = 0; i < shape[0] * shape[1] * shape[2] / n; i++, k++) {
                    int[] at = new int[3];
                    for (int d = 2, rest = i; d >= 0; d--) {
                        if (d != dim) {
                            at[d] = rest % shape[d];
                            rest /= shape[d];
                        }
                    }
                    double[] row = new double[n];
                    for (int j = 0; j < n; j++) {
                        at[dim] = j;
                        row[j] = x.get(at);
                    }
                    double[] sorted = row.clone();
                    java.util.Arrays.sort(sorted);
                    double lower = sorted[(n - 1) / 2];
                    String where = "dim " + dim + " row " + i;
                    assertEquals(lower, med.values().toDoubleArray()[k], where);
                    assertEquals(firstIndex(row, lower), med.indices().toLongArray()[k], where);
                    assertEquals(sorted[n - 1], max.values().toDoubleArray()[k], where);
                    assertEquals(firstIndex(row, sorted[n - 1]), max.indices().toLongArray()[k]);
                    assertEquals(firstIndex(row, sorted[0]), min.indices().toLongArray()[k]);
                }
                shape[dim] = 1;
                assertArrayEquals(shape, med.values().shape().toArray());
            }
        }
    }

    private static int firstIndex(double[] row, double v) {
        for (int j = 0; j < row.length; j++) {
            if (row[j] == v) {
                return j;
            }
        }
        return -1;
    }

    @Test
    void softmaxAlongAnyDim() {
        Generator g = new Generator(1);
        Tensor x = Tensor.randn(g, Shape.of(3, 4, 5), DType.FLOAT64);
        for (int dim = 0; dim < 3; dim++) {
            Tensor s = x.softmax(dim);
            Tensor ref = x.exp().div(x.exp().sum(dim, true));
            assertArrayEquals(ref.toDoubleArray(), s.toDoubleArray(), 1e-15);
            assertArrayEquals(ref.log().toDoubleArray(), x.logSoftmax(dim).toDoubleArray(), 1e-14);
        }
    }

    @Test
    void catStackAndCopyInto() {
        Tensor a = iota(2, 2);
        Tensor b = iota(2, 1).add(100);
        assertArrayEquals(new float[] {0, 1, 100, 2, 3, 101}, Tensor.cat(List.of(a, b), 1)
                .toFloatArray());
        assertEquals(Shape.of(2, 2, 2), Tensor.stack(List.of(a, a), 1).shape());
        Tensor z = Tensor.zeros(3, 3);
        z.narrow(0, 1, 2).narrow(1, 1, 2).copyFromInPlace(a);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 1, 0, 2, 3}, z.toFloatArray());
    }

    @Test
    void addInPlaceWritesOnlyItsOwnElements() {
        // A contiguous window of a larger storage (nonzero offset), float32 and float64, a
        // strided source; and a strided destination, which takes the backend's default.
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor big = iota(4, 3).to(dt);
            Tensor rows = big.narrow(0, 1, 2);
            rows.addInPlace(iota(3, 2).to(dt).mT());
            assertArrayEquals(new double[] {0, 1, 2, 3, 6, 9, 7, 10, 13, 9, 10, 11},
                    big.toDoubleArray(), dt.toString());
            Tensor cols = big.narrow(1, 0, 1);
            cols.addInPlace(Tensor.ones(4, 1).to(dt));
            assertArrayEquals(new double[] {1, 1, 2, 4, 6, 9, 8, 10, 13, 10, 10, 11},
                    big.toDoubleArray(), dt.toString());
        }
        Tensor x = iota(2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.addInPlace(iota(3, 2)));
        assertTrue(e.getMessage().startsWith("addInPlace")
                && e.getMessage().contains("(3, 2)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.addInPlace(iota(2, 3).to(
                DType.FLOAT64)));
    }

    @Test
    void matmulWithBatchBroadcastAndTransposes() {
        Generator g = new Generator(3);
        Tensor a = Tensor.randn(g, Shape.of(2, 3, 4), DType.FLOAT64);
        Tensor b = Tensor.randn(g, Shape.of(4, 5), DType.FLOAT64);
        Tensor c = a.matmul(b);
        assertEquals(Shape.of(2, 3, 5), c.shape());
        double expected = 0;
        for (int k = 0; k < 4; k++) {
            expected += a.get(1, 2, k) * b.get(k, 3);
        }
        assertEquals(expected, c.get(1, 2, 3), 1e-12);
        Tensor ct = b.mT().matmul(a.mT());
        assertEquals(expected, ct.get(1, 3, 2), 1e-12);
    }

    @Test
    void errorsNameTheOpAndShapes() {
        Tensor x = iota(2, 3);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> x.matmul(iota(2, 3)));
        assertTrue(e.getMessage().startsWith("matmul"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.sum(2, false));
        assertTrue(e.getMessage().contains("dim 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> x.view(4, 2));
        assertTrue(e.getMessage().contains("(2, 3)"), e.getMessage());
    }
}
