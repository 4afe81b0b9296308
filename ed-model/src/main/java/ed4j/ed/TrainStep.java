package ed4j.ed;

import ed4j.autograd.Variable;
import ed4j.nn.optim.Optimizer;
import ed4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch of training over every level (ED-SPEC section 4).
 *
 * <p>{@link Mode#PUBLISHED} reproduces the published loop: the levels in turn, each with its
 * gradients zeroed, {@code loss1} backpropagated keeping the graph, then {@code loss2} (so the
 * reconstruction term counts twice), then one optimizer step over the parameters of all levels;
 * two steps per batch for two levels. The two backward passes are taken as one pass over
 * {@code loss1 + loss2}, whose gradients are their sum. {@link Mode#JOINT} sums both losses of
 * all levels and takes one step.
 */
public final class TrainStep {

    /** How the levels' losses become optimizer steps. */
    public enum Mode {
        PUBLISHED,
        JOINT
    }

    private TrainStep() {}

    /**
     * Runs one batch.
     *
     * @param models one model per level
     * @param tokens pooled tokens {@code (B, L, C)} per level
     * @param references normal prototypes {@code (C, L)} per level
     * @return the loss terms of each level, by name, with {@code loss1} and {@code loss2}
     */
    public static List<Map<String, Double>> run(List<EdModel> models, Optimizer optimizer,
            List<Tensor> tokens, List<Tensor> references, double lambda1, double lambda2,
            Mode mode) {
        List<Map<String, Double>> out = new ArrayList<>();
        if (mode == Mode.JOINT) {
            optimizer.zeroGrad();
            Variable total = null;
            for (int lvl = 0; lvl < models.size(); lvl++) {
                EdLoss.Terms t = levelLoss(models.get(lvl), tokens.get(lvl),
                        references.get(lvl), lambda1, lambda2);
                Variable sum = t.loss1().add(t.loss2());
                total = total == null ? sum : total.add(sum);
                out.add(record(t));
            }
            total.backward();
            optimizer.step();
            return out;
        }
        for (int lvl = 0; lvl < models.size(); lvl++) {
            EdLoss.Terms t = levelLoss(models.get(lvl), tokens.get(lvl), references.get(lvl),
                    lambda1, lambda2);
            optimizer.zeroGrad();
            // Gradients are linear in the loss: one pass over loss1 + loss2 leaves in every
            // gradient what a pass over loss1 and then one over loss2 add up to (to rounding),
            // at the cost of one backward pass instead of two.
            t.loss1().add(t.loss2()).backward();
            optimizer.step();
            out.add(record(t));
        }
        return out;
    }

    private static EdLoss.Terms levelLoss(EdModel model, Tensor tokens, Tensor reference,
            double lambda1, double lambda2) {
        Variable in = Variable.constant(tokens);
        EdModel.Output o = model.forward(in, reference);
        return EdLoss.compute(o, in, model.config(), lambda1, lambda2);
    }

    private static Map<String, Double> record(EdLoss.Terms t) {
        Map<String, Double> m = new LinkedHashMap<>(t.values());
        m.put("loss1", t.loss1().item());
        m.put("loss2", t.loss2().item());
        return m;
    }

    /** The parameters of all levels by {@code level<i>.<key>}, for one optimizer. */
    public static Map<String, Variable> parameters(List<EdModel> models) {
        Map<String, Variable> all = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            final int lvl = i;
            models.get(i).namedParameters().forEach((k, v) -> all.put("level" + lvl + "." + k, v));
        }
        return all;
    }
}
