package ed4j.nn.io;

import ed4j.tensor.Tensor;
import ed4j.tensor.io.ElementType;
import ed4j.tensor.io.TensorBytes;
import ed4j.tensor.io.ZipMembers;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch checkpoints written by {@code torch.save} (the zip format of torch 1.6 and
 * later) without Python: {@code <folder>/data.pkl} is run by {@link TorchPickle}, and each
 * storage it names is read from {@code <folder>/data/<key>}, in the byte order of the optional
 * {@code <folder>/byteorder} record (little-endian when absent). The folder may have any name.
 *
 * <p>{@link #read} returns the whole value (see Note [Pickle object model] in {@link
 * TorchPickle}); {@link #readStateDict} and {@link #readStateDicts} return the tensors of flat
 * state dicts by key, also when they are wrapped as {@code {'state_dict': ...}} or {@code
 * {'model': ...}}, and {@link #toStateDict} converts a nested value such as one entry of ED's
 * {@code {'state_dict': [sd_level0, sd_level1]}}.
 *
 * <p>Files are untrusted: {@code data.pkl} may be at most {@link #MAX_PICKLE_BYTES} long, every
 * storage must hold exactly the elements its persistent id declares, zip member sizes must be
 * possible for their compressed sizes, and the pickle runs under {@link TorchPickle}'s bounds.
 * Legacy files of torch before 1.6 (a bare pickle stream or a tar archive) are recognised and
 * rejected with a hint to re-save them.
 */
public final class PthReader {

    /** The longest {@code data.pkl} accepted. */
    public static final long MAX_PICKLE_BYTES = 64L << 20;

    /** The most zip entries an archive may hold. */
    public static final int MAX_ENTRIES = 1 << 20;

    private PthReader() {}

    /**
     * The value stored in a checkpoint.
     *
     * @throws IOException naming the file when it is not a readable torch.save archive
     */
    public static Object read(Path file) throws IOException {
        String where = file.toString();
        checkMagic(file, where);
        long archiveSize = Files.size(file);
        try (ZipFile zip = ZipMembers.open(file, where)) {
            ZipMembers.Budget budget = new ZipMembers.Budget(archiveSize);
            String prefix = archivePrefix(zip, where);
            ByteOrder order = byteOrder(zip, prefix, budget, where);
            ZipEntry pklEntry = zip.getEntry(prefix + "data.pkl");
            byte[] pickle = ZipMembers.readAll(zip, pklEntry, budget, MAX_PICKLE_BYTES,
                    where + "!" + pklEntry.getName());
            TorchPickle.StorageSource source = (key, type, numel) ->
                    loadStorage(zip, prefix, key, type, numel, order, budget, where);
            return TorchPickle.load(pickle, source, where);
        } catch (EOFException e) {
            throw new IOException(where + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // Errors of the inflater name no file.
            String m = e.getMessage();
            throw m != null && m.startsWith(where) ? e : new IOException(where + ": " + m, e);
        }
    }

    /**
     * The tensors of a flat state dict stored bare, or as the value of a top-level {@code
     * 'state_dict'} or {@code 'model'} key, in file order.
     *
     * @throws IOException naming the file when it holds no such state dict, or a list of them
     *     (use {@link #readStateDicts})
     */
    public static LinkedHashMap<String, Tensor> readStateDict(Path file) throws IOException {
        Object target = unwrap(read(file));
        if (target instanceof List<?> l) {
            throw new IOException(file + ": holds a " + TorchPickle.typeName(l) + " of "
                    + l.size() + " values where a state dict was expected; use readStateDicts");
        }
        try {
            return toStateDict(target);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The state dicts of a file that holds a list (or tuple) of them, bare or under {@code
     * 'state_dict'} or {@code 'model'}, as ED's checkpoints do; a single state dict gives a
     * one-element list.
     *
     * @throws IOException naming the file when a value is not a flat state dict
     */
    public static List<LinkedHashMap<String, Tensor>> readStateDicts(Path file)
            throws IOException {
        Object target = unwrap(read(file));
        List<LinkedHashMap<String, Tensor>> out = new ArrayList<>();
        try {
            if (target instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    try {
                        out.add(toStateDict(l.get(i)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("entry " + i + ": " + e.getMessage(),
                                e);
                    }
                }
            } else {
                out.add(toStateDict(target));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * A flat state dict (string keys, tensor values) from a value of the pickle object model.
     *
     * @throws IllegalArgumentException naming the first key that is not a string or whose value
     *     is not a tensor, or the type found when {@code value} is not a dict
     */
    public static LinkedHashMap<String, Tensor> toStateDict(Object value) {
        if (!(value instanceof TorchPickle.Dict d)) {
            throw new IllegalArgumentException(
                    "expected a state dict (a dict of tensors), found "
                            + TorchPickle.typeName(value));
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : d.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("state dict key " + e.getKey() + " of type "
                        + TorchPickle.typeName(e.getKey()) + " is not a string");
            }
            if (!(e.getValue() instanceof Tensor t)) {
                throw new IllegalArgumentException("state dict entry '" + key + "' holds "
                        + TorchPickle.typeName(e.getValue()) + ", not a tensor");
            }
            out.put(key, t);
        }
        return out;
    }

    /** The state dict itself, or the value under 'state_dict' or 'model' of a wrapper dict. */
    private static Object unwrap(Object root) {
        if (root instanceof TorchPickle.Dict d && !isStateDict(d)) {
            for (String key : new String[] {"state_dict", "model"}) {
                if (d.containsKey(key)) {
                    return d.get(key);
                }
            }
        }
        return root;
    }

    private static boolean isStateDict(TorchPickle.Dict d) {
        for (Map.Entry<Object, Object> e : d.entrySet()) {
            if (!(e.getKey() instanceof String) || !(e.getValue() instanceof Tensor)) {
                return false;
            }
        }
        return true;
    }

    // ---- the archive ------------------------------------------------------------------------

    private static void checkMagic(Path file, String where) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        boolean pickle = n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        boolean tar = n >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII)
                .equals("ustar");
        if (pickle || tar) {
            throw new IOException(where + ": this is the legacy (non-zip) format of torch.save"
                    + " from torch before 1.6, which is not supported; re-save it with a newer"
                    + " torch: torch.save(torch.load(path), new_path)");
        }
        throw new IOException(where + ": not a PyTorch checkpoint (a torch.save zip archive"
                + " starts with 'PK\\x03\\x04')" + (n == 0 ? "; the file is empty" : ""));
    }

    /** The folder holding {@code data.pkl}, with its trailing slash. */
    private static String archivePrefix(ZipFile zip, String where) throws IOException {
        String found = null;
        for (ZipEntry e : ZipMembers.entries(zip, MAX_ENTRIES, where)) {
            String name = e.getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.indexOf('/', slash + 1) < 0
                    && name.substring(slash + 1).equals("data.pkl")) {
                if (found != null) {
                    throw new IOException(where + ": two data.pkl records (" + found + " and "
                            + name + ")");
                }
                found = name;
            }
        }
        if (found == null) {
            throw new IOException(where + ": no <folder>/data.pkl record, so this is not an"
                    + " archive written by torch.save");
        }
        return found.substring(0, found.indexOf('/') + 1);
    }

    private static ByteOrder byteOrder(ZipFile zip, String prefix, ZipMembers.Budget budget,
            String where) throws IOException {
        ZipEntry e = zip.getEntry(prefix + "byteorder");
        if (e == null) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        String v = new String(ZipMembers.readAll(zip, e, budget, 16, where + "!"
                + e.getName()), StandardCharsets.US_ASCII);
        return switch (v) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new IOException(where + ": byteorder record says '" + v
                    + "', expected 'little' or 'big'");
        };
    }

    private static Object loadStorage(ZipFile zip, String prefix, String key, ElementType type,
            int numel, ByteOrder order, ZipMembers.Budget budget, String where)
            throws IOException {
        String name = prefix + "data/" + key;
        ZipEntry e = key.isEmpty() || key.indexOf('/') >= 0 ? null : zip.getEntry(name);
        if (e == null) {
            throw new IOException(where + ": storage '" + key + "' has no record " + name);
        }
        String member = where + "!" + name;
        long size = budget.charge(e, member);
        long expected = (long) numel * type.byteSize();
        if (size != expected) {
            throw new IOException(member + ": holds " + size + " bytes, but the pickle declares "
                    + numel + " elements of " + type + " (" + expected + " bytes)");
        }
        try (InputStream in = ZipMembers.stream(zip, e, member)) {
            // A stored record lies within the archive, so its size is backed by real bytes.
            Object array = TensorBytes.read(in, type, order, numel,
                    e.getMethod() == ZipEntry.STORED);
            if (in.read() >= 0) {
                throw new IOException(member + ": holds more than the " + size
                        + " bytes the zip directory states");
            }
            return array;
        } catch (EOFException ex) {
            throw new IOException(member + ": " + ex.getMessage(), ex);
        }
    }
}
