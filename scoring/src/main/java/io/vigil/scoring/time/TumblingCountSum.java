package io.vigil.scoring.time;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.List;

/**
 * Per-key count and sum over tumbling event-time windows of a fixed size, aligned to the epoch
 * ({@code start = floor(eventTime / size) * size}): e.g. per account, the number and the amount of its transactions
 * per minute. Results are {@code [count, sum]}.
 *
 * <p>The open windows are grouped by start: one bucket per window start holds the keys that had events in it, in the
 * order of their first event there (an index table over dense arrays), so that {@link #advance} emits the buckets by
 * end and each bucket's keys in first-event order, a function of the event order alone; a checkpoint writes them in
 * that order and a restore re-adds them so. Emptied buckets are kept for reuse.
 *
 * <p>Not thread-safe: the pipeline thread owns it. Allocation-free in steady state; a bucket or a key beyond the
 * sizes seen so far grows the arrays, and so does a new window start while every kept bucket is in use.
 */
public final class TumblingCountSum implements EventTimeWindows {
    private static final int SNAPSHOT_VERSION = 1;
    private static final List<String> VALUE_NAMES = List.of("count", "sum");

    private final int windowId;
    private final String name;
    private final long sizeNs;
    private final double[] values = new double[2];
    /** Open buckets, by ascending start; {@code spare} are emptied ones kept for reuse. */
    private Bucket[] open = new Bucket[4];
    private int openCount;
    private Bucket[] spare = new Bucket[4];
    private int spareCount;
    private long closedBeforeNs = Long.MIN_VALUE;
    private long eventsForClosedWindows;

    /**
     * @param windowId stable id of this producer in the window-results journal.
     * @param sizeNs   window length, positive.
     */
    public TumblingCountSum(final int windowId, final String name, final long sizeNs) {
        if (sizeNs <= 0) {
            throw new IllegalArgumentException("window size must be positive: " + sizeNs);
        }
        this.windowId = windowId;
        this.name = name;
        this.sizeNs = sizeNs;
    }

    @Override
    public int windowId() {
        return windowId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<String> valueNames() {
        return VALUE_NAMES;
    }

    public long sizeNs() {
        return sizeNs;
    }

    /** Start of the window holding {@code eventTimeNs}. */
    public long windowStart(final long eventTimeNs) {
        return Math.floorDiv(eventTimeNs, sizeNs) * sizeNs;
    }

    /**
     * Adds one event of ({@code tenant}, {@code key}) to its window.
     *
     * @return false when that window was emitted already (the event is counted in {@link #eventsForClosedWindows()}).
     */
    public boolean add(final int tenant, final long key, final long eventTimeNs, final long value) {
        final long start = windowStart(eventTimeNs);
        if (start + sizeNs <= closedBeforeNs) {
            eventsForClosedWindows++;
            return false;
        }
        bucket(start).add(tenant, key, value);
        return true;
    }

    private Bucket bucket(final long start) {
        int i = openCount - 1;
        while (i >= 0 && open[i].start > start) {
            i--;
        }
        if (i >= 0 && open[i].start == start) {
            return open[i];
        }
        final Bucket bucket = spareCount > 0 ? spare[--spareCount] : new Bucket();
        bucket.start = start;
        if (openCount == open.length) {
            open = Arrays.copyOf(open, openCount * 2);
        }
        System.arraycopy(open, i + 1, open, i + 2, openCount - i - 1);
        open[i + 1] = bucket;
        openCount++;
        return bucket;
    }

    @Override
    public int advance(final long watermarkNs, final WindowResultSink sink) {
        if (watermarkNs <= closedBeforeNs) {
            return 0;
        }
        closedBeforeNs = watermarkNs;
        int emitted = 0;
        int closed = 0;
        while (closed < openCount && open[closed].start + sizeNs <= watermarkNs) {
            final Bucket bucket = open[closed];
            final long end = bucket.start + sizeNs;
            for (int k = 0; k < bucket.size; k++) {
                values[0] = bucket.counts[k];
                values[1] = bucket.sums[k];
                sink.onWindow(this, bucket.tenants[k], bucket.keys[k], bucket.start, end, values, 2);
                emitted++;
            }
            bucket.clear();
            if (spareCount == spare.length) {
                spare = Arrays.copyOf(spare, spareCount * 2);
            }
            spare[spareCount++] = bucket;
            closed++;
        }
        if (closed > 0) {
            System.arraycopy(open, closed, open, 0, openCount - closed);
            Arrays.fill(open, openCount - closed, openCount, null);
            openCount -= closed;
        }
        return emitted;
    }

    @Override
    public long eventsForClosedWindows() {
        return eventsForClosedWindows;
    }

    @Override
    public long openWindows() {
        long windows = 0;
        for (int i = 0; i < openCount; i++) {
            windows += open[i].size;
        }
        return windows;
    }

    @Override
    public void writeSnapshot(final WritableByteChannel out) throws IOException {
        final long windows = openWindows();
        final ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(4 + 8 + 8 + 8 + 4 + openCount * 12L + windows * 28))
            .order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(SNAPSHOT_VERSION).putLong(sizeNs).putLong(closedBeforeNs).putLong(eventsForClosedWindows).putInt(openCount);
        for (int i = 0; i < openCount; i++) {
            final Bucket bucket = open[i];
            bytes.putLong(bucket.start).putInt(bucket.size);
            for (int k = 0; k < bucket.size; k++) {
                bytes.putInt(bucket.tenants[k]).putLong(bucket.keys[k]).putLong(bucket.counts[k]).putLong(bucket.sums[k]);
            }
        }
        bytes.flip();
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    @Override
    public void readSnapshot(final ReadableByteChannel in) throws IOException {
        final ByteBuffer head = readFully(in, 4 + 8 + 8 + 8 + 4);
        final int version = head.getInt();
        if (version != SNAPSHOT_VERSION) {
            throw new IOException(name + " snapshot version " + version + ", this build reads " + SNAPSHOT_VERSION);
        }
        final long size = head.getLong();
        if (size != sizeNs) {
            throw new IOException(name + " snapshot has windows of " + size + " ns, this engine " + sizeNs + " ns");
        }
        final long closedBefore = head.getLong();
        final long late = head.getLong();
        final int buckets = head.getInt();
        if (buckets < 0 || buckets > 1 << 20) {
            throw new IOException(name + " snapshot holds " + buckets + " windows starts");
        }
        clear();
        for (int i = 0; i < buckets; i++) {
            final ByteBuffer bucketHead = readFully(in, 12);
            final long start = bucketHead.getLong();
            final int keys = bucketHead.getInt();
            if (keys < 0 || keys > 1 << 26) {
                throw new IOException(name + " snapshot: a window start with " + keys + " keys");
            }
            final Bucket bucket = bucket(start);
            final ByteBuffer body = readFully(in, keys * 28);
            for (int k = 0; k < keys; k++) {
                bucket.put(body.getInt(), body.getLong(), body.getLong(), body.getLong());
            }
        }
        closedBeforeNs = closedBefore;
        eventsForClosedWindows = late;
    }

    private ByteBuffer readFully(final ReadableByteChannel in, final int length) throws IOException {
        final ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.hasRemaining()) {
            if (in.read(bytes) < 0) {
                throw new IOException(name + " snapshot ends early");
            }
        }
        return bytes.flip();
    }

