package ed4j.tensor.cpu;

/**
 * The contiguous loops of the {@link Winograd} transforms, in plain Java and, when the incubating
 * Vector API is in the boot layer, in vectors ({@link WinogradLoopsVector}). The JIT of JDK 17
 * does not vectorise these loops by itself: their arrays might alias with offsets it cannot
 * compare. Both implementations add and subtract the same operands in the same order, so their
 * results are identical bit for bit.
 */
abstract class WinogradLoops {

    /** The implementation in use: vector when the module is in the boot layer. */
    static final WinogradLoops INSTANCE = pick();

    /**
     * Rows of {@code B^T d} for {@code span} tiles: {@code t0 = ev[q] - ev[q + pitch]}, {@code t1
     * = od[q] + ev[q + pitch]}, {@code t2 = ev[q + pitch] - od[q]}, {@code t3 = od[q] - od[q +
     * pitch]} for {@code q < span}, where {@code ev} holds the even and {@code od} the odd input
     * rows of each tile row, {@code pitch} apart.
     */
    abstract void columns(float[] ev, float[] od, int span, int pitch, float[] t0, float[] t1,
            float[] t2, float[] t3);

    /**
     * The four elements of {@code (row) B} for {@code span} tiles, from one row of {@code B^T d}
     * split into even columns {@code e} and odd columns {@code o}: {@code e[q] - e[q + 1]}, {@code
     * o[q] + e[q + 1]}, {@code e[q + 1] - o[q]}, {@code o[q] - o[q + 1]}, written at {@code v[p +
     * q]}, {@code v[p + plane + q]}, {@code v[p + 2 plane + q]}, {@code v[p + 3 plane + q]}.
     */
    abstract void rows(float[] e, float[] o, int span, float[] v, int p, int plane);

    /**
     * {@code A^T M A + bias} for {@code n} tiles: element {@code xi} of tile {@code q} is {@code
     * m[xi * plane + b + q]}; the four outputs go to {@code y00[q]}, {@code y01[q]}, {@code
     * y10[q]}, {@code y11[q]}.
     */
    abstract void outputs(float[] m, int b, int plane, int n, float bias, float[] y00,
            float[] y01, float[] y10, float[] y11);

    private static WinogradLoops pick() {
        return VectorLoops.pick(WinogradLoops.class, "ed4j.tensor.cpu.WinogradLoopsVector",
                Plain::new);
    }

    /** {@link #columns} for the tiles {@code [q0, span)}, one at a time. */
    static void columnsFrom(int q0, float[] ev, float[] od, int span, int pitch, float[] t0,
            float[] t1, float[] t2, float[] t3) {
        for (int q = q0; q < span; q++) {
            float a = ev[q];
            float b = od[q];
            float c = ev[q + pitch];
            float d = od[q + pitch];
            t0[q] = a - c;
            t1[q] = b + c;
            t2[q] = c - b;
            t3[q] = b - d;
        }
    }

    /** {@link #rows} for the tiles {@code [q0, span)}, one at a time. */
    static void rowsFrom(int q0, float[] e, float[] o, int span, float[] v, int p, int plane) {
        for (int q = q0; q < span; q++) {
            float a = e[q];
            float b = o[q];
            float c = e[q + 1];
            float d = o[q + 1];
            v[p + q] = a - c;
            v[p + plane + q] = b + c;
            v[p + 2 * plane + q] = c - b;
            v[p + 3 * plane + q] = b - d;
        }
    }

    /** {@link #outputs} for the tiles {@code [q0, n)}, one at a time. */
    static void outputsFrom(int q0, float[] m, int b, int plane, int n, float bias, float[] y00,
            float[] y01, float[] y10, float[] y11) {
        for (int q = q0; q < n; q++) {
            int i = b + q;
            // Row 0 of A^T M: s_j = m_j + m_4+j + m_8+j; row 1: t_j = m_4+j - m_8+j - m_12+j.
            float s0 = m[i] + m[4 * plane + i] + m[8 * plane + i];
            float s1 = m[plane + i] + m[5 * plane + i] + m[9 * plane + i];
            float s2 = m[2 * plane + i] + m[6 * plane + i] + m[10 * plane + i];
            float s3 = m[3 * plane + i] + m[7 * plane + i] + m[11 * plane + i];
            float t0 = m[4 * plane + i] - m[8 * plane + i] - m[12 * plane + i];
            float t1 = m[5 * plane + i] - m[9 * plane + i] - m[13 * plane + i];
            float t2 = m[6 * plane + i] - m[10 * plane + i] - m[14 * plane + i];
            float t3 = m[7 * plane + i] - m[11 * plane + i] - m[15 * plane + i];
            y00[q] = s0 + s1 + s2 + bias;
            y01[q] = s1 - s2 - s3 + bias;
            y10[q] = t0 + t1 + t2 + bias;
            y11[q] = t1 - t2 - t3 + bias;
        }
    }

    /** Plain loops, one element at a time. */
    static final class Plain extends WinogradLoops {

        @Override
        void columns(float[] ev, float[] od, int span, int pitch, float[] t0, float[] t1,
                float[] t2, float[] t3) {
            columnsFrom(0, ev, od, span, pitch, t0, t1, t2, t3);
        }

        @Override
        void rows(float[] e, float[] o, int span, float[] v, int p, int plane) {
            rowsFrom(0, e, o, span, v, p, plane);
        }

        @Override
        void outputs(float[] m, int b, int plane, int n, float bias, float[] y00, float[] y01,
                float[] y10, float[] y11) {
            outputsFrom(0, m, b, plane, n, bias, y00, y01, y10, y11);
        }
    }
}
