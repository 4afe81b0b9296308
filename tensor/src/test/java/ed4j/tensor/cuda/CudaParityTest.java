package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ed4j.tensor.Backend;
import ed4j.tensor.Backends;
import ed4j.tensor.BinaryOp;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Device;
import ed4j.tensor.Generator;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.UnaryOp;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every op of the CUDA backend against the CPU backend, on the same inputs, in float32 and
 * float64 and on strided views (transposed, narrowed, expanded). Skipped, with the reason, where
 * no CUDA device is usable; the gpu-checks jar runs it on a GPU machine.
 *
 * <p>Comparisons use {@code |gpu - cpu| <= atol + rtol * |cpu|} with tolerances per kernel:
 * float32 elementwise 1e-6/1e-5 (CUDA's float functions are within a few ulp of the CPU's
 * correctly rounded double ones); reductions, softmax and norms 1e-5/1e-5 (double sums in
 * another order); GEMM and convolution 1e-4/1e-4 in float32 (float sums in another order),
 * loose for TF32 and BF16 inputs; float64 1e-11/1e-10 throughout; indices exactly.
 */
@Tag("gpu")
class CudaParityTest {

    private static Backend gpu;

    /** Why the CUDA backend cannot be opened here, or null when it can. */
    static String unavailableReason() {
        try {
            Backends.of(Device.cuda(0));
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    /** Each test is skipped, with the reason, where no GPU is usable. */
    @BeforeEach
    void open() {
        String reason = unavailableReason();
        Assumptions.assumeTrue(reason == null, "no CUDA device: " + reason);
        gpu = Backends.of(Device.cuda(0));
    }

    private static final Device CUDA = Device.cuda(0);
    private static final DType[] FLOATS = {DType.FLOAT32, DType.FLOAT64};

    // ---- helpers -----------------------------------------------------------------------------

    private static Tensor randn(long seed, DType dt, int... shape) {
        return Tensor.randn(new Generator(seed), Shape.of(shape), dt);
    }

    /**
     * Layouts of the same values, applied identically to the CPU tensor and its GPU copy (rank 2
     * or more): contiguous, the last two dims transposed in memory, a window inside a larger
     * NaN-filled tensor (reading outside it shows), and dim 1 broadcast with stride 0 (values
     * repeat along dim 1).
     */
    private static final List<Function<Tensor, Tensor>> LAYOUTS = List.of(
            t -> t,
            t -> t.transpose(t.rank() - 2, t.rank() - 1).contiguous()
                    .transpose(t.rank() - 2, t.rank() - 1),
            CudaParityTest::window,
            t -> t.narrow(1, 0, 1).expand(t.shape().toArray()));

    private static Tensor window(Tensor t) {
        int[] big = t.shape().toArray();
        for (int d = 0; d < big.length; d++) {
            big[d] += 2;
        }
        Tensor host = Tensor.full(Shape.of(big), Double.NaN, t.dtype(), t.device());
        Tensor view = host;
        for (int d = 0; d < big.length; d++) {
            view = view.narrow(d, 1, t.size(d));
        }
        view.copyFromInPlace(t);
        return view;
    }

    private static double atol(DType dt, double f32) {
        return dt == DType.FLOAT64 ? 1e-11 : f32;
    }

    private static double rtol(DType dt, double f32) {
        return dt == DType.FLOAT64 ? 1e-10 : f32;
    }

    /** Compares values and shapes; reports max difference, the first bad index and values. */
    static void assertClose(String what, Tensor cpu, Tensor cuda, double atol, double rtol) {
        assertEquals(CUDA, cuda.device(), what + ": result device");
        assertEquals(cpu.shape(), cuda.shape(), what + ": shape");
        assertEquals(cpu.dtype(), cuda.dtype(), what + ": dtype");
        double[] a = cpu.toDoubleArray();
        double[] b = cuda.toDoubleArray();
        double max = 0;
        int bad = -1;
        for (int i = 0; i < a.length; i++) {
            boolean nanA = Double.isNaN(a[i]);
            boolean nanB = Double.isNaN(b[i]);
            double d = Math.abs(a[i] - b[i]);
            boolean ok = nanA ? nanB : !nanB && (a[i] == b[i] || d <= atol + rtol * Math.abs(a[i]));
            if (!nanA && !nanB && !Double.isInfinite(d)) {
                max = Math.max(max, d);
            }
            if (!ok && bad < 0) {
                bad = i;
            }
        }
        if (bad >= 0) {
            StringBuilder sb = new StringBuilder(what + ": max |diff| " + max + ", first bad index "
                    + bad + " (cpu " + a[bad] + ", cuda " + b[bad] + "); first pairs:");
            for (int i = 0; i < Math.min(5, a.length); i++) {
                sb.append(" (").append(a[i]).append(", ").append(b[i]).append(')');
            }
            fail(sb.toString());
        }
    }

    private static void assertExact(String what, Tensor cpu, Tensor cuda) {
        assertEquals(cpu.shape(), cuda.shape(), what + ": shape");
        assertArrayEquals(cpu.toLongArray(), cuda.toLongArray(), what);
    }

    // ---- memory and copies -------------------------------------------------------------------

    @Test
    void uploadsDownloadsAndCopiesRoundTrip() {
        for (DType dt : DType.values()) {
            Tensor x = randn(1, DType.FLOAT64, 3, 1_200_001).mul(1000).to(dt);
            Tensor g = x.to(CUDA);
            assertExact(dt + " round trip", x.to(DType.FLOAT64).to(DType.INT64),
                    g.to(Device.CPU).to(DType.FLOAT64).to(DType.INT64));
            assertClose(dt + " values", x.to(DType.FLOAT64), g.to(Device.CPU).to(DType.FLOAT64),
                    0, 0);
            assertClose(dt + " transposed copy", x.mT().contiguous().to(DType.FLOAT64),
                    g.mT().contiguous().to(DType.FLOAT64), 0, 0);
        }
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                Tensor x = randn(2, DType.FLOAT64, 7, 9).mul(50).to(from);
                assertClose("cast " + from + " -> " + to, x.mT().to(to).to(DType.FLOAT64),
                        x.to(CUDA).mT().to(to).to(DType.FLOAT64), 0, 0);
            }
        }
        Tensor z = Tensor.zeros(Shape.of(4, 6), DType.FLOAT32, CUDA);
        z.narrow(1, 2, 3).fillInPlace(2.5);
        z.select(0, 1).copyFromInPlace(Tensor.arange(6, DType.FLOAT32).to(CUDA));
        Tensor c = Tensor.zeros(4, 6);
        c.narrow(1, 2, 3).fillInPlace(2.5);
        c.select(0, 1).copyFromInPlace(Tensor.arange(6, DType.FLOAT32));
        assertClose("fill and copy into views", c, z, 0, 0);
        Tensor cat = Tensor.cat(List.of(z, z.narrow(0, 0, 2)), 0);
        assertClose("cat", Tensor.cat(List.of(c, c.narrow(0, 0, 2)), 0), cat, 0, 0);
    }

