package ed4j.tensor.cpu;

import ed4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Float32 3x3 convolution with stride 1 by Winograd's minimal filtering F(2x2, 3x3) (Lavin and
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
 *
 * <p>The output is cut into 2x2 tiles; each reads a 4x4 input tile. With the transforms
 *
 * <pre>
 *   B^T = | 1  0 -1  0 |     G = | 1    0    0   |     A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |         | 1/2  1/2  1/2 |           | 0  1 -1 -1 |
 *         | 0 -1  1  0 |         | 1/2 -1/2  1/2 |
 *         | 0  1  0 -1 |         | 0    0    1   |
 * </pre>
 *
 * an output tile is {@code A^T [sum_c (G g_kc G^T) . (B^T d_c B)] A}, where {@code .} multiplies
 * element by element. Gathering the 16 elements ({@code xi = 4 * row + col}) of the transformed
 * filters {@code U[xi] (Cout, Cin)} and inputs {@code V[xi] (Cin, tiles)}, the sum over channels is
 * 16 independent matrix products {@code M[xi] = U[xi] V[xi]}, which take 16 multiply-adds per
 * 2x2 outputs and channel instead of 36: 2.25 times fewer than im2col + GEMM.
 *
 * <p>The transforms only add, subtract and halve, so the result differs from the direct sum by
 * a few float32 roundings (about 1e-6 relative on ResNet layers; the tests bound it).
 *
 * <p>Work: the filters are transformed once per call, straight into the micro-kernel's packed A
 * layout ({@link SgemmKernel}). The tiles of the whole batch, rows of tiles image after image,
 * are cut into chunks of whole tile rows; each thread takes whole chunks and, for each, transforms
 * the inputs, runs the 16 products on its packed B strips and writes the transformed outputs, so
 * {@code V} and {@code M} stay near its cache. A batch with few tiles is one chunk instead, each
 * of the three steps parallel inside it (over channels, over {@code xi}, over output channels).
 * Every element is computed by one thread in a fixed order, and no sum depends on the chunks,
 * so results do not depend on the thread count.
 */
final class Winograd {

    private Winograd() {}

    /**
     * Floats of {@code V} plus {@code M} per chunk (2 MiB). Measured on the 2-core AVX-512 EPYC:
     * 2, 4 and 8 MiB ran the same, 1 MiB made the products 20% slower (their columns get few);
     * on the 2-core AVX2 EPYC (512 KiB of L2 per core), 2 MiB ran 10-15% faster than 4 MiB at
     * batch 8 with 64 to 256 channels, and the same at batch 1.
     */
    static final int CHUNK_FLOATS = 1 << 19;

    /**
     * Up to this many tiles (with the extra tile of each row) the batch is one chunk, and each
     * step runs in parallel inside it: chunks of a few tile rows each would make products of a
     * few dozen columns, a third of them padding of the micro-kernel's strips.
     */
    static final int SINGLE_CHUNK = 512;

    /**
     * Whether {@code g} is a convolution this path computes, and one where it pays: 3x3, stride
     * 1, dilation 1, one group, enough channels that the products dominate the input and output
     * transforms, and enough tiles that they outweigh the filter transform, which is redone on
     * every call. Measured on the 2-core EPYC against im2col + GEMM: 1.2 to 2.7 times faster
     * from 128 tiles up (a batch of two 16x16 outputs); at 64 tiles (one 16x16 output) 1.3
     * times faster with 256 channels, even with 512; at 16 tiles 0.9 times with 256 channels
     * and 0.5 with 512.
     */
    static boolean applies(ConvGeometry g) {
        if (g.kh() != 3 || g.kw() != 3 || g.sh() != 1 || g.sw() != 1 || g.dh() != 1
                || g.dw() != 1 || g.groups() != 1 || g.cin() < 16 || g.cout() < 16) {
            return false;
        }
        long tiles = (long) g.n() * ((g.oh() + 1) / 2) * ((g.ow() + 1) / 2);
        return tiles >= 128 || 4 * tiles >= Math.max(g.cin(), g.cout());
    }

