package ed4j.tensor.cuda;

import java.util.Locale;

/**
 * Arithmetic of float32 matrix products and convolutions on the GPU. Float64 always runs in
 * float64.
 */
public enum GemmMode {
    /** Float32 inputs and accumulation: the exact mode, and the default. */
    FP32,
    /** Inputs rounded to TF32 (10-bit mantissa) on tensor cores, float32 accumulation. */
    TF32,
    /** Inputs rounded to BF16 (7-bit mantissa) on tensor cores, float32 accumulation. */
    BF16;

    /**
     * Parses {@code fp32}, {@code tf32} or {@code bf16} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static GemmMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "unknown GEMM mode '" + s + "': expected fp32, tf32 or bf16", e);
        }
    }
}
