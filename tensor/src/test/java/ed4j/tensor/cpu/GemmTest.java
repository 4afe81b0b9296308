package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Batched GEMM against a naive double reference, on both float32 kernels and on float64. */
class GemmTest {

    private static final CpuBackend BE = CpuBackend.create(2);

    /** Relative to {@code sum_p |a_ip b_pj|}: float32 rounding over K <= 2100 terms stays below. */
    private static final double F32_TOL = 1e-5;
    private static final double F64_TOL = 1e-13;

    @AfterAll
    static void closePool() {
        BE.parallel().close();
    }

    /** Every float32 kernel, then float64 (whose kernel argument is ignored). */
    static Stream<Arguments> variants() {
        List<Arguments> list = new ArrayList<>();
        for (GemmKernel kern : GemmKernel.values()) {
            list.add(Arguments.of(kern, DType.FLOAT32));
        }
        list.add(Arguments.of(GemmKernel.PLAIN, DType.FLOAT64));
        return list.stream();
    }

    static Stream<Arguments> shapes() {
        int[][] mkn = {{1, 1, 1}, {45, 65, 33}, {129, 257, 63}, {7, 300, 5}, {6, 16, 16},
            {1, 40, 333}, {250, 3, 1}, {100, 600, 2100}};
        List<Arguments> list = new ArrayList<>();
        for (Arguments v : variants().toList()) {
            for (int[] s : mkn) {
                list.add(Arguments.of(v.get()[0], v.get()[1], s[0], s[1], s[2]));
            }
        }
        return list.stream();
    }

