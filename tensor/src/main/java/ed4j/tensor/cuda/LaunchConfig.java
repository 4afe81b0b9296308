package ed4j.tensor.cuda;

/**
 * The geometry of one kernel launch: grid and block sizes and the dynamic shared memory.
 *
 * @param gridX blocks along x (at most 2^31 - 1)
 * @param gridY blocks along y (at most 65535)
 * @param gridZ blocks along z (at most 65535)
 * @param blockX threads along x
 * @param sharedBytes dynamic shared memory per block
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int sharedBytes) {

    /** Blocks along y or z that the hardware accepts. */
    static final int MAX_GRID_YZ = 65535;
    /** Enough blocks of a grid-stride loop to fill any current GPU several times over. */
    static final int MAX_LINEAR_BLOCKS = 1 << 16;

    public LaunchConfig {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException("invalid grid (" + gridX + ", " + gridY + ", "
                    + gridZ + "): x must be positive, y and z in [1, 65535]");
        }
        if (blockX < 1 || blockX > 1024 || sharedBytes < 0) {
            throw new IllegalArgumentException(
                    "invalid block " + blockX + " with " + sharedBytes + " B shared memory");
        }
    }

    /**
     * A 1-d launch of a grid-stride loop over {@code n} items (n > 0): one thread per item up to
     * {@link #MAX_LINEAR_BLOCKS} blocks, the loop covering the rest.
     */
    static LaunchConfig linear(long n, int threads) {
        long blocks = Math.min((n + threads - 1) / threads, MAX_LINEAR_BLOCKS);
        return new LaunchConfig((int) Math.max(blocks, 1), 1, 1, threads, 0);
    }

    /**
     * A 1-d launch with one warp per row for {@code rows} rows (rows > 0), {@code warps} warps
     * per block.
     */
    static LaunchConfig warpPerRow(long rows, int warps, int sharedBytes) {
        long blocks = Math.min((rows + warps - 1) / warps, MAX_LINEAR_BLOCKS);
        return new LaunchConfig((int) Math.max(blocks, 1), 1, 1, 32 * warps, sharedBytes);
    }

    /**
     * A tiled launch: {@code tilesX} blocks along x, {@code tilesY} along y, and z covering
     * {@code items} with a grid-stride loop.
     *
     * @throws UnsupportedOperationException when {@code tilesY} exceeds 65535
     */
    static LaunchConfig tiles(long tilesX, long tilesY, long items, int threads) {
        if (tilesX > Integer.MAX_VALUE || tilesY > MAX_GRID_YZ) {
            throw new UnsupportedOperationException("a tiled kernel needs " + tilesX + " x "
                    + tilesY + " tiles; at most 2^31-1 x 65535 are supported");
        }
        return new LaunchConfig((int) Math.max(tilesX, 1), (int) Math.max(tilesY, 1),
                (int) Math.max(Math.min(items, MAX_GRID_YZ), 1), threads, 0);
    }

    @Override
    public String toString() {
        return "grid (" + gridX + ", " + gridY + ", " + gridZ + ") block (" + blockX
                + ", 1, 1) shared " + sharedBytes + " B";
    }
}
