package ed4j.autograd;

import ed4j.tensor.Conv2dParams;
import ed4j.tensor.Pool2dParams;
import org.junit.jupiter.api.Test;

/** Gradient checks of convolution and pooling. */
class ConvPoolGradCheckTest {

    private final Inputs in = new Inputs(41);

    @Test
    void conv2dWithBiasStrideAndPadding() {
        GradCheck.check("conv2d(stride 2, pad 1)",
                v -> v.get(0).conv2d(v.get(1), v.get(2), Conv2dParams.of(2, 1)),
                in.randn(2, 3, 5, 4), in.randn(4, 3, 3, 3), in.randn(4));
    }

    @Test
    void conv2dGroupsAndDilation() {
        Conv2dParams p = new Conv2dParams(1, 1, 2, 1, 2, 1, 2);
        GradCheck.check("conv2d(groups 2, dilation)",
                v -> v.get(0).conv2d(v.get(1), p), in.randn(1, 4, 5, 5), in.randn(6, 2, 3, 2));
    }

    @Test
    void conv2dDepthwiseOnStridedInput() {
        Conv2dParams p = Conv2dParams.of(1, 1).withGroups(3);
        GradCheck.check("conv2d(depthwise)",
                v -> v.get(0).permute(0, 3, 1, 2).conv2d(v.get(1), v.get(2), p),
                in.randn(2, 4, 4, 3), in.randn(3, 1, 3, 3), in.randn(3));
    }

    @Test
    void conv2dPointwise() {
        GradCheck.check("conv2d(1x1)", v -> v.get(0).conv2d(v.get(1), Conv2dParams.defaults()),
                in.randn(2, 3, 2, 3), in.randn(5, 3, 1, 1));
    }

    @Test
    void avgPool2dCountingPadding() {
        GradCheck.check("avgPool2d(3, 1, 1)", v -> v.get(0).avgPool2d(Pool2dParams.of(3, 1, 1)),
                in.randn(2, 2, 4, 5));
        GradCheck.check("avgPool2d(2, 2, 0)", v -> v.get(0).avgPool2d(Pool2dParams.of(2, 2, 0)),
                in.randn(1, 2, 5, 4));
    }

    @Test
    void maxPool2d() {
        GradCheck.check("maxPool2d(3, 2, 1)", v -> v.get(0).maxPool2d(Pool2dParams.of(3, 2, 1)),
                in.randn(2, 2, 5, 6));
    }
}