    /**
     * Writes the convolution of {@code x (N, Cin, H, W)} (any strides) with {@code w (Cout, Cin,
     * 3, 3)} (any strides), plus {@code bias} when not null, to the contiguous {@code out}; then,
     * row by row as it is written, adds {@code residual} (laid out as {@code out}, from {@code
     * resOff}; null for none) and takes the ReLU when {@code relu}.
     */
    static void forward(Parallel par, ConvGeometry g, Tensor x, Tensor w, double[] bias,
            float[] out, float[] residual, int resOff, boolean relu) {
        forward(par, g, x, w, bias, out, new Epilogue(residual, resOff, relu), CHUNK_FLOATS,
                SINGLE_CHUNK, GemmKernel.defaultKernel().implementation());
    }

    /**
     * As above with other bounds on the floats of {@code V} plus {@code M} per chunk and on the
     * tiles of a batch that runs as one chunk, and another micro-kernel (tests reach every
     * scheme with small inputs).
     */
    static void forward(Parallel par, ConvGeometry g, Tensor x, Tensor w, double[] bias,
            float[] out, Epilogue epilogue, int chunkFloats, int singleChunk,
            SgemmKernel kernel) {
        Tiles t = new Tiles(g);
        int cin = g.cin();
        int cout = g.cout();
        int rowsTotal = g.n() * t.high;
        // Chunks of whole tile rows within the cache budget, and two per thread where possible.
        int byCache = chunkFloats / (16 * (cin + cout) * t.pitch);
        int byThreads = (rowsTotal + 2 * par.threads() - 1) / (2 * par.threads());
        int rows = Math.max(1, Math.min(byCache, byThreads));
        int chunks = (rowsTotal + rows - 1) / rows;
        int ntMax = rows * t.pitch;
        int mr = kernel.mr();
        int kp = (cin + kernel.kStep() - 1) / kernel.kStep() * kernel.kStep();
        int panels = (cout + mr - 1) / mr;
        float[] xa = ElementwiseKernels.storage(x).floats();
        float[][] uPack = new float[16][];
        try {
            for (int xi = 0; xi < 16; xi++) {
                uPack[xi] = PackBuffers.take(panels * mr * kp);
            }
            transformFilters(par, w, mr, kp, uPack);
            if (rowsTotal * t.pitch <= singleChunk) {
                // Few tiles: one chunk, each step parallel inside.
                int nt = rowsTotal * t.pitch;
                float[] v = PackBuffers.take(16 * cin * nt);
                float[] m = PackBuffers.take(16 * cout * nt);
                try {
                    par.forRange(cin, 1, (c0, c1) -> {
                        Scratch scratch = new Scratch(rowsTotal, t.pitch);
                        for (int c = c0; c < c1; c++) {
                            transformInputs(g, t, xa, x, c, 0, rowsTotal, nt, scratch, v);
                        }
                    });
                    par.forRange(16, 1, (x0, x1) -> {
                        SgemmKernel.PackedB strips = kernel.newPackedB(cin, nt);
                        try {
                            for (int xi = x0; xi < x1; xi++) {
                                strips.pack(new FloatMatrix(v, xi * cin * nt, nt, 1), 0, cin,
                                        0, nt, 0, nt);
                                strips.multiply(cin, uPack[xi], 0, panels, cout, 0, nt, nt, m,
                                        xi * cout * nt, nt, true);
                            }
                        } finally {
                            strips.release();
                        }
                    });
                    par.forRange(cout, 1, (k0, k1) -> {
                        Scratch scratch = new Scratch(rowsTotal, t.pitch);
                        for (int k = k0; k < k1; k++) {
                            transformOutputs(g, t, m, k, 0, rowsTotal, nt, scratch,
                                    bias == null ? 0f : (float) bias[k], out, epilogue);
                        }
                    });
                } finally {
                    PackBuffers.give(v);
                    PackBuffers.give(m);
                }
                return;
            }
            par.forPieces(chunks, 1, (s, e) -> {
                float[] v = PackBuffers.take(16 * cin * ntMax);
                float[] m = PackBuffers.take(16 * cout * ntMax);
                SgemmKernel.PackedB strips = kernel.newPackedB(cin, ntMax);
                Scratch scratch = new Scratch(rows, t.pitch);
                try {
                    for (int ch = s; ch < e; ch++) {
                        int r0 = ch * rows;
                        int nr = Math.min(rows, rowsTotal - r0);
                        int nt = nr * t.pitch;
                        for (int c = 0; c < cin; c++) {
                            transformInputs(g, t, xa, x, c, r0, nr, nt, scratch, v);
                        }
                        for (int xi = 0; xi < 16; xi++) {
                            strips.pack(new FloatMatrix(v, xi * cin * nt, nt, 1), 0, cin, 0, nt,
                                    0, nt);
                            strips.multiply(cin, uPack[xi], 0, panels, cout, 0, nt, nt, m,
                                    xi * cout * nt, nt, true);
                        }
                        for (int k = 0; k < cout; k++) {
                            transformOutputs(g, t, m, k, r0, nr, nt, scratch,
                                    bias == null ? 0f : (float) bias[k], out, epilogue);
                        }
                    }
                } finally {
                    strips.release();
                    PackBuffers.give(v);
                    PackBuffers.give(m);
                }
            });
        } finally {
            for (float[] u : uPack) {
                PackBuffers.give(u);
            }
        }
    }

