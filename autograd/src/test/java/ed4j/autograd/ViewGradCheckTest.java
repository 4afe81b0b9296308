package ed4j.autograd;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Gradient checks of view and joining ops. */
class ViewGradCheckTest {

    private final Inputs in = new Inputs(37);

    @Test
    void reshapeAndView() {
        GradCheck.check("reshape", v -> v.get(0).transpose(0, 1).reshape(6, 2).mul(v.get(1)),
                in.randn(3, 4), in.randn(6, 2));
        GradCheck.check("view", v -> v.get(0).view(2, 6).exp(), in.randn(3, 4));
    }

    @Test
    void permuteTranspose() {
        GradCheck.check("permute", v -> v.get(0).permute(2, 0, 1).mul(v.get(1)),
                in.randn(2, 3, 4), in.randn(4, 2, 3));
    }

    @Test
    void expand() {
        GradCheck.check("expand", v -> v.get(0).expand(3, 2, 4).mul(v.get(1)),
                in.randn(2, 1), in.randn(3, 2, 4));
    }

    @Test
    void narrowSliceSelect() {
        GradCheck.check("narrow", v -> v.get(0).narrow(1, 1, 2).exp(), in.randn(3, 4));
        GradCheck.check("slice(step)", v -> v.get(0).slice(0, 1, 6, 2).exp(), in.randn(7, 2));
        GradCheck.check("select", v -> v.get(0).select(1, -1).exp(), in.randn(3, 4));
    }

    @Test
    void squeezeUnsqueezeFlatten() {
        GradCheck.check("squeeze/unsqueeze",
                v -> v.get(0).unsqueeze(1).squeeze(1).flatten(0, 1).exp(), in.randn(3, 4));
    }

    @Test
    void catStackSplit() {
        GradCheck.check("cat", v -> Variable.cat(List.of(v.get(0), v.get(1).mT()), 0).exp(),
                in.randn(2, 3), in.randn(3, 4));
        GradCheck.check("stack", v -> Variable.stack(List.of(v.get(0), v.get(1)), 2).exp(),
                in.randn(2, 3), in.randn(2, 3));
        GradCheck.check("split", v -> {
            List<Variable> parts = v.get(0).split(2, 1);
            return parts.get(0).mul(parts.get(1)).add(parts.get(2).sum());
        }, in.randn(3, 6));
    }

    @Test
    void contiguousOfView() {
        GradCheck.check("contiguous", v -> v.get(0).mT().contiguous().mul(v.get(1)),
                in.randn(3, 4), in.randn(4, 3));
    }
}
