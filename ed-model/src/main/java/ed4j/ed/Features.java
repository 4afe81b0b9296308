package ed4j.ed;

import ed4j.tensor.Pool2dParams;
import ed4j.tensor.Tensor;

/** From backbone feature maps to the tokens ED reconstructs (ED-SPEC section 1, step 3). */
public final class Features {

    private Features() {}

    /**
     * {@code (B, C, h, w)} feature maps to {@code (B, L, C)} tokens: 3x3 average pooling with
     * stride 1 and zero padding counted in the divisor, then row-major tokens (token {@code i}
     * at row {@code i / w}, column {@code i % w}).
     */
    public static Tensor tokens(Tensor features) {
        if (features.rank() != 4) {
            throw new IllegalArgumentException(
                    "tokens: expected features (B, C, h, w), got " + features.shape());
        }
        Tensor pooled = features.avgPool2d(Pool2dParams.of(3, 1, 1));
        int b = pooled.size(0);
        int c = pooled.size(1);
        int l = pooled.size(2) * pooled.size(3);
        return pooled.permute(0, 2, 3, 1).reshape(b, l, c);
    }
}
