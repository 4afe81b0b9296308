package ed4j.nn.io;

import ed4j.tensor.Shape;
import ed4j.tensor.Storage;
import ed4j.tensor.Tensor;
import ed4j.tensor.io.ElementType;
import ed4j.tensor.io.TensorBytes;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of Python's pickle protocol that {@code torch.save} uses for state dicts and
 * checkpoints, run without Python: a stack machine that builds plain Java values and tensors and
 * refuses everything else.
 *
 * <p>Note [Pickle object model]: the result is built from {@link Dict} (Python dicts and {@code
 * OrderedDict}s, insertion ordered, with the attributes a {@code BUILD} sets, such as the {@code
 * _metadata} of {@code nn.Module.state_dict()}), {@link ArrayList} (lists), unmodifiable {@link
 * List}s (tuples), {@link String}, {@link Long} or {@link BigInteger} (ints), {@link Double}
 * (floats), {@link Boolean}, {@code null} (None), {@link Tensor} (contiguous CPU tensors, with
 * dtypes as {@link ElementType} maps them) and {@link String}s for {@code torch.device}s
 * ("cpu", "cuda:1"). Dict keys must be strings, numbers, booleans or None.
 *
 * <p>Only these globals can be named: {@code collections.OrderedDict}, {@code
 * torch._utils._rebuild_tensor_v2}, {@code torch._utils._rebuild_parameter}, {@code
 * torch._utils._rebuild_parameter_with_state}, {@code torch.device} and the storage classes
 * {@code torch.{Float,Double,Half,BFloat16,Long,Int,Short,Char,Byte,Bool}Storage}. Any other
 * global is rejected with its name: nothing from the file is ever executed or loaded by name.
 *
 * <p>Input is untrusted, so the machine is bounded: at most {@link #MAX_STACK} stack entries and
 * marks, memo indices below {@link #MAX_MEMO}, {@link #MAX_OBJECTS} created values, results
 * nested at most {@link #MAX_DEPTH} deep and free of reference cycles (so that recursive code
 * such as {@code toString} can walk them), and copies of tensor views limited to {@link
 * #MAX_EXPANSION} times the stored elements plus 2^24, so a small file cannot expand into a huge
 * allocation through overlapping or zero-stride views.
 */
public final class TorchPickle {

    /** Most stack entries, and separately most open marks. */
    public static final int MAX_STACK = 1 << 20;

    /** Memo indices must be below this. */
    public static final int MAX_MEMO = 1 << 22;

    /** Most values (containers, strings, numbers, tensors) one pickle may create. */
    public static final int MAX_OBJECTS = 1 << 22;

    /** Deepest nesting of containers in the result. */
    public static final int MAX_DEPTH = 100;

    /** Most dims of a tensor. */
    public static final int MAX_RANK = 64;

    /** Elements copied out of views may total this many times the stored elements, plus 2^24. */
    public static final int MAX_EXPANSION = 4;

    private static final int MAX_GLOBAL_NAME = 256;
    private static final int MAX_LONG_BYTES = 1024;

    /**
     * A Python dict or {@code OrderedDict} from a pickle, in insertion order, plus the instance
     * attributes that {@code BUILD} gave it (see Note [Pickle object model]).
     */
    public static final class Dict extends LinkedHashMap<Object, Object> {
        private final Map<String, Object> attributes = new LinkedHashMap<>();

        /** Instance attributes, e.g. {@code _metadata} of a module's state dict. */
        public Map<String, Object> attributes() {
            return Collections.unmodifiableMap(attributes);
        }
    }

    /** Supplies the storages a pickle refers to by persistent id. */
    @FunctionalInterface
    public interface StorageSource {
        /**
         * The elements of storage {@code key}, which must hold exactly {@code numel} elements of
         * {@code type}, as an engine array (float[], double[] or long[]).
         *
         * @throws IOException when the storage is missing or does not hold that many elements
         */
        Object load(String key, ElementType type, int numel) throws IOException;
    }

    // ---- markers that live only on the stack ------------------------------------------------

    private enum Global {
        ORDERED_DICT("collections", "OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils", "_rebuild_tensor_v2"),
        REBUILD_PARAMETER("torch._utils", "_rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils", "_rebuild_parameter_with_state"),
        DEVICE("torch", "device");

        final String module;
        final String name;

        Global(String module, String name) {
            this.module = module;
            this.name = name;
        }

        @Override
        public String toString() {
            return module + "." + name;
        }
    }

    private record StorageClass(String name, ElementType type) {
        @Override
        public String toString() {
            return "torch." + name;
        }
    }

    private record StorageRef(String key, StorageClass cls, Storage storage) {
        @Override
        public String toString() {
            return "storage '" + key + "' (" + cls.name + ")";
        }
    }

    private static final Map<String, ElementType> STORAGE_TYPES = Map.of(
            "FloatStorage", ElementType.FLOAT32,
            "DoubleStorage", ElementType.FLOAT64,
            "HalfStorage", ElementType.FLOAT16,
            "BFloat16Storage", ElementType.BFLOAT16,
            "LongStorage", ElementType.INT64,
            "IntStorage", ElementType.INT32,
            "ShortStorage", ElementType.INT16,
            "CharStorage", ElementType.INT8,
            "ByteStorage", ElementType.UINT8,
            "BoolStorage", ElementType.BOOL);

    private static final Object MARK_NONE = new Object();

    // ---- state ------------------------------------------------------------------------------

    private final byte[] data;
    private final StorageSource storages;
    private final String where;
    private int pos;
    private int opStart;
    private final ArrayList<Object> stack = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    private Object[] memo = new Object[64];
    private int memoCount;
    private long objects;
    private long storedElements;
    private long copiedElements;
    private final Map<String, StorageRef> loaded = new HashMap<>();

    private TorchPickle(byte[] data, StorageSource storages, String where) {
        this.data = data;
        this.storages = storages;
        this.where = where;
    }

    /**
     * Runs a pickle and returns its value (see Note [Pickle object model]).
     *
     * @param where names the file in error messages
     * @throws IOException naming {@code where} and the pickle offset when the pickle is malformed,
     *     names a global outside the allow-list, or exceeds a bound
     */
    public static Object load(byte[] pickle, StorageSource storages, String where)
            throws IOException {
        TorchPickle p = new TorchPickle(pickle, storages, where);
        Object result = p.run();
        p.checkResult(result);
        return result;
    }

    // =========================================================================================
    // The machine
    // =========================================================================================

    private Object run() throws IOException {
        while (pos < data.length) {
            opStart = pos;
            int op = data[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) {
                        throw error("unsupported pickle protocol " + v + " (expected 2 to 5)");
                    }
                }
                case 0x95 -> { // FRAME: framing is transparent to a reader of the whole pickle
                    long n = i64();
                    if (n < 0 || n > data.length - pos) {
                        throw error("frame of " + n + " bytes extends past the end");
                    }
                }
                case '.' -> { // STOP
                    Object result = pop();
                    if (!stack.isEmpty() || markCount > 0) {
                        throw error("STOP leaves " + stack.size() + " values and " + markCount
                                + " marks behind");
                    }
                    if (pos != data.length) {
                        throw error((data.length - pos) + " bytes follow STOP");
                    }
                    return result;
                }
                case '(' -> pushMark();
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case '}' -> push(count(new Dict()));
                case ']' -> push(count(new ArrayList<>()));
                case ')' -> push(List.of());
                case 't' -> push(tuple(popMark()));
                case 0x85 -> push(tuple(popN(1)));
                case 0x86 -> push(tuple(popN(2)));
                case 0x87 -> push(tuple(popN(3)));
                case 'a' -> { // APPEND
                    Object v = pop();
                    mutableList(peek(), "APPEND").add(v);
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    mutableList(peek(), "APPENDS").addAll(items);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    put(dict(peek(), "SETITEM"), k, v);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    if (items.size() % 2 != 0) {
                        throw error("SETITEMS with an odd number (" + items.size() + ") of items");
                    }
                    Dict d = dict(peek(), "SETITEMS");
                    for (int i = 0; i < items.size(); i += 2) {
                        put(d, items.get(i), items.get(i + 1));
                    }
                }
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push(count((long) u8())); // BININT1
                case 'M' -> push(count((long) (u8() | u8() << 8))); // BININT2
                case 'J' -> push(count((long) i32())); // BININT
                case 0x8a -> push(count(longBytes(u8()))); // LONG1
                case 0x8b -> { // LONG4
                    int n = i32();
                    if (n < 0 || n > MAX_LONG_BYTES) {
                        throw error("LONG4 of " + n + " bytes (limit " + MAX_LONG_BYTES + ")");
                    }
                    push(count(longBytes(n)));
                }
                case 'G' -> push(count(Double.longBitsToDouble(
                        ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getLong())));
                case 'X' -> push(count(utf8(u32()))); // BINUNICODE
                case 0x8c -> push(count(utf8(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(count(utf8(i64()))); // BINUNICODE8
                case 'q' -> memoPut(u8(), peek()); // BINPUT
                case 'r' -> memoPut(u32(), peek()); // LONG_BINPUT
                case 0x94 -> memoPut(memoCount, peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(count(reduce(callable, tupleArgs(args, callable))));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    if (cls != Global.ORDERED_DICT || !tupleArgs(args, cls).isEmpty()) {
                        throw error("NEWOBJ is only supported for collections.OrderedDict()");
                    }
                    push(count(new Dict()));
                }
                case 'b' -> build(pop(), peek()); // BUILD
                case 'Q' -> push(persistentLoad(pop())); // BINPERSID
                default -> throw error("unsupported pickle opcode " + opName(op));
            }
        }
        throw error("the pickle ends without STOP");
    }

    // ---- stack, marks, memo -----------------------------------------------------------------

    private void push(Object v) throws IOException {
        if (stack.size() >= MAX_STACK) {
            throw error("stack deeper than " + MAX_STACK);
        }
        stack.add(v);
    }

    private Object pop() throws IOException {
        if (stack.size() <= currentMark()) {
            throw error("pop from an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws IOException {
        if (stack.size() <= currentMark()) {
            throw error("the stack is empty");
        }
        return stack.get(stack.size() - 1);
    }

    private int currentMark() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private void pushMark() throws IOException {
        if (markCount == MAX_STACK) {
            throw error("more than " + MAX_STACK + " open marks");
        }
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, markCount * 2);
        }
        marks[markCount++] = stack.size();
    }

    /** Pops everything above the topmost mark, and the mark. */
    private List<Object> popMark() throws IOException {
        if (markCount == 0) {
            throw error("no mark on the stack");
        }
        int m = marks[--markCount];
        List<Object> top = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private List<Object> popN(int n) throws IOException {
        if (stack.size() - currentMark() < n) {
            throw error("needs " + n + " values on the stack");
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private void memoPut(long index, Object v) throws IOException {
        if (index < 0 || index >= MAX_MEMO) {
            throw error("memo index " + index + " exceeds the limit of " + MAX_MEMO);
        }
        int i = (int) index;
        if (i >= memo.length) {
            memo = Arrays.copyOf(memo, Math.max(i + 1, Math.min(MAX_MEMO, memo.length * 2)));
        }
        if (memo[i] == null) {
            memoCount++;
        }
        memo[i] = v == null ? MARK_NONE : v;
    }

    private Object memoGet(long index) throws IOException {
        Object v = index >= 0 && index < memo.length ? memo[(int) index] : null;
        if (v == null) {
            throw error("memo index " + index + " was never stored");
        }
        return v == MARK_NONE ? null : v;
    }

    private <T> T count(T v) throws IOException {
        if (++objects > MAX_OBJECTS) {
            throw error("more than " + MAX_OBJECTS + " values");
        }
        return v;
    }

    // ---- operands ---------------------------------------------------------------------------

    private int u8() throws IOException {
        need(1);
        return data[pos++] & 0xff;
    }

    private int i32() throws IOException {
        return ByteBuffer.wrap(bytes(4)).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private long u32() throws IOException {
        return i32() & 0xffffffffL;
    }

    private long i64() throws IOException {
        return ByteBuffer.wrap(bytes(8)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private byte[] bytes(long n) throws IOException {
        need(n);
        byte[] b = Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return b;
    }

    private void need(long n) throws IOException {
        if (n < 0 || n > data.length - pos) {
            throw error("truncated: needs " + n + " more bytes, " + (data.length - pos)
                    + " are left");
        }
    }

    private Object longBytes(int n) throws IOException {
        if (n == 0) {
            return 0L;
        }
        byte[] le = bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String utf8(long n) throws IOException {
        byte[] b = bytes(n);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("string is not valid UTF-8");
        }
    }

    /** A newline-terminated ASCII line, as GLOBAL uses for module and name. */
    private String line() throws IOException {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            if (pos - start >= MAX_GLOBAL_NAME || data[pos] < 0x20) {
                throw error("malformed GLOBAL name");
            }
            pos++;
        }
        if (pos >= data.length) {
            throw error("truncated GLOBAL name");
        }
        String s = new String(data, start, pos - start, StandardCharsets.US_ASCII);
        pos++;
        return s;
    }

    // ---- containers -------------------------------------------------------------------------

    private List<Object> tuple(List<Object> items) throws IOException {
        return count(Collections.unmodifiableList(items));
    }

    @SuppressWarnings("unchecked")
    private List<Object> mutableList(Object o, String op) throws IOException {
        if (!(o instanceof ArrayList)) {
            throw error(op + " needs a list, found " + typeName(o));
        }
        return (List<Object>) o;
    }

    private Dict dict(Object o, String op) throws IOException {
        if (!(o instanceof Dict d)) {
            throw error(op + " needs a dict, found " + typeName(o));
        }
        return d;
    }

    private void put(Dict d, Object key, Object value) throws IOException {
        if (!isScalar(key)) {
            throw error("dict key of type " + typeName(key) + " is not supported (keys must be"
                    + " str, int, float, bool or None)");
        }
        d.put(key, value);
    }

    private static boolean isScalar(Object o) {
        return o == null || o instanceof String || o instanceof Long || o instanceof BigInteger
                || o instanceof Double || o instanceof Boolean;
    }

    private List<Object> tupleArgs(Object args, Object callable) throws IOException {
        if (!(args instanceof List<?> l) || args instanceof ArrayList) {
            throw error("arguments of " + callable + " must be a tuple, found " + typeName(args));
        }
        @SuppressWarnings("unchecked")
        List<Object> out = (List<Object>) l;
        return out;
    }

    // ---- globals, REDUCE, BUILD, persistent ids ---------------------------------------------

    private Object global(String module, String name) throws IOException {
        for (Global g : Global.values()) {
            if (g.module.equals(module) && g.name.equals(name)) {
                return g;
            }
        }
        if (module.equals("torch") && STORAGE_TYPES.containsKey(name)) {
            return new StorageClass(name, STORAGE_TYPES.get(name));
        }
        throw error("global '" + module + "." + name + "' is not allowed: only state dicts and"
                + " checkpoints of tensors, numbers, strings, lists and dicts can be read");
    }

    private Object reduce(Object callable, List<Object> args) throws IOException {
        if (!(callable instanceof Global g)) {
            throw error("REDUCE on " + typeName(callable) + ", which is not callable");
        }
        switch (g) {
            case ORDERED_DICT -> {
                if (!args.isEmpty()) {
                    throw error("collections.OrderedDict with arguments is not supported");
                }
                return new Dict();
            }
            case REBUILD_TENSOR_V2 -> {
                return rebuildTensor(args);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                int expected = g == Global.REBUILD_PARAMETER ? 3 : 4;
                if (args.size() != expected || !(args.get(0) instanceof Tensor t)) {
                    throw error(g + " expects (tensor, requires_grad, hooks"
                            + (expected == 4 ? ", state)" : ")") + ", got " + describe(args));
                }
                return t;
            }
            case DEVICE -> {
                if (args.size() == 1 && args.get(0) instanceof String s) {
                    return s;
                }
                if (args.size() == 2 && args.get(0) instanceof String s
                        && args.get(1) instanceof Long i) {
                    return s + ":" + i;
                }
                throw error("torch.device expects (type) or (type, index), got " + describe(args));
            }
            default -> throw error("REDUCE on " + g + " is not supported");
        }
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, meta])}. */
    private Tensor rebuildTensor(List<Object> args) throws IOException {
        if (args.size() < 6 || args.size() > 7 || !(args.get(0) instanceof StorageRef s)
                || !(args.get(1) instanceof Long offset) || !(args.get(4) instanceof Boolean)) {
            throw error("_rebuild_tensor_v2 expects (storage, offset, size, stride,"
                    + " requires_grad, hooks[, metadata]), got " + describe(args));
        }
        int[] size = intTuple(args.get(2), "size");
        int[] stride = intTuple(args.get(3), "stride");
        if (size.length != stride.length) {
            throw error("tensor size " + Arrays.toString(size) + " and stride "
                    + Arrays.toString(stride) + " differ in rank");
        }
        long numel = 1;
        for (int d : size) {
            numel *= d;
            if (numel > Integer.MAX_VALUE) {
                throw error("tensor size " + Arrays.toString(size)
                        + " has more than 2^31-1 elements, the engine's limit");
            }
        }
        if (offset < 0 || offset > Integer.MAX_VALUE) {
            throw error("tensor storage offset " + offset + " is out of range");
        }
        Tensor view;
        try {
            view = Tensor.wrap(s.storage(), Shape.of(size), stride, (int) (long) offset);
        } catch (IllegalArgumentException e) {
            throw error("tensor of size " + Arrays.toString(size) + ", stride "
                    + Arrays.toString(stride) + " and offset " + offset + " reaches outside "
                    + s + " of " + s.storage().size() + " elements");
        }
        if (view.isContiguous() && offset == 0 && numel == s.storage().size()) {
            return view;
        }
        copiedElements += numel;
        if (copiedElements > MAX_EXPANSION * storedElements + (1L << 24)) {
            throw error("tensor views would copy " + copiedElements + " elements out of "
                    + storedElements + " stored ones (overlapping or expanded views beyond the"
                    + " limit)");
        }
        return view.copy();
    }

    private int[] intTuple(Object o, String what) throws IOException {
        if (!(o instanceof List<?> l) || o instanceof ArrayList || l.size() > MAX_RANK) {
            throw error("tensor " + what + " must be a tuple of at most " + MAX_RANK
                    + " ints, found " + typeName(o));
        }
        int[] out = new int[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long v) || v < 0 || v > Integer.MAX_VALUE) {
                throw error("tensor " + what + " " + describe(l) + " holds an invalid entry");
            }
            out[i] = (int) (long) v;
        }
        return out;
    }

    private void build(Object state, Object target) throws IOException {
        if (!(target instanceof Dict d)) {
            throw error("BUILD is only supported on dicts, found " + typeName(target));
        }
        Object dictState = state;
        Object slotState = null;
        if (state instanceof List<?> t && !(state instanceof ArrayList) && t.size() == 2) {
            dictState = t.get(0);
            slotState = t.get(1);
        }
        for (Object part : new Object[] {dictState, slotState}) {
            if (part == null) {
                continue;
            }
            if (!(part instanceof Dict attrs)) {
                throw error("BUILD state must be a dict, found " + typeName(part));
            }
            for (Map.Entry<Object, Object> e : attrs.entrySet()) {
                if (!(e.getKey() instanceof String name)) {
                    throw error("BUILD attribute name of type " + typeName(e.getKey()));
                }
                d.attributes.put(name, e.getValue());
            }
        }
    }

    /** {@code ('storage', StorageClass, key, location, numel)}. */
    private StorageRef persistentLoad(Object pid) throws IOException {
        if (!(pid instanceof List<?> t) || pid instanceof ArrayList || t.size() != 5
                || !"storage".equals(t.get(0)) || !(t.get(1) instanceof StorageClass cls)
                || !(t.get(2) instanceof String key) || !(t.get(3) instanceof String)
                || !(t.get(4) instanceof Long numel)) {
            throw error("persistent id must be ('storage', type, key, location, numel), got "
                    + typeName(pid) + " " + (pid instanceof List<?> l ? describe(l) : ""));
        }
        StorageRef ref = loaded.get(key);
        if (ref != null) {
            if (!ref.cls().equals(cls) || ref.storage().size() != numel) {
                throw error("storage '" + key + "' is used both as " + ref.cls().name() + " of "
                        + ref.storage().size() + " and as " + cls.name() + " of " + numel
                        + " elements");
            }
            return ref;
        }
        if (numel < 0 || numel > Integer.MAX_VALUE) {
            throw error("storage '" + key + "' declares " + numel + " elements");
        }
        Object array;
        try {
            array = storages.load(key, cls.type(), (int) (long) numel);
        } catch (IOException e) {
            String m = e.getMessage();
            throw m != null && m.startsWith(where) ? e
                    : new IOException(error("storage '" + key + "': " + m).getMessage(), e);
        }
        Storage storage = TensorBytes.tensor(array, Shape.of((int) (long) numel)).storage();
        storedElements += numel;
        ref = new StorageRef(key, cls, storage);
        loaded.put(key, ref);
        return ref;
    }

    // ---- the result -------------------------------------------------------------------------

    /**
     * Checks, without recursion, that the result holds only values of the object model, has no
     * reference cycles and is nested at most {@link #MAX_DEPTH} deep.
     */
    private void checkResult(Object root) throws IOException {
        IdentityHashMap<Object, Integer> depth = new IdentityHashMap<>();
        ArrayList<Object> nodes = new ArrayList<>();
        ArrayList<Iterator<Object>> its = new ArrayList<>();
        ArrayList<int[]> deepest = new ArrayList<>();
        checkLeaf(root);
        if (!isContainer(root)) {
            return;
        }
        nodes.add(root);
        its.add(children(root));
        deepest.add(new int[1]);
        depth.put(root, -1);
        while (!nodes.isEmpty()) {
            int top = nodes.size() - 1;
            Iterator<Object> it = its.get(top);
            if (it.hasNext()) {
                Object child = it.next();
                checkLeaf(child);
                if (!isContainer(child)) {
                    continue;
                }
                Integer known = depth.get(child);
                if (known != null && known < 0) {
                    throw new IOException(where + ": the pickle holds a reference cycle");
                }
                if (known != null) {
                    deepest.get(top)[0] = Math.max(deepest.get(top)[0], known);
                    continue;
                }
                depth.put(child, -1);
                nodes.add(child);
                its.add(children(child));
                deepest.add(new int[1]);
                continue;
            }
            int d = deepest.get(top)[0] + 1;
            if (d > MAX_DEPTH) {
                throw new IOException(where + ": the pickle nests containers more than "
                        + MAX_DEPTH + " deep");
            }
            depth.put(nodes.get(top), d);
            nodes.remove(top);
            its.remove(top);
            deepest.remove(top);
            if (top > 0) {
                deepest.get(top - 1)[0] = Math.max(deepest.get(top - 1)[0], d);
            }
        }
    }

    private void checkLeaf(Object o) throws IOException {
        if (o instanceof Global || o instanceof StorageClass || o instanceof StorageRef) {
            throw new IOException(where + ": the pickle's value holds " + o + " itself, which is"
                    + " not data");
        }
    }

    private static boolean isContainer(Object o) {
        return o instanceof Dict || o instanceof List;
    }

    @SuppressWarnings("unchecked")
    private static Iterator<Object> children(Object o) {
        if (o instanceof Dict d) {
            List<Object> c = new ArrayList<>(d.values());
            c.addAll(d.attributes.values());
            return c.iterator();
        }
        return ((List<Object>) o).iterator();
    }

    // ---- messages ---------------------------------------------------------------------------

    /** Python's name for the type of a value of the object model. */
    static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Dict) {
            return "dict";
        }
        if (o instanceof ArrayList) {
            return "list";
        }
        if (o instanceof List) {
            return "tuple";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Tensor t) {
            return "tensor " + t.dtype() + " " + t.shape();
        }
        return o.toString();
    }

    private static String describe(List<?> items) {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < items.size() && i < 8; i++) {
            b.append(i > 0 ? ", " : "").append(typeName(items.get(i)));
        }
        return b.append(items.size() > 8 ? ", ...)" : ")").toString();
    }

    private static String opName(int op) {
        String name = switch (op) {
            case 'B' -> "BINBYTES";
            case 'C' -> "SHORT_BINBYTES";
            case 0x8e -> "BINBYTES8";
            case 0x96 -> "BYTEARRAY8";
            case 0x8f -> "EMPTY_SET";
            case 0x90 -> "ADDITEMS";
            case 0x91 -> "FROZENSET";
            case 0x92 -> "NEWOBJ_EX";
            case 'P' -> "PERSID";
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 'I' -> "INT";
            case 'L' -> "LONG";
            case 'F' -> "FLOAT";
            case 'S' -> "STRING";
            case 'V' -> "UNICODE";
            case 'l' -> "LIST";
            case 'd' -> "DICT";
            case 'p' -> "PUT";
            case 'g' -> "GET";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 0x97 -> "NEXT_BUFFER";
            case 0x98 -> "READONLY_BUFFER";
            default -> null;
        };
        String hex = String.format("0x%02x", op);
        return name == null ? hex : name + " (" + hex + ")";
    }

    private IOException error(String what) {
        return new IOException(where + ": pickle offset " + opStart + ": " + what);
    }
}
