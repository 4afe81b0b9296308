package ed4j.tensor.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Size checks and bounded reads for members of untrusted zip archives ({@code .npz}, PyTorch
 * checkpoints). A member's uncompressed size, from the zip directory, must be possible for its
 * compressed size: equal for stored members, and at most {@link #MAX_DEFLATE_RATIO} times larger
 * (plus 1 KiB) for deflated ones, since deflate cannot expand data further. A {@link Budget}
 * makes sure that the members read from one archive do not overlap: their compressed sizes may
 * not add up to more than the archive, which defeats archives whose directory points many
 * entries at the same bytes.
 */
public final class ZipMembers {

    /** Deflate expands data by at most about 1032:1. */
    public static final long MAX_DEFLATE_RATIO = 1032;

    private ZipMembers() {}

    /** The compressed bytes left to the members of one archive. */
    public static final class Budget {
        private final long archiveSize;
        private long left;

        /** A budget for an archive of {@code archiveSize} bytes. */
        public Budget(long archiveSize) {
            this.archiveSize = archiveSize;
            this.left = archiveSize;
        }

        /**
         * The checked uncompressed size of {@code e} (see {@link ZipMembers#size}), charging its
         * compressed size to this budget.
         *
         * @throws IOException naming {@code member} when the members read so far, with this one,
         *     take more compressed bytes than the archive holds
         */
        public long charge(ZipEntry e, String member) throws IOException {
            long size = size(e, archiveSize, member);
            if (e.getCompressedSize() > left) {
                throw new IOException(member + ": the members read take more than the "
                        + archiveSize + " bytes of the archive (overlapping zip entries)");
            }
            left -= e.getCompressedSize();
            return size;
        }
    }

    /**
     * Opens an archive. {@code java.util.zip} reports a few malformed archives with unchecked
     * exceptions; these, like its {@link IOException}s, become an {@link IOException} naming
     * {@code where}.
     */
    public static ZipFile open(Path file, String where) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IOException(where + ": not a readable zip archive: " + e.getMessage(), e);
        }
    }

    /**
     * The entries of an archive in directory order, at most {@code maxEntries} of them.
     *
     * @throws IOException naming {@code where} when there are more or the directory is malformed
     */
    public static List<ZipEntry> entries(ZipFile zip, int maxEntries, String where)
            throws IOException {
        List<ZipEntry> out = new ArrayList<>();
        try {
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                if (out.size() == maxEntries) {
                    throw new IOException(where + ": more than " + maxEntries + " zip entries");
                }
                out.add(en.nextElement());
            }
        } catch (RuntimeException e) {
            throw new IOException(where + ": malformed zip directory: " + e, e);
        }
        return out;
    }

    /**
     * The content stream of one member.
     *
     * @throws IOException naming {@code member} when it cannot be opened
     */
    public static InputStream stream(ZipFile zip, ZipEntry e, String member) throws IOException {
        try {
            return zip.getInputStream(e);
        } catch (IOException | RuntimeException ex) {
            throw new IOException(member + ": cannot open the zip member: " + ex.getMessage(), ex);
        }
    }

    /**
     * The uncompressed size of {@code e}, checked against its compressed size and the size of
     * the archive.
     *
     * @throws IOException naming {@code member} when the sizes are impossible or the compression
     *     method is neither stored nor deflated
     */
    public static long size(ZipEntry e, long archiveSize, String member) throws IOException {
        long size = e.getSize();
        long csize = e.getCompressedSize();
        if (size < 0 || csize < 0 || csize > archiveSize) {
            throw new IOException(member + ": invalid sizes in the zip directory (size " + size
                    + ", compressed " + csize + ", archive " + archiveSize + " bytes)");
        }
        boolean ok = switch (e.getMethod()) {
            case ZipEntry.STORED -> size == csize;
            case ZipEntry.DEFLATED -> size <= csize * MAX_DEFLATE_RATIO + 1024;
            default -> false;
        };
        if (!ok) {
            throw new IOException(member + ": unsupported compression method " + e.getMethod()
                    + " or impossible size " + size + " for " + csize + " compressed bytes");
        }
        return size;
    }

    /**
     * The whole content of {@code e}, which must be at most {@code maxBytes} long and hold
     * exactly the size the zip directory states.
     *
     * @throws IOException naming {@code member} when the member is too large, shorter or longer
     *     than stated, or unreadable
     */
    public static byte[] readAll(ZipFile zip, ZipEntry e, Budget budget, long maxBytes,
            String member) throws IOException {
        long size = budget.charge(e, member);
        if (size > maxBytes) {
            throw new IOException(member + ": " + size + " bytes exceeds the limit of " + maxBytes);
        }
        try (InputStream in = stream(zip, e, member)) {
            byte[] out = in.readNBytes((int) size);
            if (out.length != size || in.read() >= 0) {
                throw new IOException(member + ": holds " + (out.length != size ? "fewer"
                        : "more") + " than the " + size + " bytes the zip directory states");
            }
            return out;
        }
    }
}
