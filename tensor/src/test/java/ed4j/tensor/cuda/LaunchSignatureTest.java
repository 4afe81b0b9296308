package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.BinaryOp;
import ed4j.tensor.Conv2dParams;
import ed4j.tensor.DType;
import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import ed4j.tensor.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Runs every op of the CUDA backend on a {@link RecordingGpu}: each launch must name a kernel of
 * its family's PTX, pass exactly the parameter types that kernel declares, and use a valid grid;
 * together the ops must launch every kernel the launchers declare. Values are not checked here
 * (that is {@link CudaParityTest}, on a GPU): this catches the packing mistakes that would
 * otherwise only show on the device.
 */
class LaunchSignatureTest {

    private final RecordingGpu gpu = new RecordingGpu();
    private final CudaBackend be = new CudaBackend(gpu, null, GemmMode.FP32, false);

    private Tensor t(DType dtype, int... shape) {
        int n = Shape.of(shape).numel();
        return switch (dtype) {
            case FLOAT32 -> Tensor.wrap(be.upload(new float[n]), Shape.of(shape));
            case FLOAT64 -> Tensor.wrap(be.upload(new double[n]), Shape.of(shape));
            case INT64 -> Tensor.wrap(be.upload(new long[n]), Shape.of(shape));
        };
    }

    private static Set<String> declared() {
        List<String> all = new ArrayList<>();
        all.addAll(ElementwiseKernels.kernelNames());
        all.addAll(ReduceKernels.kernelNames());
        all.addAll(GemmKernels.kernelNames());
        all.addAll(ConvKernels.kernelNames());
        all.addAll(PoolKernels.kernelNames());
        all.addAll(NormKernels.kernelNames());
        all.addAll(ResampleKernels.kernelNames());
        all.addAll(IndexKernels.kernelNames());
        all.addAll(PriorKernels.kernelNames());
        return new TreeSet<>(all);
    }

    @Test
    void everyOpLaunchesDeclaredKernelsWithMatchingArguments() {
        for (DType dt : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            elementwise(dt);
            reductions(dt);
            linearAlgebra(dt);
            planes(dt);
            normAndPrior(dt);
            indexing(dt);
        }
        for (DType a : DType.values()) {
            Tensor x = t(a, 3, 4).mT();
            x.contiguous();
            x.fillInPlace(2);
            for (DType b : DType.values()) {
                if (a != b) {
                    x.to(b);
                } else {
                    be.cast(x, b);
                }
                Tensor.where(x.to(DType.FLOAT32).to(a), t(b, 4, 3), t(b, 4, 1));
            }
        }
        Set<String> launched = gpu.launches.stream().map(RecordingGpu.Launch::kernel)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(declared());
        missing.removeAll(launched);
        assertTrue(missing.isEmpty(), "declared kernels never launched: " + missing);
        Set<String> undeclared = new TreeSet<>(launched);
        undeclared.removeAll(declared());
        assertTrue(undeclared.isEmpty(), "launched kernels not declared: " + undeclared);
    }

    private void elementwise(DType dt) {
        Tensor x = t(dt, 5, 6).mT();
        for (UnaryOp op : UnaryOp.values()) {
            be.unary(op, x);
        }
        Tensor y = t(dt, 1, 5).expand(6, 5);
        for (BinaryOp op : BinaryOp.values()) {
            be.binary(op, x, y);
        }
        x.clamp(-1, 1);
        t(dt, 6, 5).addInPlace(x);
        Tensor p = t(dt, 7, 3).narrow(0, 1, 5);
        be.adamUpdate(p, t(dt, 5, 3), t(dt, 5, 3), t(dt, 5, 3), 0.9, 0.999, 1e-8, 0.01, 1e-3,
                0.5);
    }

    private void reductions(DType dt) {
        Tensor x = t(dt, 4, 3, 5000);
        x.sum(new int[] {2}, false);
        x.mean(new int[] {0, 2}, true);
        x.amax(new int[] {1}, false);
        t(dt, 3, 100000).amin(new int[] {1}, false);
        x.max(2, false);
        x.min(1, true);
        x.median(0, false);
        x.softmax(2);
        x.mT().logSoftmax(1);
        Tensor y = be.scaledSoftmax(x.mT(), 0.125, 1);
        be.softmaxBackward(x.mT(), y, 1, 0.125);
        be.sumTimesLog(x, t(dt, 5000, 3, 4).permute(2, 1, 0), 1e-30);
    }