    /** Checks {@code a @ b} (rank 3, possibly views) against the reference. */
    private static void check(String what, GemmKernel kern, Tensor a, Tensor b) {
        int batch = a.size(0);
        int m = a.size(1);
        int k = a.size(2);
        int n = b.size(2);
        double[][] ref = Naive.matmul(a.contiguous().toDoubleArray(),
                b.contiguous().toDoubleArray(), batch, m, k, n);
        Tensor got = BE.matmul(a, b, kern);
        double tol = a.dtype() == DType.FLOAT32 ? F32_TOL : F64_TOL;
        Naive.assertClose(what + " " + kern + " " + a.dtype(), Shape.of(batch, m, n), ref[0],
                ref[1], got, tol);
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}x{4}")
    @MethodSource("shapes")
    void rowMajorShapes(GemmKernel kern, DType dtype, int m, int k, int n) {
        Generator gen = new Generator(m * 31L + k * 7L + n);
        check("row-major", kern, Naive.uniform(gen, dtype, 1, m, k),
                Naive.uniform(gen, dtype, 1, k, n));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void transposedOperandsAreReadInPlace(GemmKernel kern, DType dtype) {
        Generator gen = new Generator(5);
        int m = 45;
        int k = 65;
        int n = 33;
        Tensor a = Naive.uniform(gen, dtype, 1, m, k);
        Tensor b = Naive.uniform(gen, dtype, 1, k, n);
        Tensor at = Naive.uniform(gen, dtype, 1, k, m).mT();
        Tensor bt = Naive.uniform(gen, dtype, 1, n, k).mT();
        check("A^T", kern, at, b);
        check("B^T", kern, a, bt);
        check("A^T B^T", kern, at, bt);
        // Sliced views with offsets and strides in both dims.
        Tensor as = Naive.uniform(gen, dtype, 1, 2 * m + 1, k + 3).slice(1, 1, 2 * m + 1, 2)
                .narrow(2, 2, k);
        Tensor bs = Naive.uniform(gen, dtype, 1, k + 1, 3 * n).slice(2, 0, 3 * n, 3)
                .narrow(1, 1, k);
        check("strided slices", kern, as, bs);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void batchedWithExpandedOperands(GemmKernel kern, DType dtype) {
        Generator gen = new Generator(11);
        // B shared over the batch: folded into one product of 3 * 37 rows.
        Tensor a = Naive.uniform(gen, dtype, 3, 37, 50);
        Tensor bShared = Naive.uniform(gen, dtype, 1, 50, 70).expand(3, 50, 70);
        check("B expanded", kern, a, bShared);
        // A shared, B per item: one product per item.
        Tensor aShared = Naive.uniform(gen, dtype, 1, 37, 50).expand(3, 37, 50);
        check("A expanded", kern, aShared, Naive.uniform(gen, dtype, 3, 50, 70));
        // B shared but A transposed per item: cannot fold.
        Tensor aT = Naive.uniform(gen, dtype, 3, 50, 37).mT();
        check("B expanded, A^T", kern, aT, bShared);
        // Many small products run in parallel over the batch.
        check("many small", kern, Naive.uniform(gen, dtype, 40, 9, 17),
                Naive.uniform(gen, dtype, 40, 17, 12).mT().contiguous().mT());
    }

    @ParameterizedTest
    @EnumSource(GemmKernel.class)
    void severalColumnBlocksAndRowGroups(GemmKernel kern) {
        DType dtype = DType.FLOAT32;
        // A small packing budget forces 3 column blocks of 256 and 3 row groups of 96 rows.
        Generator gen = new Generator(13);
        int m = 250;
        int k = 40;
        int n = 600;
        Tensor a = Naive.uniform(gen, dtype, m, k).mT().contiguous().mT();
        Tensor b = Naive.uniform(gen, dtype, k, n);
        double[][] ref = Naive.matmul(a.contiguous().toDoubleArray(), b.toDoubleArray(), 1, m, k,
                n);
        Tensor c = Tensor.zeros(Shape.of(m, n), dtype);
        float[] out = ((CpuStorage) c.storage()).floats();
        Sgemm.multiply(BE.parallel(), kern.implementation(),
                new FloatMatrix(((CpuStorage) a.storage()).floats(), a.offset(), a.stride(0),
                        a.stride(1)),
                new FloatMatrix(((CpuStorage) b.storage()).floats(), b.offset(), b.stride(0),
                        b.stride(1)),
                out, 0, n, m, k, n, 100 * k, false);
        Naive.assertClose("blocked " + kern, Shape.of(m, n), ref[0], ref[1], c, F32_TOL);
    }

    static Stream<Arguments> overwriteCases() {
        List<Arguments> cases = new ArrayList<>();
        for (GemmKernel kern : GemmKernel.values()) {
            // One k block (written straight into C) and three (through the task buffer); whole
            // and partial tiles; the last with column blocks and row groups.
            cases.add(Arguments.of(kern, 37, 300, 101, Sgemm.PACK_BUDGET));
            cases.add(Arguments.of(kern, 64, 1100, 70, Sgemm.PACK_BUDGET));
            cases.add(Arguments.of(kern, 250, 40, 600, 100 * 40));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3}")
    @MethodSource("overwriteCases")
    void overwriteEqualsAccumulatingIntoZerosBitForBit(GemmKernel kern, int m, int k, int n,
            int budget) {
        if (!kern.isAvailable()) {
            return;
        }
        Generator gen = new Generator(31);
        Tensor a = Naive.uniform(gen, DType.FLOAT32, m, k);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, k, n).mT().contiguous().mT();
        FloatMatrix am = new FloatMatrix(((CpuStorage) a.storage()).floats(), a.offset(),
                a.stride(0), a.stride(1));
        FloatMatrix bm = new FloatMatrix(((CpuStorage) b.storage()).floats(), b.offset(),
                b.stride(0), b.stride(1));
        // C inside a larger buffer (row stride n + 3), so that stray writes would show.
        int ldc = n + 3;
        float[] accumulated = new float[m * ldc + 5];
        Sgemm.multiply(BE.parallel(), kern.implementation(), am, bm, accumulated, 2, ldc, m, k, n,
                budget, false);
        float[] overwritten = new float[m * ldc + 5];
        java.util.Arrays.fill(overwritten, Float.NaN);
        Sgemm.multiply(BE.parallel(), kern.implementation(), am, bm, overwritten, 2, ldc, m, k, n,
                budget, true);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                int at = 2 + i * ldc + j;
                if (j < n) {
                    assertEquals(Float.floatToRawIntBits(accumulated[at]),
                            Float.floatToRawIntBits(overwritten[at]),
                            kern + " (" + i + ", " + j + ")");
                } else {
                    assertTrue(Float.isNaN(overwritten[at]), "written outside C at " + at);
                }
            }
        }
        assertTrue(Float.isNaN(overwritten[0]) && Float.isNaN(overwritten[1]));
    }

