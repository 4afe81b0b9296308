package ed4j.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Access to the fixtures written by tests/python/fixtures_weights.py, and value checks. */
final class Fixtures {

    private Fixtures() {}

    static Path path(String relative) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + relative).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing fixture " + relative, e);
        }
    }

    static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** arange(n) * scale + shift, the formula of the fixture script. */
    static double[] base(int n, double scale, double shift) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * scale + shift;
        }
        return v;
    }

    /**
     * Checks that {@code actual} holds the values of {@code expected} (float64 or int64 from a
     * companion .npz) exactly, in the engine dtype {@code dtype}.
     */
    static void assertSameValues(String what, Tensor expected, Tensor actual, DType dtype) {
        assertEquals(dtype, actual.dtype(), what + " dtype");
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        assertTrue(actual.isContiguous(), what + " is contiguous");
        if (dtype == DType.INT64) {
            assertArrayEquals(expected.toLongArray(), actual.toLongArray(), what);
        } else {
            assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0.0, what);
        }
    }

    /** Bitwise equality of float32 values, so that -0.0 and NaN payloads count. */
    static void assertSameBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]),
                    what + " element " + i + ": " + expected[i] + " vs " + actual[i]);
        }
    }
}
