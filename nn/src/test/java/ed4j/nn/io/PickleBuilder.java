package ed4j.nn.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, for crafted inputs in tests. */
final class PickleBuilder {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBuilder() {
        op(0x80).op(2);
    }

    PickleBuilder op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBuilder global(String module, String name) {
        op('c');
        byte[] b = (module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
        return this;
    }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X', b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff,
                b.length >>> 24);
        out.write(b, 0, b.length);
        return this;
    }

    PickleBuilder integer(int v) {
        return op('J', v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
    }

    PickleBuilder mark() {
        return op('(');
    }

    PickleBuilder tuple() {
        return op('t');
    }

    /** {@code ('storage', torch.<cls>, key, 'cpu', numel)} then BINPERSID. */
    PickleBuilder storage(String cls, String key, int numel) {
        return mark().str("storage").global("torch", cls).str(key).str("cpu").integer(numel)
                .tuple().op('Q');
    }

    /** A {@code _rebuild_tensor_v2} call over a storage with the given size and stride. */
    PickleBuilder tensor(String cls, String key, int numel, int offset, int[] size,
            int[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(cls, key, numel).integer(offset);
        mark();
        for (int s : size) {
            integer(s);
        }
        tuple().mark();
        for (int s : stride) {
            integer(s);
        }
        return tuple().op(0x89).op('}').tuple().op('R');
    }

    byte[] stop() {
        return op('.').out.toByteArray();
    }
}