    /**
     * What follows the convolution on each output row: {@code + residual[resOff + i]} when the
     * residual is not null (laid out as the output), then {@code max(., +0)} when {@code relu}.
     */
    record Epilogue(float[] residual, int resOff, boolean relu) {

        static final Epilogue NONE = new Epilogue(null, 0, false);

        void apply(float[] out, int from, int n) {
            if (residual != null) {
                for (int i = from; i < from + n; i++) {
                    out[i] += residual[resOff + i];
                }
            }
            if (relu) {
                for (int i = from; i < from + n; i++) {
                    out[i] = Math.max(out[i], 0f);
                }
            }
        }

        boolean any() {
            return residual != null || relu;
        }
    }

    /**
     * The tiles of one image: {@code high x wide} tiles of 2x2 outputs, numbered with a pitch of
     * {@code wide + 1} per row. The extra tile at the end of each row makes every neighbour of a
     * tile (right, below) a fixed offset away, so the transforms run as flat loops over the rows
     * of a chunk; its values are never written out.
     */
    private static final class Tiles {
        final int high;
        final int wide;
        final int pitch;

        Tiles(ConvGeometry g) {
            high = (g.oh() + 1) / 2;
            wide = (g.ow() + 1) / 2;
            pitch = wide + 1;
        }
    }

    /** Per-thread rows of a chunk, reused from chunk to chunk. */
    private static final class Scratch {
        /** Input rows 2r - ph (even) and 2r + 1 - ph (odd), split into even and odd columns. */
        final float[] evenEven;
        final float[] evenOdd;
        final float[] oddEven;
        final float[] oddOdd;
        /** Rows i of B^T d, even and odd columns. */
        final float[][] even = new float[4][];
        final float[][] odd = new float[4][];
        /** The four outputs of each tile. */
        final float[][] y = new float[4][];

        Scratch(int rows, int pitch) {
            int n = (rows + 1) * pitch;
            evenEven = new float[n];
            evenOdd = new float[n];
            oddEven = new float[n];
            oddOdd = new float[n];
            for (int i = 0; i < 4; i++) {
                even[i] = new float[rows * pitch + 1];
                odd[i] = new float[rows * pitch + 1];
                y[i] = new float[rows * pitch];
            }
        }
    }

