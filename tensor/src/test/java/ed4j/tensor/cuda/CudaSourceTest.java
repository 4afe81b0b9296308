package ed4j.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ed4j.tensor.BinaryOp;
import ed4j.tensor.IndexReduceOp;
import ed4j.tensor.ReduceOp;
import ed4j.tensor.UnaryOp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Checks the CUDA sources against what the Java side assumes, without a GPU: the committed PTX
 * is fresh, each family has its launcher, kernel names follow the convention, and the op enums
 * and structs of the .cu files match their Java counterparts.
 */
class CudaSourceTest {

    /**
     * The kernel sources: relative to the tensor module (Maven's working directory) or to the
     * repository root (the gpu-checks jar); the source checks are skipped where neither exists.
     */
    static final Path SOURCES = Stream.of("src/main/resources/ed4j/tensor/cuda",
            "tensor/src/main/resources/ed4j/tensor/cuda").map(Path::of)
            .filter(Files::isDirectory).findFirst()
            .orElse(Path.of("src/main/resources/ed4j/tensor/cuda"));

    @BeforeEach
    void requireSources() {
        Assumptions.assumeTrue(Files.isDirectory(SOURCES),
                "the kernel sources are not here (" + SOURCES.toAbsolutePath() + ")");
    }
    static final String REGENERATE = "regenerate with tensor/src/main/cuda/compile_ptx.sh "
            + "(needs nvcc; see tensor/README.md, 'CUDA backend')";

    private static final Pattern INCLUDE =
            Pattern.compile("^\\s*#include\\s*\"([^\"]+)\"", Pattern.MULTILINE);
    private static final Pattern NAME =
            Pattern.compile("[a-z0-9]+(_[a-z0-9]+)*_(forward|backward)_v\\d+(_(f32|f64|i64))+");

