package ed4j.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ed4j.tensor.DType;
import ed4j.tensor.Shape;
import ed4j.tensor.Tensor;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataLoaderTest {

    @TempDir
    Path root;

    /** n samples with fake paths {@code /data/<i>.png}; odd ones anomalous. */
    private static List<Sample> fakeSamples(int n) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            Optional<Path> mask = label == 1 ? Optional.of(Path.of("/data/" + i + "_mask.png"))
                    : Optional.empty();
            out.add(new Sample(Path.of("/data/" + i + ".png"), "c", Split.TEST,
                    label == 1 ? "bad" : "good", label, mask));
        }
        return out;
    }

    /** A decoder that needs no files: every image value is the sample's index. */
    private static DecodedSample fakeDecode(Sample s) {
        int index = Integer.parseInt(s.stem());
        float[] v = new float[3 * 2 * 2];
        Arrays.fill(v, index);
        byte[] rgb = new byte[2 * 2 * 3];
        Arrays.fill(rgb, (byte) index);
        return new DecodedSample(s, Tensor.of(v, 3, 2, 2),
                Tensor.full(Shape.of(1, 2, 2), s.label(), DType.FLOAT32),
                ByteImage.of(2, 2, 3, rgb));
    }

    /** The index of every row of every batch of one epoch, in order. */
    private static List<Integer> visit(Iterator<Batch> epoch) {
        List<Integer> seen = new ArrayList<>();
        while (epoch.hasNext()) {
            Batch b = epoch.next();
            for (int i = 0; i < b.size(); i++) {
                int index = (int) b.images().get(i, 0, 0, 0);
                assertEquals(b.stems().get(i), Integer.toString(index));
                assertEquals(index % 2, (int) b.labels().get(i));
                assertEquals(index % 2, b.masks().get(i, 0, 1, 1));
                seen.add(index);
            }
        }
        return seen;
    }

    @Test
    void batchesStackImagesMasksAndLabels() {
        try (DataLoader loader = DataLoader.builder(fakeSamples(7), DataLoaderTest::fakeDecode)
                .batchSize(3).workers(2).build()) {
            Iterator<Batch> it = loader.iterator();
            Batch first = it.next();
            assertArrayEquals(new int[] {3, 3, 2, 2}, first.images().shape().toArray());
            assertArrayEquals(new int[] {3, 1, 2, 2}, first.masks().shape().toArray());
            assertArrayEquals(new long[] {0, 1, 0}, first.labels().toLongArray());
            assertEquals(List.of("good", "bad", "good"), first.defectTypes());
            assertEquals(3, first.rgb().size());
            assertEquals(3, it.next().size());
            assertEquals(1, it.next().size());
            assertFalse(it.hasNext());
        }
    }

    @Test
    void shufflingIsSeededPerEpochAndIndependentOfWorkers() {
        List<Sample> samples = fakeSamples(23);
        List<List<Integer>> runs = new ArrayList<>();
        for (int workers : new int[] {0, 1, 3}) {
            try (DataLoader loader = DataLoader.builder(samples, DataLoaderTest::fakeDecode)
                    .batchSize(4).shuffle(42).workers(workers).queueCapacity(5).build()) {
                List<Integer> e0 = visit(loader.iterator());
                List<Integer> e1 = visit(loader.iterator());
                runs.add(e0);
                runs.add(e1);
                // Every sample once per epoch.
                assertEquals(23, e0.size());
                assertEquals(23, e0.stream().distinct().count());
                assertNotEquals(e0, e1, "epochs must be shuffled differently");
                assertEquals(e1, visit(loader.epoch(1)), "an epoch repeats from its number");
            }
        }
        for (int i = 2; i < runs.size(); i++) {
            assertEquals(runs.get(i % 2), runs.get(i), "order must not depend on workers");
        }
        // Another seed, another order.
        try (DataLoader other = DataLoader.builder(samples, DataLoaderTest::fakeDecode)
                .shuffle(43).build()) {
            assertFalse(Arrays.equals(other.order(0), toArray(runs.get(0))));
        }
        try (DataLoader plain = DataLoader.builder(samples, DataLoaderTest::fakeDecode)
                .batchSize(5).build()) {
            List<Integer> inOrder = visit(plain.iterator());
            for (int i = 0; i < 23; i++) {
                assertEquals(i, inOrder.get(i));
            }
        }
    }

    private static int[] toArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void dropLastDropsTheShortBatch() {
        try (DataLoader loader = DataLoader.builder(fakeSamples(7), DataLoaderTest::fakeDecode)
                .batchSize(3).dropLast(true).build()) {
            assertEquals(6, visit(loader.iterator()).size());
        }
    }

    @Test
    void queueBoundsTheSamplesDecodedAhead() throws InterruptedException {
        int capacity = 4;
        int batch = 2;
        AtomicInteger started = new AtomicInteger();
        AtomicInteger consumed = new AtomicInteger();
        AtomicLong maxAhead = new AtomicLong();
        SampleDecoder counting = s -> {
            int ahead = started.incrementAndGet() - consumed.get();
            maxAhead.accumulateAndGet(ahead, Math::max);
            return fakeDecode(s);
        };
        try (DataLoader loader = DataLoader.builder(fakeSamples(40), counting)
                .batchSize(batch).workers(3).queueCapacity(capacity).build()) {
            Iterator<Batch> it = loader.iterator();
            Batch b = it.next();
            consumed.addAndGet(b.size());
            // With the consumer idle, the workers fill the queue and then stop.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (started.get() < batch + capacity && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(batch + capacity, started.get(), "workers should fill the queue");
            while (it.hasNext()) {
                consumed.addAndGet(it.next().size());
            }
        }
        assertEquals(40, started.get());
        // In flight or ready: the queue plus the rows of the batch being assembled.
        assertTrue(maxAhead.get() <= capacity + batch,
                "decoded ahead " + maxAhead.get() + " > " + (capacity + batch));
    }

    @Test
    void workerFailureNamesTheFile() {
        SampleDecoder failing = s -> {
            if (s.stem().equals("5")) {
                throw new IOException("disk on fire");
            }
            return fakeDecode(s);
        };
        try (DataLoader loader = DataLoader.builder(fakeSamples(9), failing).batchSize(2)
                .workers(2).skipInvalid(true).build()) {
            Iterator<Batch> it = loader.iterator();
            it.next();
            it.next();
            DataLoadException e = assertThrows(DataLoadException.class, it::next);
            assertEquals(Path.of("/data/5.png"), e.file());
            assertTrue(e.getMessage().contains("/data/5.png"), e.getMessage());
            assertTrue(e.getCause().getMessage().contains("disk on fire"));
            // The epoch is over after a failure.
            assertFalse(it.hasNext());
        }
    }

    @Test
    void invalidSamplesAreSkippedAndCountedOnlyWhenAsked() {
        SampleDecoder corrupt = s -> {
            if (s.stem().equals("3") || s.stem().equals("6")) {
                throw new InvalidSampleException(s.image(), "corrupt PNG image: test");
            }
            return fakeDecode(s);
        };
        try (DataLoader strict = DataLoader.builder(fakeSamples(8), corrupt).batchSize(4)
                .build()) {
            DataLoadException e = assertThrows(DataLoadException.class,
                    () -> visit(strict.iterator()));
            assertEquals(Path.of("/data/3.png"), e.file());
            assertTrue(e.getCause() instanceof InvalidSampleException);
        }
        try (DataLoader skipping = DataLoader.builder(fakeSamples(8), corrupt).batchSize(4)
                .workers(2).skipInvalid(true).build()) {
            assertEquals(List.of(0, 1, 2, 4, 5, 7), visit(skipping.iterator()));
            assertEquals(List.of(0, 1, 2, 4, 5, 7), visit(skipping.iterator()));
            // Counted once per file, not once per epoch.
            assertEquals(2, skipping.skippedCount());
            assertEquals(Path.of("/data/6.png"), skipping.skipped().get(1).file());
        }
    }

    @Test
    void closedLoaderRefusesNewEpochs() {
        DataLoader loader = DataLoader.builder(fakeSamples(4), DataLoaderTest::fakeDecode)
                .build();
        Iterator<Batch> open = loader.iterator();
        loader.close();
        assertThrows(IllegalStateException.class, loader::iterator);
        assertThrows(IllegalStateException.class, open::hasNext);
    }

    @Test
    void closingWakesAConsumerWaitingForAWorker() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        SampleDecoder stuck = s -> {
            started.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException("decode interrupted");
            }
            return fakeDecode(s);
        };
        DataLoader loader = DataLoader.builder(fakeSamples(6), stuck).workers(1)
                .queueCapacity(3).build();
        Iterator<Batch> it = loader.iterator();
        CompletableFuture<Throwable> consumer = CompletableFuture.supplyAsync(() -> {
            try {
                it.next();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        });
        assertTrue(started.await(20, TimeUnit.SECONDS));
        loader.close();
        Throwable t = consumer.get(20, TimeUnit.SECONDS);
        assertTrue(t instanceof IllegalStateException, String.valueOf(t));
        assertTrue(t.getMessage().contains("closed"), t.getMessage());
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(List.of(), DataLoaderTest::fakeDecode).build());
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(fakeSamples(2), DataLoaderTest::fakeDecode)
                        .batchSize(0));
        assertThrows(IllegalArgumentException.class,
                () -> DataLoader.builder(fakeSamples(2), DataLoaderTest::fakeDecode)
                        .workers(-1));
    }

    @Test
    void realFilesThroughTheStandardPipeline() throws IOException {
        TinyImages.mvtecClass(root, "bottle");
        AnomalyDataset test = AnomalyDataset.scan(root, DatasetLayout.MVTEC_AD, "bottle",
                Split.TEST);
        try (DataLoader loader = DataLoader.builder(test, 16).batchSize(2).workers(2)
                .shuffle(7).build()) {
            int rows = 0;
            int anomalous = 0;
            for (Batch b : loader) {
                assertEquals(b.size(), b.images().shape().size(0));
                assertArrayEquals(new int[] {3, 16, 16},
                        Arrays.copyOfRange(b.images().shape().toArray(), 1, 4));
                for (int i = 0; i < b.size(); i++) {
                    double maskSum = b.masks().select(0, i).sum().item();
                    assertEquals(b.samples().get(i).isAnomalous(), maskSum > 0);
                    anomalous += (int) b.labels().get(i);
                }
                rows += b.size();
            }
            assertEquals(5, rows);
            assertEquals(3, anomalous);
        }
    }
}