    /**
     * Packs {@code U[xi] = (G w[k, c] G^T)[xi]}, a {@code (Cout, Cin)} matrix for each {@code xi},
     * as the A operand of the micro-kernel (see {@link SgemmKernel}): panels of {@code mr} rows,
     * element {@code (k, c)} at {@code (k / mr) * mr * kp + c * mr + k % mr}, zero past Cout and
     * Cin.
     */
    private static void transformFilters(Parallel par, Tensor w, int mr, int kp,
            float[][] uPack) {
        float[] wa = ElementwiseKernels.storage(w).floats();
        int cout = w.size(0);
        int cin = w.size(1);
        int s0 = w.stride(0);
        int s1 = w.stride(1);
        int s2 = w.stride(2);
        int s3 = w.stride(3);
        int panels = (cout + mr - 1) / mr;
        par.forRange(panels, 1, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int panel = r * mr * kp;
                if ((r + 1) * mr > cout || kp > cin) {
                    // Padding rows or columns: zero the whole panel first.
                    for (float[] u : uPack) {
                        Arrays.fill(u, panel, panel + mr * kp, 0f);
                    }
                }
                // Channel by channel, so that the stores of a panel's rows fill one cache line.
                for (int c = 0; c < cin; c++) {
                    for (int k = r * mr; k < Math.min(cout, (r + 1) * mr); k++) {
                        int base = w.offset() + k * s0 + c * s1;
                        filter(wa, base, s2, s3, uPack, panel + c * mr + k % mr);
                    }
                }
            }
        });
    }

    /**
     * Writes {@code G g G^T} of the 3x3 filter at {@code base} (row stride {@code s2}, column
     * stride {@code s3}) to element {@code dst} of the 16 arrays.
     */
    private static void filter(float[] wa, int base, int s2, int s3, float[][] u, int dst) {
        float g00 = wa[base];
        float g01 = wa[base + s3];
        float g02 = wa[base + 2 * s3];
        float g10 = wa[base + s2];
        float g11 = wa[base + s2 + s3];
        float g12 = wa[base + s2 + 2 * s3];
        float g20 = wa[base + 2 * s2];
        float g21 = wa[base + 2 * s2 + s3];
        float g22 = wa[base + 2 * s2 + 2 * s3];
        // Rows of G g: (g0), ((g0 + g2) / 2 + g1 / 2), ((g0 + g2) / 2 - g1 / 2), (g2).
        float h0 = 0.5f * (g00 + g20);
        float h1 = 0.5f * (g01 + g21);
        float h2 = 0.5f * (g02 + g22);
        float a10 = h0 + 0.5f * g10;
        float a11 = h1 + 0.5f * g11;
        float a12 = h2 + 0.5f * g12;
        float a20 = h0 - 0.5f * g10;
        float a21 = h1 - 0.5f * g11;
        float a22 = h2 - 0.5f * g12;
        row(g00, g01, g02, u[0], u[1], u[2], u[3], dst);
        row(a10, a11, a12, u[4], u[5], u[6], u[7], dst);
        row(a20, a21, a22, u[8], u[9], u[10], u[11], dst);
        row(g20, g21, g22, u[12], u[13], u[14], u[15], dst);
    }

    /** One row {@code (a, b, d)} of {@code G g} times {@code G^T}. */
    private static void row(float a, float b, float d, float[] u0, float[] u1, float[] u2,
            float[] u3, int dst) {
        float h = 0.5f * (a + d);
        u0[dst] = a;
        u1[dst] = h + 0.5f * b;
        u2[dst] = h - 0.5f * b;
        u3[dst] = d;
    }

    /**
     * {@code v[xi][c][t] = (B^T d B)[xi]} for channel {@code c} and the tiles of tile rows {@code
     * [r0, r0 + nr)} of the batch ({@code t} numbered from row {@code r0} with the pitch of
     * {@link Tiles}), {@code d} the 4x4 input tile with zeros outside the image. The rows of one
     * image are read once, split by the parity of row and column, then combined by flat loops.
     */
    private static void transformInputs(ConvGeometry g, Tiles t, float[] xa, Tensor x, int c,
            int r0, int nr, int nt, Scratch s, float[] v) {
        int plane = g.cin() * nt;
        int pitch = t.pitch;
        for (int r = r0; r < r0 + nr; ) {
            int img = r / t.high;
            int ty0 = r % t.high;
            int segment = Math.min(t.high - ty0, r0 + nr - r);
            for (int j = 0; j <= segment; j++) {
                int y = 2 * (ty0 + j) - g.ph();
                readRow(g, xa, x, img, c, y, pitch, s.evenEven, s.evenOdd, j * pitch);
                readRow(g, xa, x, img, c, y + 1, pitch, s.oddEven, s.oddOdd, j * pitch);
            }
            int span = segment * pitch;
            WinogradLoops loops = WinogradLoops.INSTANCE;
            loops.columns(s.evenEven, s.oddEven, span, pitch, s.even[0], s.even[1], s.even[2],
                    s.even[3]);
            loops.columns(s.evenOdd, s.oddOdd, span, pitch, s.odd[0], s.odd[1], s.odd[2],
                    s.odd[3]);
            for (int i = 0; i < 4; i++) {
                // Element span is read only by the extra tile of the last row.
                s.even[i][span] = 0f;
                s.odd[i][span] = 0f;
            }
            int dst = c * nt + (r - r0) * pitch;
            for (int i = 0; i < 4; i++) {
                loops.rows(s.even[i], s.odd[i], span, v, (4 * i) * plane + dst, plane);
            }
            r += segment;
        }
    }

    /**
     * Splits input row {@code y} of channel {@code c} into {@code n} even and odd columns at
     * {@code off}: {@code even[off + k] = x[.., y, 2k - pw]}, {@code odd[off + k] = x[.., y, 2k +
     * 1 - pw]}, zero outside the image.
     */
    private static void readRow(ConvGeometry g, float[] xa, Tensor x, int img, int c, int y,
            int n, float[] even, float[] odd, int off) {
        if (y < 0 || y >= g.h()) {
            Arrays.fill(even, off, off + n, 0f);
            Arrays.fill(odd, off, off + n, 0f);
            return;
        }
        int pw = g.pw();
        int w = g.w();
        int sx = x.stride(3);
        int base = x.offset() + img * x.stride(0) + c * x.stride(1) + y * x.stride(2);
        // Inside: 2k - pw >= 0 and 2k + 1 - pw < w.
        int lo = Math.min(n, (pw + 1) / 2);
        int hi = Math.max(lo, Math.min(n, (w + pw - 1) / 2));
        for (int k = 0; k < lo; k++) {
            edge(xa, base, sx, w, 2 * k - pw, even, odd, off + k);
        }
        for (int k = lo, src = base + (2 * lo - pw) * sx; k < hi; k++, src += 2 * sx) {
            even[off + k] = xa[src];
            odd[off + k] = xa[src + sx];
        }
        for (int k = hi; k < n; k++) {
            edge(xa, base, sx, w, 2 * k - pw, even, odd, off + k);
        }
    }

    private static void edge(float[] xa, int base, int sx, int w, int xx, float[] even,
            float[] odd, int at) {
        even[at] = xx >= 0 && xx < w ? xa[base + xx * sx] : 0f;
        odd[at] = xx + 1 >= 0 && xx + 1 < w ? xa[base + (xx + 1) * sx] : 0f;
    }

    /**
     * Output tiles {@code A^T M A + bias} of channel {@code k} for tile rows {@code [r0, r0 +
     * nr)}, written to the contiguous {@code out (N, Cout, OH, OW)} where inside the output, each
     * pair of output rows then passed through the epilogue.
     */
    private static void transformOutputs(ConvGeometry g, Tiles t, float[] m, int k, int r0,
            int nr, int nt, Scratch s, float bias, float[] out, Epilogue epilogue) {
        int plane = g.cout() * nt;
        int b = k * nt;
        float[] y00 = s.y[0];
        float[] y01 = s.y[1];
        float[] y10 = s.y[2];
        float[] y11 = s.y[3];
        WinogradLoops.INSTANCE.outputs(m, b, plane, nt, bias, y00, y01, y10, y11);
        int oh = g.oh();
        int ow = g.ow();
        for (int j = 0; j < nr; j++) {
            int img = (r0 + j) / t.high;
            int oy = 2 * ((r0 + j) % t.high);
            int row = ((img * g.cout() + k) * oh + oy) * ow;
            scatterRow(y00, y01, j * t.pitch, t.wide, out, row, ow);
            int rows = 1;
            if (oy + 1 < oh) {
                scatterRow(y10, y11, j * t.pitch, t.wide, out, row + ow, ow);
                rows = 2;
            }
            if (epilogue.any()) {
                epilogue.apply(out, row, rows * ow);
            }
        }
    }

    /**
     * {@code out[row + 2tx] = left[from + tx]}, {@code out[row + 2tx + 1] = right[from + tx]} for
     * the {@code wide} tiles of a row, inside the row.
     */
    private static void scatterRow(float[] left, float[] right, int from, int wide, float[] out,
            int row, int ow) {
        int full = ow / 2;
        for (int tx = 0; tx < full; tx++) {
            out[row + 2 * tx] = left[from + tx];
            out[row + 2 * tx + 1] = right[from + tx];
        }
        if (full < wide) {
            // The last tile of an odd width has only its left column inside.
            out[row + 2 * full] = left[from + full];
        }
    }
}