    static List<Path> families() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
    }

    static String base(Path cu) {
        String n = cu.getFileName().toString();
        return n.substring(0, n.length() - 3);
    }

    /** SHA-256 of the .cu followed by its quoted includes, in order (as compile_ptx.sh). */
    static String sourceHash(Path cu) throws IOException, NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        String text = Files.readString(cu, StandardCharsets.UTF_8);
        md.update(Files.readAllBytes(cu));
        Matcher m = INCLUDE.matcher(text);
        while (m.find()) {
            md.update(Files.readAllBytes(SOURCES.resolve(m.group(1))));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Test
    void committedPtxMatchesItsSources() throws Exception {
        List<Path> cus = families();
        assertFalse(cus.isEmpty(), "no .cu files under " + SOURCES.toAbsolutePath());
        List<String> stale = new ArrayList<>();
        for (Path cu : cus) {
            Path ptx = SOURCES.resolve(base(cu) + ".ptx");
            if (!Files.exists(ptx)) {
                stale.add(ptx.getFileName() + " is missing");
                continue;
            }
            String first = Files.readAllLines(ptx, StandardCharsets.US_ASCII).get(0);
            String want = "// ed4j-source-sha256: " + sourceHash(cu);
            if (!first.equals(want)) {
                stale.add(ptx.getFileName() + " is stale (records '" + first + "', sources hash"
                        + " to '" + want + "')");
            }
        }
        assertTrue(stale.isEmpty(), String.join("; ", stale) + ": " + REGENERATE);
    }

    @Test
    void headersIncludeNoLocalHeaders() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            for (Path h : s.filter(p -> p.toString().endsWith(".cuh")).toList()) {
                assertFalse(INCLUDE.matcher(Files.readString(h)).find(),
                        h.getFileName() + " includes a local header; the PTX hash of a family "
                                + "covers only the headers the .cu names itself");
            }
        }
    }

    @Test
    void everyFamilyHasItsLauncherAndEveryDeclaredKernelExists() throws Exception {
        for (Path cu : families()) {
            String family = base(cu);
            Class<?> launcher = Class.forName("ed4j.tensor.cuda." + family);
            assertEquals(family, launcher.getDeclaredField("FAMILY").get(null),
                    family + ".FAMILY");
            @SuppressWarnings("unchecked")
            List<String> declared =
                    (List<String>) launcher.getDeclaredMethod("kernelNames").invoke(null);
            Map<String, List<String>> entries = entries(family);
            for (String k : declared) {
                assertNotNull(entries.get(k), k + " is declared by " + family + ".java but is "
                        + "not a kernel of " + family + ".ptx " + entries.keySet());
            }
            for (String k : entries.keySet()) {
                assertTrue(NAME.matcher(k).matches(),
                        k + " does not follow <op>_<forward|backward>_v<N>_<dtype>");
                assertTrue(declared.contains(k), k + " in " + family + ".ptx is not declared "
                        + "by the launcher's kernelNames()");
            }
        }
    }

    static Map<String, List<String>> entries(String family) {
        byte[] ptx = CudaContext.ptx(family);
        return PtxSignatures.parse(new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII));
    }

    @Test
    void kernelSignaturesAreParsed() {
        assertEquals(List.of("u32", "u32", "u64", "b8[72]", "u64"),
                entries("ElementwiseKernels").get("unary_forward_v1_f32"));
        assertEquals(List.of("u32", "u64", "b8[72]", "f64", "f64", "u64"),
                entries("ElementwiseKernels").get("clamp_forward_v1_f64"));
        assertEquals(List.of("b8[64]", "u64", "b8[20]", "u64", "b8[20]", "u64", "u32", "u64",
                "u64", "b8[20]", "u32", "u32"),
                entries("ConvKernels").get("conv2d_forward_v2_f32"));
    }

    /** The enumerators of {@code enum NAME { ... }} in a source file, in order. */
    static List<String> cuEnum(String file, String name) throws IOException {
        String text = Files.readString(SOURCES.resolve(file));
        Matcher m = Pattern.compile("enum\\s+" + name + "\\s*\\{([^}]*)}").matcher(text);
        if (!m.find()) {
            fail("enum " + name + " not found in " + file);
        }
        return Arrays.stream(m.group(1).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList();
    }

    private static void assertMirrors(Enum<?>[] java, List<String> cu, String prefix) {
        List<String> expected = Arrays.stream(java).map(e -> prefix + e.name()).toList();
        assertEquals(expected, cu, "the CUDA enum must list the Java constants in order");
    }

    @Test
    void opCodesMatchTheJavaEnums() throws IOException {
        assertMirrors(UnaryOp.values(), cuEnum("ElementwiseKernels.cu", "UnaryCode"), "U_");
        assertMirrors(BinaryOp.values(), cuEnum("ElementwiseKernels.cu", "BinaryCode"), "B_");
        assertMirrors(ReduceOp.values(), cuEnum("ReduceKernels.cu", "ReduceCode"), "R_");
        assertMirrors(IndexReduceOp.values(), cuEnum("ReduceKernels.cu", "IndexReduceCode"),
                "I_");
    }

    /** The int fields of {@code struct NAME { int a, b; int c; }}, in order. */
    static List<String> cuStruct(String file, String name) throws IOException {
        String text = Files.readString(SOURCES.resolve(file));
        Matcher m = Pattern.compile("struct\\s+" + name + "\\s*\\{([^}]*)}").matcher(text);
        if (!m.find()) {
            fail("struct " + name + " not found in " + file);
        }
        List<String> fields = new ArrayList<>();
        for (String decl : m.group(1).replaceAll("//[^\n]*", "").split(";")) {
            String d = decl.trim();
            if (d.isEmpty()) {
                continue;
            }
            assertTrue(d.startsWith("int "), name + " must hold only ints, found '" + d + "'");
            for (String f : d.substring(4).split(",")) {
                fields.add(f.trim());
            }
        }
        return fields;
    }

    @Test
    void structsMatchTheirJavaEncodings() throws IOException {
        assertEquals(List.of("n", "cin", "h", "w", "cout", "kh", "kw", "oh", "ow", "groups", "sh",
                "sw", "ph", "pw", "dh", "dw"), cuStruct("ConvKernels.cu", "ConvGeom"));
        assertEquals(List.of("n", "c", "h", "w", "oh", "ow", "kh", "kw", "sh", "sw", "ph", "pw",
                "include_pad"), cuStruct("PoolKernels.cu", "PoolGeom"));
        assertEquals(List.of("offset", "sn", "sc", "sh", "sw"), cuStruct("common.cuh", "Nchw"));
        List<String> strided = cuStruct("common.cuh", "Strided");
        assertEquals(List.of("rank", "size[ED4J_MAXD]", "stride[ED4J_MAXD]", "offset"), strided);
        assertTrue(Files.readString(SOURCES.resolve("common.cuh"))
                .contains("#define ED4J_MAXD " + StridedDesc.MAX_DIMS));
    }
}
