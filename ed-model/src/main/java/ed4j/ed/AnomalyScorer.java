package ed4j.ed;

import ed4j.autograd.GradMode;
import ed4j.autograd.Variable;
import ed4j.tensor.Tensor;
import java.util.List;

/**
 * Anomaly scores and maps (ED-SPEC section 5), in evaluation mode. Shapes: B batch, L tokens on
 * an {@code h x w} grid, C channels.
 *
 * <pre>
 * rec   = mean_C (in - out)^2 + 1 - cos(in, out)                         (B, L)
 * corr  = mean_layers( KL(A_c, P_c) + KL(P_c, A_c) )                     (B, L)
 * inter = softmax_L(-corr);  inter = max_L(inter) - inter   (per image)
 * score = rec * inter (inter on), rec * softmax_L(-corr_intra) (intra only), rec (neither)
 * </pre>
 * A level's map is its score on the grid, bilinearly upsampled (align_corners) to the input
 * size; the image's map averages the levels' maps.
 */
public final class AnomalyScorer {

    private AnomalyScorer() {}

    /** Token scores {@code (B, h, w)} of one level from a forward pass in eval mode. */
    public static Tensor levelScores(EdModel.Output out, Tensor tokens, EdConfig cfg) {
        try (GradMode.Scope s = GradMode.noGrad()) {
            Variable in = Variable.constant(tokens);
            Variable rec = out.reconstruction();
            Variable recScore = in.sub(rec).square().mean(-1, false)
                    .add(EdLoss.cosine(in, rec).rsub(1.0));
            Variable score;
            if (cfg.withInter()) {
                Variable inter = correlation(out.layers(), false).neg().softmax(-1);
                inter = inter.amax(new int[] {-1}, true).sub(inter);
                score = recScore.mul(inter);
            } else if (cfg.withIntra()) {
                score = recScore.mul(correlation(out.layers(), true).neg().softmax(-1));
            } else {
                score = recScore;
            }
            return score.data().reshape(tokens.size(0), cfg.gridH(), cfg.gridW());
        }
    }

    /** {@code mean_layers(KL(A, P) + KL(P, A))} averaged over heads, {@code (B, L)}. */
    private static Variable correlation(List<EncoderLayer.Output> layers, boolean intra) {
        Variable sum = null;
        for (EncoderLayer.Output o : layers) {
            Variable a = intra ? o.intraCorr() : o.interCorr();
            Variable d = EdLoss.divergences(a, intra ? o.intraPrior() : o.interPrior());
            Variable c = d.narrow(3, 0, 2).sum(3, false).mean(1, false);
            sum = sum == null ? c : sum.add(c);
        }
        return sum.div(layers.size());
    }

    /** One level's scores {@code (B, h, w)} upsampled to {@code (B, size, size)}. */
    public static Tensor upsample(Tensor scores, int size) {
        return scores.unsqueeze(1).upsampleBilinear2d(size, size, true).squeeze(1);
    }

    /** The average of the levels' upsampled maps, {@code (B, size, size)}. */
    public static Tensor combine(List<Tensor> levelScores, int size) {
        Tensor sum = null;
        for (Tensor s : levelScores) {
            Tensor up = upsample(s, size);
            sum = sum == null ? up : sum.add(up);
        }
        return sum.div(levelScores.size());
    }
}
