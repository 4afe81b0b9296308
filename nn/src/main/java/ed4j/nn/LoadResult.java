package ed4j.nn;

import ed4j.tensor.Shape;
import java.util.List;

/**
 * What a state-dict load found besides matching keys.
 *
 * @param missing keys the module has and the weights lack
 * @param unexpected keys the weights have and the module lacks
 * @param mismatched keys present on both sides with different shapes
 */
public record LoadResult(List<String> missing, List<String> unexpected, List<Mismatch> mismatched) {

    /** A key whose shapes differ: the module's shape and the shape in the weights. */
    public record Mismatch(String key, Shape expected, Shape found) {
        @Override
        public String toString() {
            return key + " (expected " + expected + ", found " + found + ")";
        }
    }

    public LoadResult {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
    }

    /** True when every key matched. */
    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
    }

    /** A message that names the first mismatched key and both shapes, then counts the rest. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (!mismatched.isEmpty()) {
            sb.append("shape mismatch for ").append(mismatched.get(0));
            if (mismatched.size() > 1) {
                sb.append(" and ").append(mismatched.size() - 1).append(" more");
            }
            sb.append("; ");
        }
        if (!missing.isEmpty()) {
            sb.append(missing.size()).append(" missing key(s), first ")
                    .append(firstFew(missing)).append("; ");
        }
        if (!unexpected.isEmpty()) {
            sb.append(unexpected.size()).append(" unexpected key(s), first ")
                    .append(firstFew(unexpected)).append("; ");
        }
        if (sb.length() == 0) {
            return "all keys matched";
        }
        sb.setLength(sb.length() - 2);
        if (!mismatched.isEmpty() || (!missing.isEmpty() && !unexpected.isEmpty())) {
            sb.append(" (are these weights for another architecture or width?)");
        }
        return sb.toString();
    }

    private static String firstFew(List<String> keys) {
        return keys.subList(0, Math.min(3, keys.size())).toString();
    }
}