    @Test
    void overwriteMayKeepTheSignOfAZeroChain() {
        // Each product is -1e-60, below the smallest float: the chains end at -0 or, through the
        // plain kernel's zero padding, +0. Accumulating into zeros gives +0; overwriting stores
        // the chain as it is; either way the value is zero. One k block (straight into C) and
        // two (through the task buffer).
        for (int k : new int[] {3, 4, 700}) {
            int m = 9;
            int n = 33;
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            java.util.Arrays.fill(a, -1e-30f);
            java.util.Arrays.fill(b, 1e-30f);
            for (GemmKernel kern : GemmKernel.values()) {
                if (!kern.isAvailable()) {
                    continue;
                }
                float[] accumulated = new float[m * n];
                Sgemm.multiply(BE.parallel(), kern.implementation(), new FloatMatrix(a, 0, k, 1),
                        new FloatMatrix(b, 0, n, 1), accumulated, 0, n, m, k, n);
                float[] c = new float[m * n];
                java.util.Arrays.fill(c, Float.NaN);
                Sgemm.multiplyOverwrite(BE.parallel(), kern.implementation(),
                        new FloatMatrix(a, 0, k, 1), new FloatMatrix(b, 0, n, 1), c, 0, n, m, k,
                        n);
                for (int i = 0; i < m * n; i++) {
                    assertEquals(0, Float.floatToRawIntBits(accumulated[i]), kern + " k=" + k);
                    assertEquals(0f, c[i], 0f, kern + " k=" + k);
                }
            }
        }
    }

    @Test
    void overwriteWithEmptyInnerDimWritesZeros() {
        float[] c = {5f, 5f, 5f, 5f, 5f, 5f};
        FloatMatrix empty = new FloatMatrix(new float[0], 0, 0, 1);
        Sgemm.multiplyOverwrite(BE.parallel(), GemmKernel.PLAIN.implementation(), empty, empty, c,
                1, 3, 2, 0, 2);
        assertArrayEquals(new float[] {5f, 0f, 0f, 5f, 0f, 0f}, c);
    }

