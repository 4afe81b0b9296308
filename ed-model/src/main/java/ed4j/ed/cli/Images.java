package ed4j.ed.cli;

import ed4j.datasets.ByteImage;
import ed4j.datasets.ImageDecoder;
import ed4j.datasets.Preprocess;
import ed4j.datasets.Transforms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Image files named on the command line: files, or folders searched for images. */
final class Images {

    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp");

    private Images() {}

    /** The image files of {@code paths}, folders expanded (recursively, sorted). */
    static List<Path> expand(List<Path> paths) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    s.filter(Files::isRegularFile).filter(Images::isImage).sorted()
                            .forEach(out::add);
                }
            } else if (Files.isRegularFile(p)) {
                out.add(p);
            } else {
                throw new IOException("input " + p + " does not exist");
            }
        }
        if (out.isEmpty()) {
            throw new IOException("no image found in " + paths + " (looked for "
                    + EXTENSIONS + ")");
        }
        return out;
    }

    private static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(n::endsWith);
    }

    /**
     * Output names for the inputs: the file stem, or for files found in a folder their path
     * below it with separators turned into underscores ({@code good/000.png} becomes
     * {@code good_000}), so that equal stems in different folders do not collide.
     */
    static java.util.Map<Path, String> outputNames(List<Path> inputs, List<Path> files) {
        java.util.Map<Path, String> names = new java.util.LinkedHashMap<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (Path f : files) {
            String name = stem(f);
            for (Path in : inputs) {
                if (Files.isDirectory(in) && f.startsWith(in)) {
                    String rel = in.relativize(f).toString();
                    int dot = rel.lastIndexOf('.');
                    name = (dot > 0 ? rel.substring(0, dot) : rel)
                            .replace(java.io.File.separatorChar, '_');
                    break;
                }
            }
            String unique = name;
            for (int i = 2; !used.add(unique); i++) {
                unique = name + "-" + i;
            }
            names.put(f, unique);
        }
        return names;
    }

    /** File name without extension. */
    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** The resized 8-bit RGB image. */
    static ByteImage load(Path file, Preprocess pre) throws IOException {
        return pre.image(ImageDecoder.decodeRgb(file));
    }

    /** The normalised {@code (3, s, s)} tensor of a resized RGB image. */
    static ed4j.tensor.Tensor tensor(ByteImage resized) {
        return Transforms.toImagenetTensor(resized);
    }
}
