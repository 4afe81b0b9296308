package ed4j.tensor.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

class TensorBytesTest {

    @Test
    void unbackedStreamReadsAllocateOnlyWhatArrives() {
        // 2^31-1 doubles would take 16 GiB, over the test heap: an up-front allocation would end
        // in OutOfMemoryError, reading in chunks ends at the 100 bytes that are there.
        ByteArrayInputStream in = new ByteArrayInputStream(new byte[100]);
        EOFException e = assertThrows(EOFException.class, () -> TensorBytes.read(in,
                ElementType.FLOAT64, ByteOrder.LITTLE_ENDIAN, Integer.MAX_VALUE, false));
        assertTrue(e.getMessage().contains("17179869176 bytes"), e.getMessage());
    }

    @Test
    void streamReadsDecodeAcrossChunkBoundaries() throws IOException {
        // 20 MiB of int32 in big-endian order: past the eager limit, so read in chunks.
        int n = 5 << 20;
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putInt(i * 7 - 1000);
        }
        for (boolean backed : new boolean[] {false, true}) {
            long[] v = (long[]) TensorBytes.read(new ByteArrayInputStream(b.array()),
                    ElementType.INT32, ByteOrder.BIG_ENDIAN, n, backed);
            assertEquals(n, v.length);
            for (int i = 0; i < n; i += 65537) {
                assertEquals(i * 7L - 1000, v[i]);
            }
            assertEquals((n - 1) * 7L - 1000, v[n - 1]);
        }
        float[] h = (float[]) TensorBytes.read(new ByteArrayInputStream(new byte[] {0, 0x3c,
                0, (byte) 0xc0}), ElementType.FLOAT16, ByteOrder.LITTLE_ENDIAN, 2, true);
        assertArrayEquals(new float[] {1f, -2f}, h);
    }

    @Test
    void zipBudgetRejectsMembersThatOverlap() throws IOException {
        ZipMembers.Budget budget = new ZipMembers.Budget(1000);
        ZipEntry a = stored("a", 600);
        assertEquals(600, budget.charge(a, "x.zip!a"));
        IOException e = assertThrows(IOException.class,
                () -> budget.charge(stored("b", 600), "x.zip!b"));
        assertTrue(e.getMessage().contains("overlapping zip entries"), e.getMessage());
        ZipEntry deflated = new ZipEntry("c");
        deflated.setMethod(ZipEntry.DEFLATED);
        deflated.setCompressedSize(10);
        deflated.setSize(10 * ZipMembers.MAX_DEFLATE_RATIO + 1025);
        e = assertThrows(IOException.class, () -> ZipMembers.size(deflated, 1000, "x.zip!c"));
        assertTrue(e.getMessage().contains("impossible size"), e.getMessage());
    }

    private static ZipEntry stored(String name, long size) {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(size);
        e.setCompressedSize(size);
        return e;
    }
}