    @Override
    public void clear() {
        while (openCount > 0) {
            final Bucket bucket = open[--openCount];
            open[openCount] = null;
            bucket.clear();
            if (spareCount == spare.length) {
                spare = Arrays.copyOf(spare, spareCount * 2);
            }
            spare[spareCount++] = bucket;
        }
        closedBeforeNs = Long.MIN_VALUE;
        eventsForClosedWindows = 0;
    }

    /** The keys of one window start, in first-event order, with an open-addressing index over them. */
    private static final class Bucket {
        long start;
        int size;
        int[] tenants = new int[16];
        long[] keys = new long[16];
        long[] counts = new long[16];
        long[] sums = new long[16];
        /** Index + 1 of each key in the dense arrays, 0 free; cleared per used entry when emptied. */
        int[] table = new int[32];

        void add(final int tenant, final long key, final long value) {
            final int mask = table.length - 1;
            int i = hash(tenant, key) & mask;
            while (true) {
                final int entry = table[i];
                if (entry == 0) {
                    break;
                }
                if (keys[entry - 1] == key && tenants[entry - 1] == tenant) {
                    counts[entry - 1]++;
                    sums[entry - 1] += value;
                    return;
                }
                i = (i + 1) & mask;
            }
            put(tenant, key, 1, value);
        }

        void put(final int tenant, final long key, final long count, final long sum) {
            if (size == keys.length) {
                grow();
            }
            tenants[size] = tenant;
            keys[size] = key;
            counts[size] = count;
            sums[size] = sum;
            size++;
            index(size - 1);
        }

        private void index(final int entry) {
            final int mask = table.length - 1;
            int i = hash(tenants[entry], keys[entry]) & mask;
            while (table[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = entry + 1;
        }

        private void grow() {
            final int capacity = keys.length * 2;
            tenants = Arrays.copyOf(tenants, capacity);
            keys = Arrays.copyOf(keys, capacity);
            counts = Arrays.copyOf(counts, capacity);
            sums = Arrays.copyOf(sums, capacity);
            table = new int[capacity * 2];
            for (int e = 0; e < size; e++) {
                index(e);
            }
        }

        void clear() {
            Arrays.fill(table, 0);
            size = 0;
        }

        private static int hash(final int tenant, final long key) {
            long h = key * 0x9E3779B97F4A7C15L + tenant;
            h ^= h >>> 33;
            h *= 0xff51afd7ed558ccdL;
            h ^= h >>> 33;
            return (int)h;
        }
    }
}
