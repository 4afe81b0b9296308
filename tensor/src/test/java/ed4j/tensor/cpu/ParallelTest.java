package ed4j.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The loop runner behind every CPU kernel: coverage, piece boundaries, failures, nesting. */
class ParallelTest {

    @Test
    void everyIndexRunsOnceInPiecesCutAtTheStep() {
        try (Parallel par = new Parallel(3)) {
            for (int n : new int[] {1, 7, 64, 1000, 100_003}) {
                for (int step : new int[] {1, 5, 64, 4096}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    ConcurrentLinkedQueue<int[]> calls = new ConcurrentLinkedQueue<>();
                    par.forPieces(n, step, (s, e) -> {
                        calls.add(new int[] {s, e});
                        for (int i = s; i < e; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "n " + n + " step " + step + " index " + i);
                    }
                    int pieces = (n + step - 1) / step;
                    if (pieces > 1) {
                        assertEquals(pieces, calls.size(), "one call per piece");
                        for (int[] c : calls) {
                            assertEquals(0, c[0] % step, "a piece starts at a multiple of step");
                            assertEquals(Math.min(n, c[0] + step), c[1], "and spans one step");
                        }
                    }
                }
            }
        }
    }

    @Test
    void manyShortLoopsInARow() {
        try (Parallel par = new Parallel(2)) {
            long[] sums = new long[64];
            for (int round = 0; round < 20_000; round++) {
                par.forRange(sums.length, 1, (s, e) -> {
                    for (int i = s; i < e; i++) {
                        sums[i] += i;
                    }
                });
            }
            for (int i = 0; i < sums.length; i++) {
                assertEquals(20_000L * i, sums[i]);
            }
        }
    }

    @Test
    void aFailingPieceThrowsInTheCallerAndTheRunnerGoesOn() {
        try (Parallel par = new Parallel(2)) {
            IllegalArgumentException boom = new IllegalArgumentException("piece 3");
            IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class,
                    () -> par.forPieces(10, 1, (s, e) -> {
                        if (s == 3) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
            AtomicInteger count = new AtomicInteger();
            par.forPieces(10, 1, (s, e) -> count.addAndGet(e - s));
            assertEquals(10, count.get());
        }
    }

    @Test
    void nestedLoopsRunInline() {
        try (Parallel par = new Parallel(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(16 * 100);
            par.forPieces(16, 1, (s, e) -> {
                for (int row = s; row < e; row++) {
                    int r = row;
                    par.forPieces(100, 10, (a, b) -> {
                        for (int i = a; i < b; i++) {
                            hits.incrementAndGet(r * 100 + i);
                        }
                    });
                }
            });
            for (int i = 0; i < hits.length(); i++) {
                assertEquals(1, hits.get(i));
            }
        }
    }

    @Test
    void callersOnSeveralThreadsEachGetTheirWholeRange() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (Parallel par = new Parallel(2)) {
            List<Future<long[]>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int scale = c + 1;
                results.add(callers.submit(() -> {
                    long[] out = new long[500];
                    for (int round = 0; round < 2000; round++) {
                        par.forPieces(out.length, 7, (s, e) -> {
                            for (int i = s; i < e; i++) {
                                out[i] += scale;
                            }
                        });
                    }
                    return out;
                }));
            }
            for (int c = 0; c < 4; c++) {
                long[] out = results.get(c).get();
                for (long v : out) {
                    assertEquals(2000L * (c + 1), v);
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void oneThreadRunsEverythingInTheCaller() {
        try (Parallel par = new Parallel(1)) {
            Thread me = Thread.currentThread();
            List<Thread> seen = new ArrayList<>();
            par.forPieces(100, 3, (s, e) -> seen.add(Thread.currentThread()));
            assertEquals(List.of(me), seen);
            assertTrue(par.threads() == 1);
        }
    }
}
