package ed4j.tensor.cuda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameter types of each kernel ({@code .entry}) of a PTX module, as tokens that
 * {@link KernelArgs#ptxTypes()} also produces: {@code u32} (int), {@code u64} (pointer),
 * {@code f64} (double), {@code b8[N]} (a struct of N bytes). A launch whose arguments do not
 * match is refused before it reaches the driver, with both lists in the message.
 */
final class PtxSignatures {

    private static final Pattern ENTRY =
            Pattern.compile("\\.entry\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile(
            "\\.param\\s+(?:\\.align\\s+\\d+\\s+)?\\.([a-z]+\\d+)(?:\\s+\\.ptr[^,]*?)?\\s+"
                    + "[A-Za-z_][A-Za-z0-9_]*(\\[\\d+\\])?");

    private PtxSignatures() {}

    /** Kernel name to parameter tokens, in file order. */
    static Map<String, List<String>> parse(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher e = ENTRY.matcher(ptx);
        while (e.find()) {
            List<String> params = new ArrayList<>();
            Matcher p = PARAM.matcher(e.group(2));
            while (p.find()) {
                params.add(p.group(1) + (p.group(2) == null ? "" : p.group(2)));
            }
            out.put(e.group(1), List.copyOf(params));
        }
        return out;
    }

    /**
     * Checks a launch against the module's signatures.
     *
     * @throws IllegalStateException naming the kernel and both parameter lists on a mismatch, or
     *     the family when it has no such kernel
     */
    static void check(Map<String, List<String>> module, String family, String kernel,
            KernelArgs args) {
        List<String> want = module.get(kernel);
        if (want == null) {
            throw new IllegalStateException("kernel " + kernel + " is not in " + family
                    + ".ptx; its kernels are " + module.keySet());
        }
        if (!want.equals(args.ptxTypes())) {
            throw new IllegalStateException("kernel " + kernel + " of " + family + ".ptx takes "
                    + want + " but the launcher passes " + args.ptxTypes() + " "
                    + args.signature());
        }
    }
}
