package ed4j.ed.metrics;

import java.util.Arrays;

/**
 * Growable primitive arrays that hold a test set's pixels. They grow by half their capacity,
 * so while growing an array briefly exists twice (old and new, 2.5 times the content at most).
 */
final class Buffers {

    /** Java arrays stop a little short of {@code Integer.MAX_VALUE} elements. */
    static final int MAX_LENGTH = Integer.MAX_VALUE - 8;

    private Buffers() {}

    static int grow(int capacity, long needed, String what) {
        if (needed > MAX_LENGTH) {
            throw new IllegalStateException(what + " would need " + needed + " elements, more"
                    + " than a Java array holds (" + MAX_LENGTH + ")");
        }
        long next = Math.max(needed, Math.max(16L, capacity + (long) (capacity >> 1)));
        return (int) Math.min(next, MAX_LENGTH);
    }

    /** A growable {@code float[]}. */
    static final class Floats {
        private final String what;
        float[] data;
        int size;

        Floats(String what, int capacity) {
            this.what = what;
            this.data = new float[capacity];
        }

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, grow(data.length, size + 1L, what));
            }
            data[size++] = v;
        }

        void ensureRoom(int more) {
            if ((long) size + more > data.length) {
                data = Arrays.copyOf(data, grow(data.length, (long) size + more, what));
            }
        }

        void sort() {
            Arrays.sort(data, 0, size);
        }
    }

    /** A growable {@code long[]}. */
    static final class Longs {
        private final String what;
        long[] data;
        int size;

        Longs(String what, int capacity) {
            this.what = what;
            this.data = new long[capacity];
        }

        void add(long v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, grow(data.length, size + 1L, what));
            }
            data[size++] = v;
        }

        void sort() {
            Arrays.sort(data, 0, size);
        }
    }

    /** A growable {@code int[]}. */
    static final class Ints {
        private final String what;
        int[] data;
        int size;

        Ints(String what, int capacity) {
            this.what = what;
            this.data = new int[capacity];
        }

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, grow(data.length, size + 1L, what));
            }
            data[size++] = v;
        }
    }
}
