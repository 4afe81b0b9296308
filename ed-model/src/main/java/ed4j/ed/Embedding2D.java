package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.Init;
import ed4j.nn.Module;
import ed4j.nn.layers.Conv1d;
import ed4j.tensor.DType;
import ed4j.tensor.Generator;
import ed4j.tensor.Tensor;

/**
 * Embedding2D (ED-SPEC section 3): a per-token linear map {@code C -> d}, stored as PyTorch's
 * 1x1 Conv1d {@code project_embedding.project} (weight {@code (d, C, 1)}), plus the fixed 2-d
 * sinusoidal position code. Input tokens {@code (B, L, C)}, output {@code (B, L, d)}.
 */
public final class Embedding2D extends Module {

    private final Conv1d project;
    private final Tensor positionCode;

    public Embedding2D(int channels, int width, int gridH, int gridW, Generator g) {
        Module holder = registerModule("project_embedding", new Holder());
        project = ((Holder) holder).add(new Conv1d(channels, width, 1, g));
        // Kaiming-normal, fan-in, leaky-ReLU gain with slope 0, i.e. sqrt(2): std sqrt(2 / C).
        project.weight().setData(Init.normal(g, project.weight().shape(),
                Math.sqrt(2.0 / channels), DType.FLOAT32));
        positionCode = positionCode(width, gridH, gridW);
    }

    /** Names the conv {@code project} inside {@code project_embedding}. */
    private static final class Holder extends Module {
        Conv1d add(Conv1d c) {
            return registerModule("project", c);
        }
    }

    /**
     * The position code as tokens, {@code (L, d)}: with {@code q = d/2} and rates
     * {@code r_k = exp(-2k ln(10000) / q)}, channels {@code 2k, 2k+1} hold sin and cos of
     * {@code col * r_k}, channels {@code q+2k, q+2k+1} of {@code row * r_k}.
     */
    static Tensor positionCode(int d, int h, int w) {
        int q = d / 2;
        float[] code = new float[h * w * d];
        for (int k = 0; k < q / 2; k++) {
            // float32 as PyTorch forms the rate, then the angle, before sin and cos.
            float rate = (float) Math.exp((float) (2 * k) * (float) (-Math.log(10000.0) / q));
            for (int row = 0; row < h; row++) {
                for (int col = 0; col < w; col++) {
                    int base = (row * w + col) * d;
                    float ac = col * rate;
                    float ar = row * rate;
                    code[base + 2 * k] = (float) Math.sin(ac);
                    code[base + 2 * k + 1] = (float) Math.cos(ac);
                    code[base + q + 2 * k] = (float) Math.sin(ar);
                    code[base + q + 2 * k + 1] = (float) Math.cos(ar);
                }
            }
        }
        return Tensor.of(code, h * w, d);
    }

    public Conv1d projection() {
        return project;
    }

    /** {@code (B, L, C) -> (B, L, d)}. */
    public Variable forward(Variable tokens) {
        Variable w = project.weight().squeeze(2);
        Variable y = tokens.matmul(w.mT()).add(project.bias());
        Tensor code = positionCode.to(y.dtype()).to(y.device());
        return y.add(Variable.constant(code));
    }
}
