package ed4j.autograd;

import ed4j.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The reverse-mode walk. It counts, for every node reachable from the root, how many edges lead
 * into it, then runs nodes once all of their consumers have delivered gradients, latest-recorded
 * first. The walk is iterative: a graph thousands of nodes deep does not grow the Java stack.
 */
final class Engine {

    private Engine() {}

    static void backward(Variable root, Tensor gradRoot, boolean retainGraph) {
        Function start = root.gradientSink();
        Map<Function, Integer> pending = countDependencies(start);
        Map<Function, Tensor> grads = new IdentityHashMap<>();
        grads.put(start, gradRoot);
        PriorityQueue<Function> ready =
                new PriorityQueue<>((a, b) -> Long.compare(b.sequence, a.sequence));
        ready.add(start);
        while (!ready.isEmpty()) {
            Function fn = ready.poll();
            Tensor grad = grads.remove(fn);
            Function[] next = fn.next;
            Tensor[] inputGrads = null;
            if (grad != null) {
                if (fn.isReleased()) {
                    throw new IllegalStateException(
                            "backward: the graph through " + fn.name() + " was freed by an "
                                    + "earlier backward pass; call the first backward with "
                                    + "retainGraph=true to run backward through the same graph "
                                    + "again");
                }
                inputGrads = fn.backward(grad);
                if (!retainGraph && !(fn instanceof AccumulateGrad)) {
                    fn.release();
                }
            }
            // A node reached only by null gradients still completes, so that nodes below it
            // that also get gradients from elsewhere are released for running.
            for (int i = 0; next != null && i < next.length; i++) {
                Function target = next[i];
                if (target == null) {
                    continue;
                }
                Tensor g = inputGrads != null && i < inputGrads.length ? inputGrads[i] : null;
                if (g != null) {
                    Tensor prev = grads.get(target);
                    grads.put(target, prev == null ? g : prev.add(g));
                }
                if (pending.merge(target, -1, Integer::sum) == 0) {
                    ready.add(target);
                }
            }
        }
    }

    /** Number of incoming edges of every node reachable from {@code start}. */
    private static Map<Function, Integer> countDependencies(Function start) {
        Map<Function, Integer> count = new IdentityHashMap<>();
        Map<Function, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Function> stack = new ArrayDeque<>();
        stack.push(start);
        seen.put(start, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Function fn = stack.pop();
            if (fn.next == null) {
                continue;
            }
            for (Function target : fn.next) {
                if (target == null) {
                    continue;
                }
                count.merge(target, 1, Integer::sum);
                if (seen.put(target, Boolean.TRUE) == null) {
                    stack.push(target);
                }
            }
        }
        return count;
    }
}
