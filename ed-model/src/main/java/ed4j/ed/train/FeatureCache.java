package ed4j.ed.train;

import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The frozen backbone's pooled tokens of every training image, computed once and reused each
 * epoch (ED-SPEC section 1: no augmentation, so features never change).
 *
 * <p>Items stay on the heap until a memory budget is reached; later items go to one raw float32
 * file each in a spill folder, read back on use. Every item holds one {@code (L, C)} float32
 * array per feature level.
 */
public final class FeatureCache implements AutoCloseable {

    private final long budgetBytes;
    private final Path spillDir;
    private final List<float[][]> inMemory = new ArrayList<>();
    private final List<Path> spilled = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private long bytesInMemory;
    private int count;

    /**
     * @param budgetBytes heap bytes to fill before spilling to disk
     * @param spillDir folder for spilled items (created on first use, deleted on close)
     */
    public FeatureCache(long budgetBytes, Path spillDir) {
        this.budgetBytes = budgetBytes;
        this.spillDir = spillDir;
    }

    /** Number of items. */
    public int size() {
        return count;
    }

    /** True when some items live on disk. */
    public boolean spills() {
        return spilled.stream().anyMatch(p -> p != null);
    }

    /** Adds one image's tokens, one {@code (L, C)} tensor per level, in level order. */
    public synchronized void add(List<Tensor> levels) {
        if (shapes.isEmpty()) {
            levels.forEach(t -> shapes.add(t.shape()));
        }
        float[][] data = new float[levels.size()][];
        long bytes = 0;
        for (int i = 0; i < levels.size(); i++) {
            if (!levels.get(i).shape().equals(shapes.get(i))) {
                throw new IllegalArgumentException(
                        "feature cache: level " + i + " tokens of shape " + levels.get(i).shape()
                                + " differ from the first image's " + shapes.get(i));
            }
            data[i] = levels.get(i).toFloatArray();
            bytes += 4L * data[i].length;
        }
        if (bytesInMemory + bytes <= budgetBytes) {
            inMemory.add(data);
            spilled.add(null);
            bytesInMemory += bytes;
        } else {
            inMemory.add(null);
            spilled.add(spill(count, data));
        }
        count++;
    }

    /** The tokens of item {@code index}, one {@code (L, C)} tensor per level. */
    public List<Tensor> get(int index) {
        float[][] data = inMemory.get(index);
        if (data == null) {
            data = readBack(spilled.get(index));
        }
        List<Tensor> out = new ArrayList<>(data.length);
        for (int i = 0; i < data.length; i++) {
            out.add(Tensor.of(data[i], shapes.get(i).toArray()));
        }
        return out;
    }

    /** Tokens of several items stacked per level: one {@code (B, L, C)} tensor per level. */
    public List<Tensor> batch(int[] indices) {
        int levels = shapes.size();
        List<Tensor> out = new ArrayList<>(levels);
        List<List<Tensor>> items = new ArrayList<>();
        for (int i : indices) {
            items.add(get(i));
        }
        for (int l = 0; l < levels; l++) {
            List<Tensor> parts = new ArrayList<>();
            for (List<Tensor> item : items) {
                parts.add(item.get(l));
            }
            out.add(Tensor.stack(parts, 0));
        }
        return out;
    }

    private Path spill(int index, float[][] data) {
        try {
            Files.createDirectories(spillDir);
            Path file = spillDir.resolve("item-" + index + ".f32");
            long total = 0;
            for (float[] d : data) {
                total += d.length;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) (4 * total)).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] d : data) {
                buf.asFloatBuffer().put(d);
                buf.position(buf.position() + 4 * d.length);
            }
            buf.flip();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "feature cache: cannot write to " + spillDir + " (" + e.getMessage() + ")", e);
        }
    }

    private float[][] readBack(Path file) {
        try {
            ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[][] data = new float[shapes.size()][];
            for (int i = 0; i < data.length; i++) {
                data[i] = new float[shapes.get(i).numel()];
                buf.asFloatBuffer().get(data[i]);
                buf.position(buf.position() + 4 * data[i].length);
            }
            return data;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "feature cache: cannot read back " + file + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        if (!Files.isDirectory(spillDir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(spillDir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("feature cache: cannot delete " + spillDir, e);
        }
    }
}
