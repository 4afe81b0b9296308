package ed4j.tensor.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Replaces files so that readers see either the old content or the complete new one: the
 * content goes to a temporary file in the same directory, which is flushed to disk and then
 * renamed over the target.
 */
public final class AtomicFiles {

    /** Writes the content of a file through its channel. */
    @FunctionalInterface
    public interface Body {
        /** Writes everything to {@code channel}. */
        void write(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {}

    /** Writes {@code bytes} to {@code target} atomically (see {@link #write(Path, Body)}). */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        });
    }

    /**
     * Writes {@code target} atomically. The rename uses {@code ATOMIC_MOVE} and falls back to
     * {@code REPLACE_EXISTING} where the file system cannot move atomically. On failure the
     * temporary file is deleted and {@code target} is left as it was.
     */
    public static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        // NOTE: createFile, unlike createTempFile, gives the file the usual permissions (umask),
        // which the target keeps after the rename.
        Path tmp = Files.createFile(
                dir.resolve("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp"));
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                body.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
