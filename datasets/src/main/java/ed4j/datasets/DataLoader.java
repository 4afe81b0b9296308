package ed4j.datasets;

import ed4j.tensor.Generator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches of decoded samples: seeded shuffling, decoding on worker threads ahead of use, and
 * memory bounded by a queue.
 *
 * <p>Each epoch visits every sample once, in file order or, with {@link Builder#shuffle}, in a
 * permutation determined by the seed and the epoch number alone. Up to {@code queueCapacity}
 * samples wait in a queue, decoded or being decoded, ahead of the batch being assembled; at
 * most {@code queueCapacity + batchSize} decoded samples exist besides the batches already
 * handed out, so memory stays bounded whatever the data set size.
 * Results are delivered in epoch order, so batches do not depend on the number of workers.
 *
 * <p>A worker's failure surfaces in {@link Iterator#hasNext()} or {@link Iterator#next()} as a
 * {@link DataLoadException} naming the file. With {@link Builder#skipInvalid} an {@link
 * InvalidSampleException} (corrupt image, bad mask) is logged once per file, counted in {@link
 * #skipped()}, and the sample is left out of the batch.
 *
 * <pre>{@code
 * AnomalyDataset train = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle", Split.TRAIN);
 * try (DataLoader loader = DataLoader.builder(train, 256).batchSize(8).shuffle(42).workers(2)
 *         .build()) {
 *     for (Batch b : loader) { // one epoch per loop
 *         Tensor x = b.images(); // (8, 3, 256, 256)
 *     }
 * }
 * }</pre>
 */
public final class DataLoader implements Iterable<Batch>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DataLoader.class);

    private final List<Sample> samples;
    private final SampleDecoder decoder;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int workers;
    private final int queueCapacity;
    private final boolean dropLast;
    private final boolean skipInvalid;
    private final ExecutorService pool;
    private final AtomicInteger nextEpoch = new AtomicInteger();
    private final Map<Path, SkippedFile> skipped = new LinkedHashMap<>();
    private volatile boolean closed;

    private DataLoader(Builder b) {
        this.samples = List.copyOf(b.samples);
        this.decoder = b.decoder;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.workers = b.workers;
        this.queueCapacity = b.queueCapacity > 0 ? b.queueCapacity : 2 * b.batchSize;
        this.dropLast = b.dropLast;
        this.skipInvalid = b.skipInvalid;
        this.pool = workers > 0 ? Executors.newFixedThreadPool(workers, threadFactory()) : null;
    }

    private static ThreadFactory threadFactory() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "ed4j-loader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A builder over {@code samples}, decoded by {@code decoder}. */
    public static Builder builder(List<Sample> samples, SampleDecoder decoder) {
        return new Builder(samples, decoder);
    }

    /** A builder over a data set, decoded by its layout's pipeline at input size {@code size}. */
    public static Builder builder(AnomalyDataset dataset, int size) {
        return new Builder(dataset.samples(), dataset.decoder(size));
    }

    /** The next epoch: the first call iterates epoch 0, the next epoch 1, and so on. */
    @Override
    public Iterator<Batch> iterator() {
        return epoch(nextEpoch.getAndIncrement());
    }

    /**
     * The batches of epoch {@code epoch}. Close it when leaving it early, so that samples still
     * queued are dropped.
     *
     * @throws IllegalStateException when the loader is closed
     */
    public Epoch epoch(int epoch) {
        if (closed) {
            throw new IllegalStateException("DataLoader is closed");
        }
        return new Epoch(order(epoch));
    }

    /** The sample indices of epoch {@code epoch}, in visiting order. */
    public int[] order(int epoch) {
        int n = samples.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            Generator g = new Generator(epochSeed(seed, epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = g.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return order;
    }

    /** An independent seed per (seed, epoch): murmur3's 64-bit finaliser of a mix of both. */
    private static long epochSeed(long seed, int epoch) {
        long z = seed ^ ((epoch + 1L) * 0xD1B54A32D192ED03L);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    /** Number of samples per epoch before any is skipped. */
    public int size() {
        return samples.size();
    }

    /** Batch size B. */
    public int batchSize() {
        return batchSize;
    }

    /** How many samples may be decoded ahead of the consumer. */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** The files skipped as invalid so far, each once, in the order they were met. */
    public List<SkippedFile> skipped() {
        synchronized (skipped) {
            return List.copyOf(skipped.values());
        }
    }

    /** Number of distinct files skipped as invalid so far. */
    public int skippedCount() {
        synchronized (skipped) {
            return skipped.size();
        }
    }

    /** Stops the worker threads; epochs still open fail on their next call. */
    @Override
    public void close() {
        closed = true;
        if (pool != null) {
            // Cancel queued decodes, so that a consumer waiting on one wakes up.
            for (Runnable queued : pool.shutdownNow()) {
                if (queued instanceof Future<?> f) {
                    f.cancel(false);
                }
            }
        }
    }

    private void recordSkip(InvalidSampleException e) {
        synchronized (skipped) {
            if (skipped.putIfAbsent(e.file(), new SkippedFile(e.file(), e.getMessage())) == null) {
                LOG.warn("skipping invalid sample {}", e.getMessage());
            }
        }
    }

    /** One sample in the queue: a running decode, or (without workers) one still to run. */
    private record Pending(Sample sample, Future<DecodedSample> future) {}

    /** The batches of one epoch, in order. Not thread-safe: one consumer per epoch. */
    public final class Epoch implements Iterator<Batch>, AutoCloseable {

        private final int[] order;
        private final ArrayDeque<Pending> queue = new ArrayDeque<>();
        private int submitted;
        private Batch next;
        private boolean finished;

        private Epoch(int[] order) {
            this.order = order;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !finished) {
                next = assemble();
                if (next == null) {
                    finished = true;
                }
            }
            return next != null;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch has no more batches");
            }
            Batch b = next;
            next = null;
            return b;
        }

        /** Drops the samples still queued; the epoch then has no more batches. */
        @Override
        public void close() {
            finished = true;
            next = null;
            for (Pending p : queue) {
                if (p.future() != null) {
                    p.future().cancel(false);
                }
            }
            queue.clear();
        }

        private Batch assemble() {
            List<DecodedSample> items = new ArrayList<>(batchSize);
            while (items.size() < batchSize) {
                DecodedSample d = take();
                if (d == null) {
                    break;
                }
                items.add(d);
            }
            if (items.isEmpty() || (dropLast && items.size() < batchSize)) {
                close();
                return null;
            }
            return Batch.of(items);
        }

        /** The next decoded sample in order, or null at the end of the epoch. */
        private DecodedSample take() {
            while (true) {
                fill();
                Pending p = queue.poll();
                if (p == null) {
                    return null;
                }
                // Keep the queue full while this sample is awaited and used.
                fill();
                try {
                    return p.future() != null ? p.future().get() : decoder.decode(p.sample());
                } catch (ExecutionException e) {
                    handle(p.sample(), e.getCause());
                } catch (IOException | RuntimeException e) {
                    handle(p.sample(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new DataLoadException(p.sample().image(),
                            "interrupted while loading " + p.sample().image(), e);
                }
            }
        }

        /** Records a skippable failure, or closes the epoch and throws. */
        private void handle(Sample sample, Throwable cause) {
            if (closed) {
                close();
                throw new IllegalStateException("DataLoader is closed", cause);
            }
            if (cause instanceof InvalidSampleException ise && skipInvalid) {
                recordSkip(ise);
                return;
            }
            close();
            if (cause instanceof InvalidSampleException ise) {
                throw new DataLoadException(ise.file(), ise.getMessage(), ise);
            }
            throw new DataLoadException(sample.image(),
                    "loading " + sample.image() + " failed: " + cause, cause);
        }

        /** Queues samples until {@code queueCapacity} are waiting, decoded or decoding. */
        private void fill() {
            if (closed) {
                close();
                throw new IllegalStateException("DataLoader is closed");
            }
            while (queue.size() < queueCapacity && submitted < order.length) {
                Sample s = samples.get(order[submitted++]);
                Future<DecodedSample> f =
                        pool == null ? null : pool.submit(() -> decoder.decode(s));
                queue.add(new Pending(s, f));
            }
        }
    }

    /** Builder of a {@link DataLoader}. */
    public static final class Builder {
        private final List<Sample> samples;
        private final SampleDecoder decoder;
        private int batchSize = 1;
        private boolean shuffle;
        private long seed;
        private int workers = 1;
        private int queueCapacity;
        private boolean dropLast;
        private boolean skipInvalid;

        private Builder(List<Sample> samples, SampleDecoder decoder) {
            if (samples == null || decoder == null) {
                throw new IllegalArgumentException("DataLoader: samples and decoder are required");
            }
            this.samples = samples;
            this.decoder = decoder;
        }

        /** Samples per batch (default 1). */
        public Builder batchSize(int batchSize) {
            this.batchSize = positive(batchSize, "batchSize");
            return this;
        }

        /** Shuffle each epoch with a permutation drawn from {@code seed} and the epoch number. */
        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /**
         * Worker threads that decode ahead (default 1); 0 decodes on the consumer's thread when
         * a sample is needed.
         */
        public Builder workers(int workers) {
            if (workers < 0) {
                throw new IllegalArgumentException(
                        "DataLoader: workers must be 0 or more, got " + workers);
            }
            this.workers = workers;
            return this;
        }

        /** Samples decoded ahead of use at most (default twice the batch size). */
        public Builder queueCapacity(int capacity) {
            this.queueCapacity = positive(capacity, "queueCapacity");
            return this;
        }

        /** Drop the last batch of an epoch when it is smaller than the batch size. */
        public Builder dropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /** Skip invalid samples with a warning and count them instead of failing. */
        public Builder skipInvalid(boolean skip) {
            this.skipInvalid = skip;
            return this;
        }

        /**
         * The loader; it starts its worker threads now.
         *
         * @throws IllegalArgumentException when there are no samples
         */
        public DataLoader build() {
            if (samples.isEmpty()) {
                throw new IllegalArgumentException("DataLoader: no samples to load");
            }
            return new DataLoader(this);
        }

        private static int positive(int v, String what) {
            if (v <= 0) {
                throw new IllegalArgumentException(
                        "DataLoader: " + what + " must be positive, got " + v);
            }
            return v;
        }
    }
}
