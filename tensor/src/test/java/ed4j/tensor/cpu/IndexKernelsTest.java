package ed4j.tensor.cpu;

import static ed4j.tensor.cpu.KernelTestSupport.BACKEND;
import static ed4j.tensor.cpu.KernelTestSupport.assertAdjoint;
import static ed4j.tensor.cpu.KernelTestSupport.assertClose;
import static ed4j.tensor.cpu.KernelTestSupport.assertSameBits;
import static ed4j.tensor.cpu.KernelTestSupport.random;
import static ed4j.tensor.cpu.KernelTestSupport.ravel;
import static ed4j.tensor.cpu.KernelTestSupport.tolerance;
import static ed4j.tensor.cpu.KernelTestSupport.unravel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.cpu.KernelTestSupport.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * indexSelect, indexAdd, gather and scatterAdd against element-by-element loops over
 * multi-indices, and each scatter-add against the adjoint identity of its selection.
 */
class IndexKernelsTest {

    private static final int[] SHAPE = {4, 5, 6};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            for (Layout layout : Layout.values()) {
                for (int dim = 0; dim < SHAPE.length; dim++) {
                    out.add(Arguments.of(dt, layout, dim));
                }
            }
        }
        return out.stream();
    }

    /** {@code n} random positions below {@code bound}, repeats likely. */
    private static Tensor randomIndex(Random rnd, int bound, int... shape) {
        long[] v = new long[Shape.of(shape).numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = rnd.nextInt(bound);
        }
        return Tensor.wrap(BACKEND.upload(v), Shape.of(shape));
    }

    // ---- indexSelect / indexAdd ---------------------------------------------------------------

    private static double[] indexSelectReference(double[] x, int[] shape, int dim, long[] idx) {
        int[] outShape = shape.clone();
        outShape[dim] = idx.length;
        double[] out = new double[Shape.of(outShape).numel()];
        for (int o = 0; o < out.length; o++) {
            int[] at = unravel(o, outShape);
            at[dim] = (int) idx[at[dim]];
            out[o] = x[ravel(at, shape)];
        }
        return out;
    }

    private static double[] indexAddReference(int[] shape, int dim, long[] idx, double[] src) {
        int[] srcShape = shape.clone();
        srcShape[dim] = idx.length;
        double[] out = new double[Shape.of(shape).numel()];
        for (int s = 0; s < src.length; s++) {
            int[] at = unravel(s, srcShape);
            at[dim] = (int) idx[at[dim]];
            out[ravel(at, shape)] += src[s];
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1} dim={2}")
    @MethodSource("cases")
    void indexSelectPicksSlices(DType dt, Layout layout, int dim) {
        Random rnd = new Random(41);
        Tensor x = random(BACKEND, rnd, dt, layout, SHAPE);
        Tensor idx = randomIndex(rnd, SHAPE[dim], 9);
        Tensor y = IndexKernels.indexSelect(BACKEND, x, dim, idx);
        int[] expect = SHAPE.clone();
        expect[dim] = 9;
        assertEquals(Shape.of(expect), y.shape());
        assertClose("indexSelect dim " + dim,
                indexSelectReference(x.toDoubleArray(), SHAPE, dim, idx.toLongArray()),
                y.toDoubleArray(), 0.0);
    }

    @ParameterizedTest(name = "{0} {1} dim={2}")
    @MethodSource("cases")
    void indexAddSumsRepeatsAndIsTheAdjoint(DType dt, Layout layout, int dim) {
        Random rnd = new Random(42);
        // A strided index: every other element of a longer one.
        Tensor idx = randomIndex(rnd, SHAPE[dim], 26).slice(0, 0, 26, 2);
        int[] srcShape = SHAPE.clone();
        srcShape[dim] = 13;
        Layout sl = layout == Layout.EXPANDED ? Layout.NARROWED : layout;
        Tensor src = random(BACKEND, rnd, dt, sl, srcShape);
        Tensor out = IndexKernels.indexAdd(BACKEND, Shape.of(SHAPE), dim, idx, src);
        assertEquals(Shape.of(SHAPE), out.shape());
        assertEquals(dt, out.dtype());
        assertClose("indexAdd dim " + dim,
                indexAddReference(SHAPE, dim, idx.toLongArray(), src.toDoubleArray()),
                out.toDoubleArray(), tolerance(dt));
        Tensor v = random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, SHAPE);
        Tensor g = src.to(DType.FLOAT64);
        assertAdjoint("indexAdd dim " + dim,
                IndexKernels.indexAdd(BACKEND, Shape.of(SHAPE), dim, idx, g).toDoubleArray(),
                v.toDoubleArray(), g.toDoubleArray(),
                IndexKernels.indexSelect(BACKEND, v, dim, idx).toDoubleArray(), 1e-12);
    }

    @Test
    void indexKernelsHandleEmbeddingRowsInt64AndEmptyIndices() {
        Random rnd = new Random(43);
        // Embedding lookup: rows of a (V, D) table by token id.
        Tensor table = random(BACKEND, rnd, DType.FLOAT32, Layout.CONTIGUOUS, 50, 16);
        Tensor tokens = randomIndex(rnd, 50, 200);
        Tensor rows = IndexKernels.indexSelect(BACKEND, table, 0, tokens);
        assertClose("embedding rows",
                indexSelectReference(table.toDoubleArray(), new int[] {50, 16}, 0,
                        tokens.toLongArray()),
                rows.toDoubleArray(), 0.0);
        long[] ints = {5, -7, 3, 9, 11, 2};
        Tensor xi = Tensor.wrap(BACKEND.upload(ints), Shape.of(2, 3));
        Tensor pick = Tensor.wrap(BACKEND.upload(new long[] {2, 0, 2}), Shape.of(3));
        assertArrayEquals(new long[] {3, 5, 3, 2, 9, 2},
                IndexKernels.indexSelect(BACKEND, xi, 1, pick).toLongArray());
        assertArrayEquals(new long[] {-7, 0, 8, 11, 0, 11},
                IndexKernels.indexAdd(BACKEND, Shape.of(2, 3), 1, pick, xi).toLongArray());
        Tensor none = Tensor.wrap(BACKEND.upload(new long[0]), Shape.of(0));
        assertEquals(Shape.of(50, 0), IndexKernels.indexSelect(BACKEND, table, 1, none).shape());
        Tensor zeros = IndexKernels.indexAdd(BACKEND, Shape.of(3, 4), 0, none,
                random(BACKEND, rnd, DType.FLOAT32, Layout.CONTIGUOUS, 0, 4));
        assertArrayEquals(new float[12], zeros.toFloatArray());
        Tensor bad = Tensor.wrap(BACKEND.upload(new long[] {0, 3}), Shape.of(2));
        assertThrows(IllegalArgumentException.class, () -> IndexKernels.indexAdd(BACKEND,
                Shape.of(3, 4), 0, bad, random(BACKEND, rnd, DType.FLOAT32, Layout.CONTIGUOUS,
                        2, 4)));
    }

    // ---- gather / scatterAdd ------------------------------------------------------------------

    /** The index shape for {@code dim}: smaller than SHAPE in other dims, longer along dim. */
    private static int[] gatherIndexShape(int dim) {
        int[] s = {3, 4, 5};
        s[dim] = 8;
        return s;
    }

    private static double[] gatherReference(double[] x, int[] shape, int dim, long[] idx,
            int[] idxShape) {
        double[] out = new double[idx.length];
        for (int p = 0; p < idx.length; p++) {
            int[] at = unravel(p, idxShape);
            at[dim] = (int) idx[p];
            out[p] = x[ravel(at, shape)];
        }
        return out;
    }

    private static double[] scatterAddReference(int[] shape, int dim, long[] idx, int[] idxShape,
            double[] src, int[] srcShape) {
        double[] out = new double[Shape.of(shape).numel()];
        for (int p = 0; p < idx.length; p++) {
            int[] at = unravel(p, idxShape);
            double v = src[ravel(at, srcShape)];
            at[dim] = (int) idx[p];
            out[ravel(at, shape)] += v;
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1} dim={2}")
    @MethodSource("cases")
    void gatherReadsAlongDim(DType dt, Layout layout, int dim) {
        Random rnd = new Random(44);
        Tensor x = random(BACKEND, rnd, dt, layout, SHAPE);
        int[] is = gatherIndexShape(dim);
        // A transposed index view.
        Tensor idx = KernelTestSupport.arrange(randomIndex(rnd, SHAPE[dim], is),
                Layout.TRANSPOSED, is);
        Tensor y = IndexKernels.gather(BACKEND, x, dim, idx);
        assertEquals(Shape.of(is), y.shape());
        assertClose("gather dim " + dim,
                gatherReference(x.toDoubleArray(), SHAPE, dim, idx.toLongArray(), is),
                y.toDoubleArray(), 0.0);
    }

    @ParameterizedTest(name = "{0} {1} dim={2}")
    @MethodSource("cases")
    void scatterAddSumsRepeatsAndIsTheAdjoint(DType dt, Layout layout, int dim) {
        Random rnd = new Random(45);
        int[] is = gatherIndexShape(dim);
        Tensor idx = KernelTestSupport.arrange(randomIndex(rnd, SHAPE[dim], is), Layout.NARROWED,
                is);
        Layout sl = layout == Layout.EXPANDED ? Layout.TRANSPOSED : layout;
        Tensor src = random(BACKEND, rnd, dt, sl, is);
        Tensor out = IndexKernels.scatterAdd(BACKEND, Shape.of(SHAPE), dim, idx, src);
        assertEquals(Shape.of(SHAPE), out.shape());
        assertClose("scatterAdd dim " + dim,
                scatterAddReference(SHAPE, dim, idx.toLongArray(), is, src.toDoubleArray(), is),
                out.toDoubleArray(), tolerance(dt));
        Tensor v = random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, SHAPE);
        Tensor g = src.to(DType.FLOAT64);
        assertAdjoint("scatterAdd dim " + dim,
                IndexKernels.scatterAdd(BACKEND, Shape.of(SHAPE), dim, idx, g).toDoubleArray(),
                v.toDoubleArray(), g.toDoubleArray(),
                IndexKernels.gather(BACKEND, v, dim, idx).toDoubleArray(), 1e-12);
    }

    @Test
    void scatterAddReadsOnlyTheIndexedPartOfALargerSource() {
        Random rnd = new Random(46);
        int[] is = {2, 3};
        Tensor idx = randomIndex(rnd, 4, is);
        Tensor src = random(BACKEND, rnd, DType.FLOAT64, Layout.CONTIGUOUS, 5, 7);
        Tensor out = IndexKernels.scatterAdd(BACKEND, Shape.of(2, 4), 1, idx, src);
        assertClose("scatterAdd larger source",
                scatterAddReference(new int[] {2, 4}, 1, idx.toLongArray(), is,
                        src.toDoubleArray(), new int[] {5, 7}),
                out.toDoubleArray(), 1e-12);
        // Many repeats into one slot sum in index order (float32 accumulates in double).
        long[] same = new long[1000];
        double[] ones = new double[1000];
        java.util.Arrays.fill(ones, 0.1);
        Tensor s32 = KernelTestSupport.tensor(BACKEND, DType.FLOAT32, ones, 1, 1000);
        Tensor total = IndexKernels.scatterAdd(BACKEND, Shape.of(1, 3), 1,
                Tensor.wrap(BACKEND.upload(same), Shape.of(1, 1000)), s32);
        assertEquals((float) (1000 * (double) 0.1f), total.toFloatArray()[0]);
        Tensor bad = Tensor.wrap(BACKEND.upload(new long[] {0, 3}), Shape.of(1, 2));
        assertThrows(IllegalArgumentException.class, () -> IndexKernels.scatterAdd(BACKEND,
                Shape.of(1, 3), 1, bad, s32));
    }

    @Test
    void gatherAndScatterAddOnInt64() {
        Tensor x = Tensor.wrap(BACKEND.upload(new long[] {1, 2, 3, 4, 5, 6}), Shape.of(2, 3));
        Tensor idx = Tensor.wrap(BACKEND.upload(new long[] {2, 2, 0, 1}), Shape.of(2, 2));
        assertArrayEquals(new long[] {3, 3, 4, 5},
                IndexKernels.gather(BACKEND, x, 1, idx).toLongArray());
        Tensor src = Tensor.wrap(BACKEND.upload(new long[] {10, 20, 30, 40}), Shape.of(2, 2));
        assertArrayEquals(new long[] {0, 0, 30, 30, 40, 0},
                IndexKernels.scatterAdd(BACKEND, Shape.of(2, 3), 1, idx, src).toLongArray());
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        CpuBackend one = KernelTestSupport.ONE_THREAD;
        CpuBackend many = KernelTestSupport.FIVE_THREADS;
        Random r1 = new Random(47);
        Random r2 = new Random(47);
        long[] iv = new long[200 * 300];
        for (int i = 0; i < iv.length; i++) {
            iv[i] = r1.nextInt(40);
            r2.nextInt(40);
        }
        Tensor i1 = Tensor.wrap(one.upload(iv), Shape.of(200, 300));
        Tensor i2 = Tensor.wrap(many.upload(iv), Shape.of(200, 300));
        Tensor s1 = random(one, r1, DType.FLOAT32, Layout.TRANSPOSED, 200, 300);
        Tensor s2 = random(many, r2, DType.FLOAT32, Layout.TRANSPOSED, 200, 300);
        assertSameBits("scatterAdd", IndexKernels.scatterAdd(one, Shape.of(200, 40), 1, i1, s1),
                IndexKernels.scatterAdd(many, Shape.of(200, 40), 1, i2, s2));
        // 1000 rows of 128 added into 400 rows: several pieces of output rows.
        Tensor k1 = i1.view(-1).narrow(0, 0, 1000);
        Tensor k2 = i2.view(-1).narrow(0, 0, 1000);
        Tensor t1 = random(one, r1, DType.FLOAT32, Layout.NARROWED, 1000, 128);
        Tensor t2 = random(many, r2, DType.FLOAT32, Layout.NARROWED, 1000, 128);
        assertSameBits("indexAdd", IndexKernels.indexAdd(one, Shape.of(400, 128), 0, k1, t1),
                IndexKernels.indexAdd(many, Shape.of(400, 128), 0, k2, t2));
    }
}
