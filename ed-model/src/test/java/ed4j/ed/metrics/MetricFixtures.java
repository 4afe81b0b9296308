package ed4j.ed.metrics;

import ed4j.tensor.Tensor;
import ed4j.tensor.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The arrays of {@code fixtures/metrics/metrics.npz}, written by {@code
 * tests/python/fixtures_metrics.py} (NumPy 1.24, SciPy 1.10, scikit-learn 1.2).
 */
final class MetricFixtures {

    private static Map<String, Tensor> arrays;

    private MetricFixtures() {}

    static synchronized Tensor get(String key) {
        if (arrays == null) {
            try {
                Path p = Path.of(MetricFixtures.class.getResource("/fixtures/metrics/metrics.npz")
                        .toURI());
                arrays = Npy.readNpz(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException | NullPointerException e) {
                throw new IllegalStateException("fixtures/metrics/metrics.npz is missing;"
                        + " regenerate it with /usr/bin/python3 tests/python/fixtures_metrics.py",
                        e);
            }
        }
        Tensor t = arrays.get(key);
        if (t == null) {
            throw new IllegalStateException("fixtures/metrics/metrics.npz has no array " + key);
        }
        return t;
    }

    static double scalar(String key) {
        return get(key).item();
    }

    static float[] floats(String key) {
        return get(key).toFloatArray();
    }

    static double[] doubles(String key) {
        return get(key).toDoubleArray();
    }

    /** A 0/1 (or 0/255) array as booleans. */
    static boolean[] flags(String key) {
        long[] v = get(key).toLongArray();
        boolean[] out = new boolean[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] != 0;
        }
        return out;
    }

    /** A uint8 array as Java bytes (255 becomes -1, still nonzero). */
    static byte[] bytes(String key) {
        long[] v = get(key).toLongArray();
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    static int[] shape(String key) {
        return get(key).shape().toArray();
    }

    /** Image i of a stacked {@code (n, h, w)} float array. */
    static float[] plane(float[] stack, int i, int plane) {
        float[] out = new float[plane];
        System.arraycopy(stack, i * plane, out, 0, plane);
        return out;
    }

    static byte[] plane(byte[] stack, int i, int plane) {
        byte[] out = new byte[plane];
        System.arraycopy(stack, i * plane, out, 0, plane);
        return out;
    }
}