    private void linearAlgebra(DType dt) {
        Tensor a = t(dt, 2, 70, 33);
        Tensor b = t(dt, 2, 33, 65).mT().contiguous().mT();
        a.matmul(b);
        a.matmul(t(dt, 33, 65));
        if (dt == DType.FLOAT32) {
            be.matmul(a, b, GemmMode.TF32, false);
            be.matmul(a, b, GemmMode.BF16, false);
            be.conv2d(t(dt, 1, 4, 9, 9), t(dt, 8, 4, 3, 3), null, Conv2dParams.of(1, 1),
                    GemmMode.TF32);
            be.conv2d(t(dt, 1, 4, 9, 9), t(dt, 8, 4, 3, 3), null, Conv2dParams.of(1, 1),
                    GemmMode.BF16);
        }
        Conv2dParams p = new Conv2dParams(2, 1, 1, 0, 1, 2, 2);
        Tensor x = t(dt, 2, 4, 11, 12);
        Tensor w = t(dt, 6, 2, 3, 3);
        Tensor y = x.conv2d(w, t(dt, 6), p);
        x.conv2d(w, null, p, t(dt, y.size(0), y.size(1), y.size(3), y.size(2)).mT(), true);
        be.conv2dBackwardInput(y, w, x.shape(), p);
        be.conv2dBackwardWeight(y, x, w.shape(), p);
        // Depthwise: one input and one output channel per group.
        Conv2dParams dp = new Conv2dParams(2, 1, 1, 1, 1, 2, 4);
        Tensor dw = t(dt, 4, 1, 3, 3);
        Tensor dy = x.conv2d(dw, t(dt, 4), dp);
        x.conv2d(dw, null, dp, t(dt, dy.size(0), dy.size(1), dy.size(3), dy.size(2)).mT(), true);
        be.conv2dBackwardInput(dy, dw, x.shape(), dp);
        be.conv2dBackwardWeight(dy, x, dw.shape(), dp);
        // A small weight and a long reduction: the weight gradient is cut into slices.
        Tensor big = t(dt, 8, 3, 64, 64);
        Tensor w1 = t(dt, 4, 3, 3, 3);
        Tensor g1 = big.conv2d(w1, Conv2dParams.of(1, 1));
        be.conv2dBackwardWeight(g1, big, w1.shape(), Conv2dParams.of(1, 1));
    }

    private void planes(DType dt) {
        Tensor x = t(dt, 2, 3, 9, 10).mT();
        Pool2dParams p = Pool2dParams.of(3, 2, 1);
        Tensor avg = x.avgPool2d(p);
        be.avgPool2dBackward(avg, x.shape(), p);
        Tensor.ValuesIndices mx = x.maxPool2d(p);
        be.maxPool2dBackward(mx.values(), mx.indices(), x.shape());
        Tensor up = x.upsampleBilinear2d(17, 5, false);
        be.upsampleBilinear2dBackward(up, x.shape(), false);
        be.upsampleBilinear2dBackward(x.upsampleBilinear2d(4, 4, true), x.shape(), true);
    }

    private void normAndPrior(DType dt) {
        Tensor x = t(dt, 6, 10).mT();
        Tensor.LayerNormResult r = x.layerNormWithStats(new int[] {6}, t(dt, 6), t(dt, 6), 1e-5);
        be.layerNormBackward(r.output(), x, r.mean(), r.rstd(), t(dt, 6), 6);
        be.layerNormBackward(r.output(), x, r.mean(), r.rstd(), null, 6);
        x.layerNormWithStats(new int[] {6}, null, null, 1e-5);
        Tensor attn = t(dt, 2, 3, 12, 12);
        Tensor a = t(dt, 2, 3, 12);
        Tensor b = t(dt, 2, 3, 12);
        Tensor out = be.priorDivergence(attn, a, b, 4, 1e-8);
        be.priorDivergenceBackward(out, attn, a, b, 4, 1e-8);
    }

    private void indexing(DType dt) {
        Tensor x = t(dt, 4, 5, 6);
        Tensor idx = t(DType.INT64, 3);
        x.indexSelect(1, idx);
        Tensor g = t(DType.INT64, 4, 2, 6);
        x.gather(1, g);
        be.scatterAdd(x.shape(), 1, g, t(dt, 4, 2, 6));
        be.indexAdd(x.shape(), 2, idx, t(dt, 4, 5, 3));
        t(DType.INT64, 4, 5, 6).gather(2, t(DType.INT64, 4, 5, 2));
        be.scatterAdd(x.shape(), 2, t(DType.INT64, 4, 5, 2), t(DType.INT64, 4, 5, 2));
        t(DType.INT64, 4, 5).transpose(0, 1).contiguous();
    }

    @Test
    void allocatorServesRepeatedShapesFromItsCache() {
        Tensor a = t(DType.FLOAT32, 64, 64);
        int before = gpu.allocations;
        int warm = 0;
        for (int step = 0; step < 6; step++) {
            Tensor m = a.matmul(a);
            Tensor r = m.relu();
            Tensor c = r.sum(new int[] {1}, false);
            for (Tensor done : new Tensor[] {m, r, c}) {
                ((CudaStorage) done.storage()).close();
            }
            if (step == 0) {
                warm = gpu.allocations;
            }
        }
        assertTrue(warm > before, "the first step allocates");
        assertEquals(warm, gpu.allocations, "steady-state steps must not allocate from the driver");
    }
}