    @Test
    void steadyStateDoesNotAllocate() {
        CudaBackend be = (CudaBackend) gpu;
        Tensor a = randn(3, DType.FLOAT32, 256, 256).to(CUDA);
        long[] warm = null;
        for (int step = 0; step < 6; step++) {
            Tensor m = a.matmul(a);
            Tensor r = m.relu();
            Tensor s = r.sum(new int[] {1}, false);
            s.toFloatArray();
            for (Tensor t : new Tensor[] {m, r, s}) {
                ((CudaStorage) t.storage()).close();
            }
            if (step == 1) {
                warm = be.memoryStats();
            }
        }
        assertEquals(warm[2], be.memoryStats()[2], "driver allocations after warm-up");
    }

    // ---- elementwise -------------------------------------------------------------------------

    @Test
    void unaryOps() {
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                Tensor base = randn(4, dt, 13, 17).mul(3);
                Tensor cpu = layout.apply(base);
                Tensor cuda = layout.apply(base.to(CUDA));
                for (UnaryOp op : UnaryOp.values()) {
                    Tensor in = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT
                            ? cpu.abs() : cpu;
                    Tensor gin = in == cpu ? cuda : cuda.abs();
                    assertClose(dt + " " + op, Backends.cpu().unary(op, in), gpu.unary(op, gin),
                            atol(dt, 1e-6), rtol(dt, 1e-5));
                }
            }
        }
        Tensor special = Tensor.of(new double[] {Double.NaN, -0.0, 0.0, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, -40, 40, 1e-30}, 8);
        for (UnaryOp op : UnaryOp.values()) {
            assertClose("special " + op, Backends.cpu().unary(op, special),
                    gpu.unary(op, special.to(CUDA)), 1e-15, 1e-13);
        }
    }

    @Test
    void binaryOpsWithBroadcast() {
        for (DType dt : FLOATS) {
            Tensor a = randn(5, dt, 6, 1, 9).mul(2);
            Tensor b = randn(6, dt, 7, 1).abs().add(0.5);
            for (BinaryOp op : BinaryOp.values()) {
                Tensor x = op == BinaryOp.POW ? a.abs() : a;
                String name = op.name().toLowerCase(java.util.Locale.ROOT);
                Shape s = Tensor.broadcastShapes(x, b, name);
                assertClose(dt + " " + op, Backends.cpu().binary(op, x.broadcastTo(s),
                        b.broadcastTo(s)), gpu.binary(op, x.to(CUDA).broadcastTo(s),
                        b.to(CUDA).broadcastTo(s)), atol(dt, 1e-6), rtol(dt, 1e-5));
            }
        }
        Tensor p = Tensor.of(new double[] {Double.NaN, 1, -0.0, 0.0, 1, -1}, 6);
        Tensor q = Tensor.of(new double[] {1, Double.NaN, 0.0, -0.0, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY}, 6);
        for (BinaryOp op : BinaryOp.values()) {
            Tensor cpu = Backends.cpu().binary(op, p, q);
            Tensor cuda = gpu.binary(op, p.to(CUDA), q.to(CUDA));
            assertClose("special " + op, cpu, cuda, 0, 0);
            // Signed zeros of maximum/minimum must agree too.
            assertArrayEquals(cpu.toDoubleArray(), cuda.toDoubleArray(), "special " + op);
        }
    }

    @Test
    void clampAndWhere() {
        for (DType dt : FLOATS) {
            Tensor x = randn(7, dt, 11, 12).mT();
            assertClose(dt + " clamp", x.clamp(-0.5, 0.7), x.to(CUDA).clamp(-0.5, 0.7), 0, 0);
            Tensor c = x.gt(0.1);
            Tensor y = randn(8, dt, 12, 1);
            for (DType cd : DType.values()) {
                Tensor cond = c.to(cd);
                assertClose(dt + " where cond " + cd, Tensor.where(cond, x, y),
                        Tensor.where(cond.to(CUDA), x.to(CUDA), y.to(CUDA)), 0, 0);
            }
        }
    }

    // ---- reductions --------------------------------------------------------------------------

    @Test
    void reductionsOverDims() {
        int[][] dimSets = {{0}, {1}, {2}, {0, 2}, {1, 2}, {0, 1, 2}};
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                Tensor base = randn(9, dt, 9, 37, 300);
                Tensor cpu = layout.apply(base);
                Tensor cuda = layout.apply(base.to(CUDA));
                for (int[] dims : dimSets) {
                    String d = dt + " dims " + java.util.Arrays.toString(dims);
                    double at = atol(dt, 1e-5);
                    double rt = rtol(dt, 1e-5);
                    assertClose(d + " sum", cpu.sum(dims, false), cuda.sum(dims, false), at, rt);
                    assertClose(d + " mean", cpu.mean(dims, true), cuda.mean(dims, true), at, rt);
                    assertClose(d + " amax", cpu.amax(dims, false), cuda.amax(dims, false), 0, 0);
                    assertClose(d + " amin", cpu.amin(dims, true), cuda.amin(dims, true), 0, 0);
                }
            }
            Tensor longRow = randn(10, dt, 2, 3_000_001);
            assertClose(dt + " long rows", longRow.sum(new int[] {1}, false),
                    longRow.to(CUDA).sum(new int[] {1}, false), atol(dt, 1e-3), rtol(dt, 1e-5));
            Tensor empty = Tensor.zeros(Shape.of(3, 0), dt);
            assertClose(dt + " empty mean", empty.mean(new int[] {1}, false),
                    empty.to(CUDA).mean(new int[] {1}, false), 0, 0);
        }
    }

    @Test
    void reductionsAreRepeatable() {
        Tensor x = randn(11, DType.FLOAT32, 3, 2_000_000).to(CUDA);
        float[] first = x.sum(new int[] {1}, false).toFloatArray();
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first, x.sum(new int[] {1}, false).toFloatArray());
        }
    }

    @Test
    void maxMinMedianWithIndices() {
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                // Rounded values repeat, so ties (first index wins) are exercised.
                Tensor base = randn(12, dt, 8, 45, 65).mul(4).to(DType.INT64).to(dt);
                Tensor cpu = layout.apply(base);
                Tensor cuda = layout.apply(base.to(CUDA));
                for (int dim = 0; dim < 3; dim++) {
                    for (IndexReduceOp op : IndexReduceOp.values()) {
                        Tensor[] r = Backends.cpu().reduceWithIndex(op, cpu, dim, false);
                        Tensor[] g = gpu.reduceWithIndex(op, cuda, dim, false);
                        assertClose(dt + " " + op + " dim " + dim, r[0], g[0], 0, 0);
                        assertExact(dt + " " + op + " index dim " + dim, r[1], g[1]);
                    }
                }
            }
        }
        Tensor nan = Tensor.of(new double[] {1, Double.NaN, 3, Double.NaN, -0.0, 0.0, 0.0, -0.0},
                2, 4);
        for (IndexReduceOp op : IndexReduceOp.values()) {
            Tensor[] r = Backends.cpu().reduceWithIndex(op, nan, 1, true);
            Tensor[] g = gpu.reduceWithIndex(op, nan.to(CUDA), 1, true);
            assertClose("NaN " + op, r[0], g[0], 0, 0);
            assertExact("NaN " + op + " index", r[1], g[1]);
        }
    }

    @Test
    void softmaxAndLogSoftmax() {
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                Tensor base = randn(13, dt, 6, 50, 784).mul(5);
                Tensor cpu = layout.apply(base);
                Tensor cuda = layout.apply(base.to(CUDA));
                for (int dim = 0; dim < 3; dim++) {
                    assertClose(dt + " softmax " + dim, cpu.softmax(dim), cuda.softmax(dim),
                            atol(dt, 1e-6), rtol(dt, 1e-5));
                    assertClose(dt + " logSoftmax " + dim, cpu.logSoftmax(dim),
                            cuda.logSoftmax(dim), atol(dt, 1e-5), rtol(dt, 1e-5));
                }
            }
        }
        Tensor inf = Tensor.of(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
            1, Double.NaN}, 2, 2);
        assertClose("softmax -inf/NaN rows", inf.softmax(1), inf.to(CUDA).softmax(1), 0, 0);
    }

    @Test
    void scaledSoftmaxAndSoftmaxGradient() {
        Backend cpuBe = Backends.cpu();
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                Tensor base = randn(40, dt, 4, 30, 200).mul(5);
                Tensor cpu = layout.apply(base);
                Tensor cuda = layout.apply(base.to(CUDA));
                Tensor gBase = randn(41, dt, 4, 30, 200);
                Tensor gCpu = layout.apply(gBase);
                Tensor gCuda = layout.apply(gBase.to(CUDA));
                for (int dim = 0; dim < 3; dim++) {
                    String what = dt + " dim " + dim;
                    Tensor y = cpuBe.scaledSoftmax(cpu, 0.125, dim);
                    Tensor yc = gpu.scaledSoftmax(cuda, 0.125, dim);
                    assertClose(what + " scaledSoftmax", y, yc, atol(dt, 1e-6), rtol(dt, 1e-5));
                    assertClose(what + " softmaxBackward", cpuBe.softmaxBackward(gCpu, y, dim,
                            0.125), gpu.softmaxBackward(gCuda, y.to(CUDA), dim, 0.125),
                            atol(dt, 1e-6), rtol(dt, 1e-5));
                    assertClose(what + " softmaxBackward, scale 1", cpuBe.softmaxBackward(gCpu,
                            y, dim, 1.0), gpu.softmaxBackward(gCuda, y.to(CUDA), dim, 1.0),
                            atol(dt, 1e-6), rtol(dt, 1e-5));
                }
            }
        }
        Tensor inf = Tensor.of(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY,
            1, Double.NaN}, 2, 2);
        assertClose("scaledSoftmax -inf/NaN rows", Backends.cpu().scaledSoftmax(inf, 0.5, 1),
                gpu.scaledSoftmax(inf.to(CUDA), 0.5, 1), 0, 0);
    }

    @Test
    void sumTimesLogOverLayouts() {
        Backend cpuBe = Backends.cpu();
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                // Positive a: the terms do not cancel, so a relative tolerance on the sum holds.
                Tensor a = layout.apply(randn(42, dt, 3, 40, 700).abs());
                Tensor y = randn(43, dt, 3, 40, 700).mul(3).softmax(2);
                // Some entries below the floor.
                y = Tensor.where(randn(44, dt, 3, 40, 700).lt(-1.5), y.mul(0), y);
                Tensor yl = layout.apply(y);
                Tensor ref = cpuBe.sumTimesLog(a, yl, 1e-30);
                Tensor out = gpu.sumTimesLog(a.to(CUDA), yl.to(CUDA), 1e-30);
                assertClose(dt + " sumTimesLog", ref, out, 0, rtol(dt, 1e-5));
            }
        }
    }

    @Test
    void adamUpdateAndAddInPlace() {
        Backend cpuBe = Backends.cpu();
        for (DType dt : FLOATS) {
            Tensor p = randn(45, dt, 1000, 37);
            Tensor m = Tensor.zeros(p.shape(), dt, Device.CPU);
            Tensor v = Tensor.zeros(p.shape(), dt, Device.CPU);
            Tensor pc = p.to(CUDA);
            Tensor mc = m.to(CUDA);
            Tensor vc = v.to(CUDA);
            for (int step = 1; step <= 3; step++) {
                Tensor g = randn(46 + step, dt, 1000, 37);
                double bc2 = Math.sqrt(1 - Math.pow(0.999, step));
                double stepSize = 1e-3 / (1 - Math.pow(0.9, step));
                cpuBe.adamUpdate(p, g, m, v, 0.9, 0.999, 1e-8, 0.01, stepSize, bc2);
                gpu.adamUpdate(pc, g.to(CUDA), mc, vc, 0.9, 0.999, 1e-8, 0.01, stepSize, bc2);
                String what = dt + " adam step " + step;
                assertClose(what + " param", p, pc, atol(dt, 1e-7), rtol(dt, 1e-6));
                assertClose(what + " m", m, mc, atol(dt, 1e-7), rtol(dt, 1e-6));
                assertClose(what + " v", v, vc, atol(dt, 1e-7), rtol(dt, 1e-6));
            }
            // Views of a larger storage: element offsets.
            Tensor big = randn(50, dt, 3, 64);
            Tensor bigc = big.to(CUDA);
            Tensor[] cpuParts = {big.narrow(0, 1, 1), big.narrow(0, 0, 1), big.narrow(0, 2, 1)};
            Tensor[] gpuParts = {bigc.narrow(0, 1, 1), bigc.narrow(0, 0, 1),
                bigc.narrow(0, 2, 1)};
            Tensor g = randn(51, dt, 1, 64);
            cpuBe.adamUpdate(cpuParts[0], g, cpuParts[1], cpuParts[2], 0.9, 0.99, 1e-6, 0, 0.1,
                    0.3);
            gpu.adamUpdate(gpuParts[0], g.to(CUDA), gpuParts[1], gpuParts[2], 0.9, 0.99, 1e-6,
                    0, 0.1, 0.3);
            assertClose(dt + " adam on views", big, bigc, atol(dt, 1e-7), rtol(dt, 1e-6));

            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                Tensor src = randn(52, dt, 5, 6, 7);
                Tensor dst = randn(53, dt, 5, 6, 7);
                Tensor dstc = dst.to(CUDA);
                dst.addInPlace(layout.apply(src));
                dstc.addInPlace(layout.apply(src.to(CUDA)));
                assertClose(dt + " addInPlace", dst, dstc, 0, 0);
                // A destination that is a view: the composed path.
                Tensor wc = window(dstc);
                Tensor w = window(dst);
                w.addInPlace(layout.apply(src));
                wc.addInPlace(layout.apply(src.to(CUDA)));
                assertClose(dt + " addInPlace into a view", w, wc, 0, 0);
            }
        }
    }

    // ---- matmul and convolution --------------------------------------------------------------

    @Test
    void matmulAllLayoutsAndModes() {
        CudaBackend be = (CudaBackend) gpu;
        int[][] shapes = {{1, 1, 1}, {7, 5, 3}, {64, 64, 64}, {130, 70, 257}, {45, 65, 33}};
        for (DType dt : FLOATS) {
            for (int[] s : shapes) {
                Tensor a = randn(14, dt, 3, s[0], s[1]);
                Tensor b = randn(15, dt, 3, s[1], s[2]);
                for (Function<Tensor, Tensor> la : LAYOUTS.subList(0, 2)) {
                    for (Function<Tensor, Tensor> lb : LAYOUTS.subList(0, 2)) {
                        Tensor ca = la.apply(a);
                        Tensor cb = lb.apply(b);
                        Tensor ref = ca.matmul(cb);
                        Tensor ga = la.apply(a.to(CUDA));
                        Tensor gb = lb.apply(b.to(CUDA));
                        String w = dt + " matmul " + java.util.Arrays.toString(s);
                        for (boolean cublas : new boolean[] {false, true}) {
                            assertClose(w + " fp32 cublas=" + cublas, ref,
                                    be.matmul(ga, gb, GemmMode.FP32, cublas),
                                    atol(dt, 1e-4), rtol(dt, 1e-4));
                        }
                        if (dt == DType.FLOAT32) {
                            double tol = 2e-3 * Math.sqrt(s[1]);
                            assertClose(w + " tf32", ref, be.matmul(ga, gb, GemmMode.TF32, false),
                                    tol, 1e-2);
                            assertClose(w + " bf16", ref, be.matmul(ga, gb, GemmMode.BF16, false),
                                    8 * tol, 5e-2);
                        }
                    }
                }
                // Broadcast batch (b shared, folded into M) and expanded a.
                Tensor shared = randn(16, dt, s[1], s[2]);
                assertClose(dt + " matmul shared b", a.matmul(shared),
                        a.to(CUDA).matmul(shared.to(CUDA)), atol(dt, 1e-4), rtol(dt, 1e-4));
                Tensor a1 = randn(17, dt, 1, s[0], s[1]).expand(3, s[0], s[1]);
                assertClose(dt + " matmul expanded a", a1.matmul(b),
                        a1.contiguous().to(CUDA).narrow(0, 0, 1).expand(3, s[0], s[1])
                                .matmul(b.to(CUDA)), atol(dt, 1e-4), rtol(dt, 1e-4));
            }
        }
    }

    @Test
    void conv2dForwardAndGradients() {
        CudaBackend be = (CudaBackend) gpu;
        // Groups of 8 with 8 channels: the depthwise kernels, also strided, padded unevenly and
        // dilated.
        Conv2dParams[] ps = {Conv2dParams.of(1, 1), Conv2dParams.of(2, 0),
            new Conv2dParams(2, 1, 1, 2, 1, 2, 1), Conv2dParams.of(1, 1).withGroups(2),
            Conv2dParams.of(1, 1).withGroups(8), Conv2dParams.defaults(),
            new Conv2dParams(2, 1, 1, 2, 1, 2, 8), new Conv2dParams(1, 2, 2, 0, 2, 1, 8)};
        int[][] kernels = {{3, 3}, {3, 3}, {3, 2}, {3, 3}, {3, 3}, {1, 1}, {3, 2}, {3, 3}};
        for (DType dt : FLOATS) {
            for (int i = 0; i < ps.length; i++) {
                Conv2dParams p = ps[i];
                Tensor x = randn(18, dt, 3, 8, 13, 11);
                Tensor w = randn(19, dt, 8, 8 / p.groups(), kernels[i][0], kernels[i][1]);
                Tensor bias = randn(20, dt, 8);
                for (Function<Tensor, Tensor> layout : LAYOUTS.subList(0, 3)) {
                    Tensor cx = layout.apply(x);
                    Tensor gx = layout.apply(x.to(CUDA));
                    String what = dt + " conv " + p + " k" + java.util.Arrays.toString(kernels[i]);
                    Tensor ref = cx.conv2d(w, bias, p);
                    Tensor out = gx.conv2d(w.to(CUDA), bias.to(CUDA), p);
                    assertClose(what, ref, out, atol(dt, 1e-4), rtol(dt, 1e-4));
                    if (dt == DType.FLOAT32) {
                        assertClose(what + " tf32", ref,
                                be.conv2d(gx, w.to(CUDA), bias.to(CUDA), p, GemmMode.TF32), 3e-2,
                                1e-2);
                    }
                    // The epilogue of a frozen block: + residual (here a transposed view), ReLU.
                    Tensor res = randn(25, dt, ref.shape().toArray());
                    Tensor resView = res.transpose(2, 3).contiguous().transpose(2, 3);
                    Tensor resGpu = res.to(CUDA).transpose(2, 3).contiguous().transpose(2, 3);
                    assertClose(what + " + residual, relu", cx.conv2d(w, bias, p, resView, true),
                            gx.conv2d(w.to(CUDA), bias.to(CUDA), p, resGpu, true),
                            atol(dt, 1e-4), rtol(dt, 1e-4));
                    assertClose(what + " relu", cx.conv2d(w, null, p, null, true),
                            gx.conv2d(w.to(CUDA), null, p, null, true), atol(dt, 1e-4),
                            rtol(dt, 1e-4));
                    Tensor gy = randn(21, dt, ref.shape().toArray());
                    assertClose(what + " input grad",
                            Backends.cpu().conv2dBackwardInput(gy, w, cx.shape(), p),
                            gpu.conv2dBackwardInput(gy.to(CUDA), w.to(CUDA), cx.shape(), p),
                            atol(dt, 1e-4), rtol(dt, 1e-4));
                    assertClose(what + " weight grad",
                            Backends.cpu().conv2dBackwardWeight(gy, cx, w.shape(), p),
                            gpu.conv2dBackwardWeight(gy.to(CUDA), gx, w.shape(), p),
                            atol(dt, 1e-3), rtol(dt, 1e-4));
                }
            }
        }
        // A long reduction over few weights: the split-K path.
        Tensor x = randn(22, DType.FLOAT32, 16, 3, 96, 96);
        Tensor w = randn(23, DType.FLOAT32, 4, 3, 3, 3);
        Tensor gy = randn(24, DType.FLOAT32, 16, 4, 96, 96);
        assertClose("split-K weight grad",
                Backends.cpu().conv2dBackwardWeight(gy, x, w.shape(), Conv2dParams.of(1, 1)),
                gpu.conv2dBackwardWeight(gy.to(CUDA), x.to(CUDA), w.shape(),
                        Conv2dParams.of(1, 1)), 1e-2, 1e-4);
    }

    // ---- pooling, normalisation, resampling --------------------------------------------------

    @Test
    void pooling() {
        Pool2dParams[] ps = {Pool2dParams.of(3, 2, 1), Pool2dParams.of(2, 2, 0),
            new Pool2dParams(3, 2, 1, 2, 1, 1, false), Pool2dParams.of(1, 1, 0)};
        for (DType dt : FLOATS) {
            for (Pool2dParams p : ps) {
                for (Function<Tensor, Tensor> layout : LAYOUTS.subList(0, 3)) {
                    Tensor base = randn(25, dt, 2, 5, 15, 14).mul(3).to(DType.INT64).to(dt);
                    Tensor cx = layout.apply(base);
                    Tensor gx = layout.apply(base.to(CUDA));
                    String what = dt + " " + p;
                    Tensor avg = cx.avgPool2d(p);
                    assertClose(what + " avg", avg, gx.avgPool2d(p), atol(dt, 1e-6),
                            rtol(dt, 1e-5));
                    Tensor gy = randn(26, dt, avg.shape().toArray());
                    assertClose(what + " avg grad",
                            Backends.cpu().avgPool2dBackward(gy, cx.shape(), p),
                            gpu.avgPool2dBackward(gy.to(CUDA), gx.shape(), p), atol(dt, 1e-6),
                            rtol(dt, 1e-5));
                    Tensor.ValuesIndices m = cx.maxPool2d(p);
                    Tensor.ValuesIndices gm = gx.maxPool2d(p);
                    assertClose(what + " max", m.values(), gm.values(), 0, 0);
                    assertExact(what + " max index", m.indices(), gm.indices());
                    assertClose(what + " max grad",
                            Backends.cpu().maxPool2dBackward(gy, m.indices(), cx.shape()),
                            gpu.maxPool2dBackward(gy.to(CUDA), gm.indices(), gx.shape()),
                            atol(dt, 1e-6), rtol(dt, 1e-5));
                }
            }
        }
    }

    @Test
    void layerNormAndGradients() {
        for (DType dt : FLOATS) {
            for (Function<Tensor, Tensor> layout : LAYOUTS) {
                Tensor base = randn(27, dt, 37, 768).add(3);
                Tensor cx = layout.apply(base);
                Tensor gx = layout.apply(base.to(CUDA));
                Tensor w = randn(28, dt, 768);
                Tensor b = randn(29, dt, 768);
                for (boolean affine : new boolean[] {true, false}) {
                    String what = dt + " layerNorm affine=" + affine;
                    Tensor.LayerNormResult r = cx.layerNormWithStats(new int[] {768},
                            affine ? w : null, affine ? b : null, 1e-5);
                    Tensor.LayerNormResult g = gx.layerNormWithStats(new int[] {768},
                            affine ? w.to(CUDA) : null, affine ? b.to(CUDA) : null, 1e-5);
                    double at = atol(dt, 1e-5);
                    double rt = rtol(dt, 1e-5);
                    assertClose(what, r.output(), g.output(), at, rt);
                    assertClose(what + " mean", r.mean(), g.mean(), at, rt);
                    assertClose(what + " rstd", r.rstd(), g.rstd(), at, rt);
                    Tensor gy = randn(30, dt, 37, 768);
                    Tensor[] rg = Backends.cpu().layerNormBackward(gy, cx, r.mean(), r.rstd(),
                            affine ? w : null, 768);
                    Tensor[] gg = gpu.layerNormBackward(gy.to(CUDA), gx, g.mean(), g.rstd(),
                            affine ? w.to(CUDA) : null, 768);
                    assertClose(what + " input grad", rg[0], gg[0], atol(dt, 1e-4), rt);
                    if (affine) {
                        assertClose(what + " weight grad", rg[1], gg[1], atol(dt, 1e-4), rt);
                        assertClose(what + " bias grad", rg[2], gg[2], atol(dt, 1e-4), rt);
                    }
                }
            }
        }
    }

    @Test
    void bilinearAndGradient() {
        int[][] sizes = {{7, 9, 16, 20}, {16, 20, 7, 9}, {5, 5, 5, 5}, {1, 6, 4, 1}, {56, 56, 256,
            256}};
        for (DType dt : FLOATS) {
            for (int[] s : sizes) {
                for (boolean align : new boolean[] {false, true}) {
                    Tensor base = randn(31, dt, 2, 3, s[0], s[1]);
                    for (Function<Tensor, Tensor> layout : LAYOUTS.subList(0, 3)) {
                        Tensor cx = layout.apply(base);
                        Tensor gx = layout.apply(base.to(CUDA));
                        String what = dt + " bilinear " + java.util.Arrays.toString(s) + " align="
                                + align;
                        Tensor ref = cx.upsampleBilinear2d(s[2], s[3], align);
                        assertClose(what, ref, gx.upsampleBilinear2d(s[2], s[3], align),
                                atol(dt, 1e-6), rtol(dt, 1e-5));
                        Tensor gy = randn(32, dt, ref.shape().toArray());
                        assertClose(what + " grad",
                                Backends.cpu().upsampleBilinear2dBackward(gy, cx.shape(), align),
                                gpu.upsampleBilinear2dBackward(gy.to(CUDA), gx.shape(), align),
                                atol(dt, 1e-5), rtol(dt, 1e-5));
                    }
                }
            }
        }
    }

    // ---- fused prior divergence --------------------------------------------------------------

    @Test
    void priorDivergenceAndGradients() {
        for (DType dt : FLOATS) {
            int gh = 14;
            int gw = 14;
            int l = gh * gw;
            Tensor attn = randn(33, dt, 2, 4, l, l).mul(3).softmax(3);
            Tensor a = randn(34, dt, 2, 4, l).abs().add(0.05);
            Tensor b = randn(35, dt, 2, 4, l).abs().add(0.05);
            String what = dt + " priorDivergence";
            Tensor ref = Backends.cpu().priorDivergence(attn, a, b, gw, 1e-8);
            Tensor out = gpu.priorDivergence(attn.to(CUDA), a.to(CUDA), b.to(CUDA), gw, 1e-8);
            assertClose(what, ref, out, atol(dt, 1e-5), rtol(dt, 1e-5));
            Tensor g = randn(36, dt, 2, 4, l, 5);
            Tensor[] rg = Backends.cpu().priorDivergenceBackward(g, attn, a, b, gw, 1e-8);
            Tensor[] gg = gpu.priorDivergenceBackward(g.to(CUDA), attn.to(CUDA), a.to(CUDA),
                    b.to(CUDA), gw, 1e-8);
            assertClose(what + " grad attn", rg[0], gg[0], atol(dt, 1e-4), rtol(dt, 1e-5));
            assertClose(what + " grad a", rg[1], gg[1], atol(dt, 1e-4), rtol(dt, 1e-5));
            assertClose(what + " grad b", rg[2], gg[2], atol(dt, 1e-4), rtol(dt, 1e-5));
        }
    }

    // ---- indexing ----------------------------------------------------------------------------

    @Test
    void indexOps() {
        Generator gen = new Generator(37);
        long[] sel = {4, 0, 4, 2, 1, 1, 3};
        Tensor idx = Tensor.ofLongs(sel, 7);
        long[] g = new long[5 * 9 * 6];
        for (int i = 0; i < g.length; i++) {
            g[i] = (long) (gen.nextDouble() * 5);
        }
        Tensor gi = Tensor.ofLongs(g, 5, 9, 6);
        for (DType dt : DType.values()) {
            Tensor x = randn(38, DType.FLOAT64, 6, 5, 8).mul(100).to(dt);
            Tensor cx = x.permute(2, 1, 0);
            Tensor gx = x.to(CUDA).permute(2, 1, 0);
            assertClose(dt + " indexSelect", cx.indexSelect(1, idx),
                    gx.indexSelect(1, idx.to(CUDA)), 0, 0);
            assertClose(dt + " gather", cx.gather(1, gi), gx.gather(1, gi.to(CUDA)), 0, 0);
            Tensor src = randn(39, DType.FLOAT64, 5, 9, 6).mul(10).to(dt);
            double tol = dt == DType.FLOAT32 ? 1e-4 : 1e-12;
            assertClose(dt + " scatterAdd",
                    Backends.cpu().scatterAdd(cx.shape(), 1, gi, src),
                    gpu.scatterAdd(cx.shape(), 1, gi.to(CUDA), src.to(CUDA)), tol, 1e-6);
            Tensor src2 = randn(40, DType.FLOAT64, 8, 7, 6).mul(10).to(dt);
            assertClose(dt + " indexAdd", Backends.cpu().indexAdd(cx.shape(), 1, idx, src2),
                    gpu.indexAdd(cx.shape(), 1, idx.to(CUDA), src2.to(CUDA)), tol, 1e-6);
        }
        Tensor bad = Tensor.ofLongs(new long[] {0, 9}, 1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> gpu.scatterAdd(Shape.of(1, 3), 1, bad.to(CUDA),
                        Tensor.ones(1, 2).to(CUDA)));
        assertTrue(e.getMessage().contains("index 9 is out of range"), e.getMessage());
    }
}
