package io.vigil.scoring.time;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * The watermarks of a pipeline's sources, the Flink model: each source (a client today, a Kafka partition later) has
 * the watermark {@code max event time seen - maxOutOfOrderness}; the pipeline's watermark is the least of the
 * <em>active</em> sources' watermarks, and never goes back. A source is active from its first event on, turns idle at
 * a tick ({@link #onTick}) that observes it has sent nothing for the idle timeout (then it no longer holds the
 * watermark back), and is active again with its next event. With every source idle, the watermark holds.
 *
 * <p>An event is <em>late</em> when its event time is before the pipeline's watermark as it stood when the event
 * arrived ({@link #watermarkNs()} before {@link #onEvent}); its lateness is the difference. Lateness is the caller's
 * business; this class only keeps the watermarks.
 *
 * <p>The pipeline watermark is kept with an indexed binary min-heap of the active sources by their largest event
 * time (all sources share one bound), so an event costs a hash probe and at most a log(sources) sift.
 *
 * <p>Not thread-safe: the pipeline thread owns it. Allocation-free per event; a new source may grow the tables.
 */
public final class Watermarks {
    /** The watermark before any event: nothing is late. */
    public static final long NONE = Long.MIN_VALUE;
    private static final int SNAPSHOT_VERSION = 1;
    private static final int SOURCE_BYTES = 4 + 8 + 8 + 8 + 1;

    private long maxOutOfOrdernessNs;
    private long watermarkNs = NONE;
    private int count;
    private int[] tenants;
    private long[] clients;
    private long[] maxEventNs;
    private long[] lastIngestNs;
    /** Position of each source in {@link #heap}, -1 when idle. */
    private int[] heapPos;
    private int[] heap;
    private int heapSize;
    /** Open addressing: source index + 1, 0 for free. */
    private int[] table;

    public Watermarks(final int expectedSources, final long maxOutOfOrdernessNs) {
        final int capacity = Math.max(4, Integer.highestOneBit(Math.max(1, expectedSources) - 1) << 1);
        tenants = new int[capacity];
        clients = new long[capacity];
        maxEventNs = new long[capacity];
        lastIngestNs = new long[capacity];
        heapPos = new int[capacity];
        heap = new int[capacity];
        table = new int[capacity * 2];
        this.maxOutOfOrdernessNs = checkBound(maxOutOfOrdernessNs);
    }

    private static long checkBound(final long boundNs) {
        if (boundNs < 0) {
            throw new IllegalArgumentException("max out-of-orderness must not be negative: " + boundNs);
        }
        return boundNs;
    }

    /** The pipeline's watermark (epoch ns), {@link #NONE} before the first event. */
    public long watermarkNs() {
        return watermarkNs;
    }

    public long maxOutOfOrdernessNs() {
        return maxOutOfOrdernessNs;
    }

    /** Changes the bound from now on; the watermark never goes back, a larger bound only holds it longer. */
    public void maxOutOfOrdernessNs(final long boundNs) {
        maxOutOfOrdernessNs = checkBound(boundNs);
        advance();
    }

    /** Sources seen since start (active or idle). */
    public int sources() {
        return count;
    }

    /** Sources holding the watermark now. */
    public int activeSources() {
        return heapSize;
    }

    /**
     * An event of source ({@code tenant}, {@code client}) with event time {@code eventTimeNs}, ingested at
     * {@code ingestNs} (the journal's stamp): advances the source's watermark and the pipeline's.
     *
     * @return true when the pipeline watermark moved.
     */
    public boolean onEvent(final int tenant, final long client, final long eventTimeNs, final long ingestNs) {
        int source = find(tenant, client);
        if (source < 0) {
            source = add(tenant, client, eventTimeNs);
        }
        lastIngestNs[source] = ingestNs;
        if (eventTimeNs > maxEventNs[source]) {
            maxEventNs[source] = eventTimeNs;
            if (heapPos[source] >= 0) {
                siftDown(heapPos[source]);
            }
        }
        if (heapPos[source] < 0) {
            heapInsert(source);
        }
        return advance();
    }

    /**
     * A watermark tick: every active source whose last event was ingested {@code idleTimeoutNs} or more before
     * {@code observedNs} turns idle and stops holding the watermark back. {@code idleTimeoutNs} 0 or less: none.
     *
     * @return true when the pipeline watermark moved.
     */
    public boolean onTick(final long observedNs, final long idleTimeoutNs) {
        if (idleTimeoutNs > 0) {
            for (int s = 0; s < count; s++) {
                if (heapPos[s] >= 0 && observedNs - lastIngestNs[s] >= idleTimeoutNs) {
                    heapRemove(heapPos[s]);
                }
            }
        }
        return advance();
    }

    private boolean advance() {
        if (heapSize == 0) {
            return false;
        }
        final long max = maxEventNs[heap[0]];
        final long candidate = max < NONE + maxOutOfOrdernessNs ? NONE : max - maxOutOfOrdernessNs;
        if (candidate > watermarkNs) {
            watermarkNs = candidate;
            return true;
        }
        return false;
    }

    private int find(final int tenant, final long client) {
        final int mask = table.length - 1;
        for (int i = hash(tenant, client) & mask; ; i = (i + 1) & mask) {
            final int entry = table[i];
            if (entry == 0) {
                return -1;
            }
            if (clients[entry - 1] == client && tenants[entry - 1] == tenant) {
                return entry - 1;
            }
        }
    }

    private static int hash(final int tenant, final long client) {
        long h = client * 0x9E3779B97F4A7C15L + tenant;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return (int)h;
    }

    private int add(final int tenant, final long client, final long eventTimeNs) {
        if (count == tenants.length) {
            grow();
        }
        final int source = count++;
        tenants[source] = tenant;
        clients[source] = client;
        maxEventNs[source] = eventTimeNs;
        heapPos[source] = -1;
        index(source);
        return source;
    }

    private void index(final int source) {
        final int mask = table.length - 1;
        int i = hash(tenants[source], clients[source]) & mask;
        while (table[i] != 0) {
            i = (i + 1) & mask;
        }
        table[i] = source + 1;
    }

    private void grow() {
        final int capacity = tenants.length * 2;
        tenants = Arrays.copyOf(tenants, capacity);
        clients = Arrays.copyOf(clients, capacity);
        maxEventNs = Arrays.copyOf(maxEventNs, capacity);
        lastIngestNs = Arrays.copyOf(lastIngestNs, capacity);
        heapPos = Arrays.copyOf(heapPos, capacity);
        heap = Arrays.copyOf(heap, capacity);
        table = new int[capacity * 2];
        for (int s = 0; s < count; s++) {
            index(s);
        }
    }

    // --- indexed min-heap of the active sources by maxEventNs ---

    private void heapInsert(final int source) {
        heap[heapSize] = source;
        heapPos[source] = heapSize;
        siftUp(heapSize++);
    }

    private void heapRemove(final int position) {
        final int removed = heap[position];
        heapPos[removed] = -1;
        final int last = heap[--heapSize];
        if (position == heapSize) {
            return;
        }
        heap[position] = last;
        heapPos[last] = position;
        siftDown(position);
        siftUp(heapPos[last]);
    }

    private void siftUp(final int position) {
        int p = position;
        final int source = heap[p];
        while (p > 0) {
            final int parent = (p - 1) >>> 1;
            if (maxEventNs[heap[parent]] <= maxEventNs[source]) {
                break;
            }
            heap[p] = heap[parent];
            heapPos[heap[p]] = p;
            p = parent;
        }
        heap[p] = source;
        heapPos[source] = p;
    }

    private void siftDown(final int position) {
        int p = position;
        final int source = heap[p];
        while (true) {
            int child = 2 * p + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && maxEventNs[heap[child + 1]] < maxEventNs[heap[child]]) {
                child++;
            }
            if (maxEventNs[heap[child]] >= maxEventNs[source]) {
                break;
            }
            heap[p] = heap[child];
            heapPos[heap[p]] = p;
            p = child;
        }
        heap[p] = source;
        heapPos[source] = p;
    }

    // --- snapshot ---

    /** Writes the bound, the watermark and every source (allocates; checkpoints only). */
    public void writeSnapshot(final WritableByteChannel out) throws IOException {
        final ByteBuffer bytes = ByteBuffer.allocate(4 + 8 + 8 + 4 + count * SOURCE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(SNAPSHOT_VERSION).putLong(maxOutOfOrdernessNs).putLong(watermarkNs).putInt(count);
        for (int s = 0; s < count; s++) {
            bytes.putInt(tenants[s]).putLong(clients[s]).putLong(maxEventNs[s]).putLong(lastIngestNs[s])
                .put((byte)(heapPos[s] >= 0 ? 1 : 0));
        }
        bytes.flip();
        while (bytes.hasRemaining()) {
            out.write(bytes);
        }
    }

    /** Replaces the state with one {@link #writeSnapshot} wrote. */
    public void readSnapshot(final ReadableByteChannel in) throws IOException {
        final ByteBuffer head = readFully(in, 4 + 8 + 8 + 4);
        final int version = head.getInt();
        if (version != SNAPSHOT_VERSION) {
            throw new IOException("watermark snapshot version " + version + ", this build reads " + SNAPSHOT_VERSION);
        }
        final long bound = head.getLong();
        final long watermark = head.getLong();
        final int sources = head.getInt();
        if (bound < 0 || sources < 0 || sources > 1 << 24) {
            throw new IOException("watermark snapshot: bound " + bound + ", " + sources + " sources");
        }
        final ByteBuffer body = readFully(in, sources * SOURCE_BYTES);
        clear();
        maxOutOfOrdernessNs = bound;
        for (int i = 0; i < sources; i++) {
            final int tenant = body.getInt();
            final long client = body.getLong();
            final long max = body.getLong();
            final long ingest = body.getLong();
            final boolean active = body.get() != 0;
            final int s = add(tenant, client, max);
            lastIngestNs[s] = ingest;
            if (active) {
                heapInsert(s);
            }
        }
        watermarkNs = watermark;
    }

    private static ByteBuffer readFully(final ReadableByteChannel in, final int length) throws IOException {
        final ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (bytes.hasRemaining()) {
            if (in.read(bytes) < 0) {
                throw new IOException("watermark snapshot ends early");
            }
        }
        return bytes.flip();
    }

    /** Forgets every source; the watermark goes back to {@link #NONE}. */
    public void clear() {
        count = 0;
        heapSize = 0;
        watermarkNs = NONE;
        Arrays.fill(table, 0);
    }
}