    @Test
    void fourDimensionalBatchMatchesPerItemProducts() {
        Generator gen = new Generator(3);
        Tensor a = Naive.uniform(gen, DType.FLOAT32, 2, 1, 20, 30).expand(2, 3, 20, 30);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, 1, 3, 30, 25).expand(2, 3, 30, 25);
        Tensor got = BE.matmul(a, b, GemmKernel.defaultKernel());
        assertEquals(Shape.of(2, 3, 20, 25), got.shape());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                Tensor one = BE.matmul(a.select(0, i).select(0, j).unsqueeze(0),
                        b.select(0, i).select(0, j).unsqueeze(0), GemmKernel.defaultKernel());
                assertArrayEquals(one.toFloatArray(),
                        got.select(0, i).select(0, j).toFloatArray(), "item " + i + "," + j);
            }
        }
    }

    @Test
    void vectorKernelIsAvailableUnderTheTestFlags() {
        // The tensor module's surefire configuration passes --add-modules jdk.incubator.vector.
        assertTrue(GemmKernel.VECTOR.isAvailable(),
                "the JVM must run with --add-modules jdk.incubator.vector for this test");
    }

    @Test
    void kernelsAndThreadCountsAgreeBitForBit() {
        Generator gen = new Generator(9);
        Tensor a = Naive.uniform(gen, DType.FLOAT32, 1, 131, 700);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, 1, 700, 2077);
        float[] plain = BE.matmul(a, b, GemmKernel.PLAIN).toFloatArray();
        float[] vector = BE.matmul(a, b, GemmKernel.VECTOR).toFloatArray();
        assertArrayEquals(plain, vector, "plain vs vector");
        CpuBackend one = CpuBackend.create(1);
        CpuBackend three = CpuBackend.create(3);
        try {
            assertArrayEquals(plain, one.matmul(a, b, GemmKernel.PLAIN).toFloatArray(),
                    "1 thread vs 2");
            assertArrayEquals(vector, three.matmul(a, b, GemmKernel.VECTOR).toFloatArray(),
                    "3 threads vs 2");
        } finally {
            one.parallel().close();
            three.parallel().close();
        }
    }

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {256, 512})
    void bothVectorWidthsMatchThePlainKernelBitForBit(int bits) {
        // A width the CPU lacks is emulated by the Vector API: slow, so the sizes stay small.
        Generator gen = new Generator(21);
        int m = 37;
        int k = 300;
        int n = 101;
        Tensor a = Naive.uniform(gen, DType.FLOAT32, m, k);
        Tensor b = Naive.uniform(gen, DType.FLOAT32, k, n).mT().contiguous().mT();
        float[] plain = BE.matmul(a.unsqueeze(0), b.unsqueeze(0), GemmKernel.PLAIN)
                .toFloatArray();
        FloatMatrix am = new FloatMatrix(((CpuStorage) a.storage()).floats(), a.offset(),
                a.stride(0), a.stride(1));
        FloatMatrix bm = new FloatMatrix(((CpuStorage) b.storage()).floats(), b.offset(),
                b.stride(0), b.stride(1));
        float[] got = new float[m * n];
        Sgemm.multiply(BE.parallel(), new SgemmVectorKernel(bits), am, bm, got, 0, n, m, k, n);
        assertArrayEquals(plain, got, bits + "-bit tile vs plain");
        // The tile's zero start (overwrite mode) too, over C full of NaN.
        float[] written = new float[m * n];
        java.util.Arrays.fill(written, Float.NaN);
        Sgemm.multiplyOverwrite(BE.parallel(), new SgemmVectorKernel(bits), am, bm, written, 0,
                n, m, k, n);
        assertArrayEquals(plain, written, bits + "-bit tile, overwriting, vs plain");
    }

    @Test
    void emptyInnerDimGivesZerosAndEmptyOutputsWork() {
        Tensor a = Tensor.zeros(Shape.of(1, 4, 0), DType.FLOAT32);
        Tensor b = Tensor.zeros(Shape.of(1, 0, 3), DType.FLOAT32);
        Tensor z = BE.matmul(a, b, GemmKernel.PLAIN);
        assertEquals(Shape.of(1, 4, 3), z.shape());
        assertArrayEquals(new float[12], z.toFloatArray());
        Tensor e = BE.matmul(Tensor.zeros(Shape.of(2, 0, 5), DType.FLOAT64),
                Tensor.zeros(Shape.of(2, 5, 3), DType.FLOAT64), GemmKernel.PLAIN);
        assertEquals(Shape.of(2, 0, 3), e.shape());
    }

    @Test
    void explicitKernelEntryChecksShapes() {
        Tensor a = Tensor.zeros(Shape.of(2, 4, 5), DType.FLOAT32);
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                () -> BE.matmul(a, Tensor.zeros(Shape.of(2, 4, 3), DType.FLOAT32),
                        GemmKernel.PLAIN));
        assertTrue(err.getMessage().contains("(2, 4, 5)"), err.getMessage());
    }

    @Test
    void tensorMatmulRoutesHere() {
        Generator gen = new Generator(21);
        Tensor a = Naive.uniform(gen, DType.FLOAT64, 4, 6);
        Tensor b = Naive.uniform(gen, DType.FLOAT64, 6, 5);
        double[][] ref = Naive.matmul(a.toDoubleArray(), b.toDoubleArray(), 1, 4, 6, 5);
        Naive.assertClose("Tensor.matmul", Shape.of(4, 5), ref[0], ref[1], a.matmul(b), F64_TOL);
    }
}
