package io.vigil.scoring.features;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

import org.agrona.BitUtil;

/**
 * The latest feature vector of every (tenant, key), published by the one thread that computes features (the
 * pipeline) for any number of reader threads (HTTP, RESP, a mirror) that never lock, never wait for the writer and
 * never touch the writer's own state. A feature set is a list of names (the vector's order) and a version; the table
 * holds any width.
 *
 * <p><b>Slots.</b> Each key has a slot, numbered densely in the order keys appear, in segments of
 * {@code slotsPerSegment} slots on the heap ({@code long[]}): a sequence word, the key, the tenant, the input journal
 * index and the event time of the event the values reflect, then the values, two floats per word. A segment is never
 * moved; the array of segments is replaced (copied, then published) when it grows, so a reader holding the old array
 * still finds every slot it names. The values are guarded by a <em>seqlock</em>: the writer makes the sequence odd,
 * writes, and makes it even again (release); a reader reads the sequence (acquire), the words, then the sequence
 * again, and retries if it was odd or changed, so it never returns a vector mixed from two events.
 *
 * <p><b>Index.</b> (tenant, key) → slot, spread by a hash over {@code partitions} open-addressing tables (linear
 * probing, at most 5/8 full, 16 bytes an entry: the key, then the tenant and slot + 1 in one word that is written last
 * with release semantics, so a reader that sees it non-zero sees the key). Keys are never removed. A partition that
 * fills is <em>replaced</em>: the writer builds a table twice as large and publishes it (release); the old one is
 * never written again, so a reader probing it sees a consistent, merely older, table. The heap (not native memory)
 * is what makes that safe: an old table or segment array stays valid for as long as any reader holds it, and the
 * garbage collector frees it after.
 *
 * <p><b>Thread safety:</b> {@link #publish} from one thread only (the writer); every other method from any thread.
 * <b>Allocation:</b> {@link #publish} allocates nothing for a key it has seen; a new key allocates a segment every
 * {@code slotsPerSegment} keys and, when its partition fills, a partition table twice as large (the old one
 * becomes garbage). Readers allocate nothing ({@link #read} fills a caller's {@link View}).
 */
public final class SingleWriterFeatureTable {
    /** Default slots per segment. */
    public static final int DEFAULT_SLOTS_PER_SEGMENT = 1024;
    /** Default number of index partitions. */
    public static final int DEFAULT_PARTITIONS = 256;
    /** Largest width (features per vector). */
    public static final int MAX_WIDTH = 4096;
    private static final long MAX_SLOTS = 0xFFFF_FFFEL;
    private static final int MIN_PARTITION_CAPACITY = 16;
    private static final int SPINS_BEFORE_YIELD = 64;

    // slot layout, in longs from the slot's start
    private static final int SEQUENCE = 0;
    private static final int KEY = 1;
    private static final int TENANT = 2;
    private static final int EVENT_INDEX = 3;
    private static final int EVENT_TIME = 4;
    private static final int VALUES = 5;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TABLES = MethodHandles.arrayElementVarHandle(long[][].class);
    private static final VarHandle SEGMENTS;
    private static final VarHandle SIZE;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            SEGMENTS = lookup.findVarHandle(SingleWriterFeatureTable.class, "segments", long[][].class);
            SIZE = lookup.findVarHandle(SingleWriterFeatureTable.class, "size", long.class);
        } catch (final ReflectiveOperationException ex) {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final String version;
    private final String hash;
    private final List<String> names;
    private final java.util.Map<String, Integer> indexes;
    private final int width;
    private final int stride;
    private final int segmentShift;
    private final int segmentMask;
    private final int partitionMask;
    /** The index partitions; each element is replaced (release) when its partition grows, never written after. */
    private final long[][] tables;
    /** Entries per partition: the writer's only. */
    private final int[] tableSizes;
    /** The segments; replaced (release) by a longer copy when a segment is added. */
    @SuppressWarnings("unused") // through SEGMENTS
    private long[][] segments;
    /** Slots in use; written (release) by the writer after a new slot is filled and indexed. */
    @SuppressWarnings("unused") // through SIZE
    private long size;
    /** The writer's own copy of the segments and size (plain fields of the one writer thread). */
    private long[][] writerSegments;
    private long writerSize;

    /**
     * A table with the default segment size and partition count.
     *
     * @param version      the feature set's version (or hash): what {@link #version()} says the values are of.
     * @param names        the feature names in vector order; the width is their number.
     * @param expectedKeys keys to size the index for at once (it grows beyond).
     */
    public SingleWriterFeatureTable(final String version, final List<String> names, final long expectedKeys) {
        this(version, names, expectedKeys, DEFAULT_SLOTS_PER_SEGMENT, DEFAULT_PARTITIONS);
    }

    /**
     * @param slotsPerSegment slots per segment, a power of two.
     * @param partitions      index partitions, a power of two.
     */
    public SingleWriterFeatureTable(final String version, final List<String> names, final long expectedKeys,
        final int slotsPerSegment, final int partitions) {
        this(version, "", names, expectedKeys, slotsPerSegment, partitions);
    }

    /**
     * A table with the default segment size and partition count, of a feature set with a content hash.
     *
     * @param hash the feature set's content hash ({@link FeatureSet#hash()}): what {@link #hash()} says.
     */
    public SingleWriterFeatureTable(final String version, final String hash, final List<String> names,
        final long expectedKeys) {
        this(version, hash, names, expectedKeys, DEFAULT_SLOTS_PER_SEGMENT, DEFAULT_PARTITIONS);
    }

    private SingleWriterFeatureTable(final String version, final String hash, final List<String> names,
        final long expectedKeys, final int slotsPerSegment, final int partitions) {
        if (names.isEmpty() || names.size() > MAX_WIDTH) {
            throw new IllegalArgumentException("a feature set has 1 to " + MAX_WIDTH + " features: " + names.size());
        }
        if (!BitUtil.isPowerOfTwo(slotsPerSegment) || !BitUtil.isPowerOfTwo(partitions) || partitions > 1 << 16) {
            throw new IllegalArgumentException("slotsPerSegment and partitions are powers of two (partitions up to 65536)");
        }
        if (expectedKeys < 0) {
            throw new IllegalArgumentException("expectedKeys must not be negative: " + expectedKeys);
        }
        this.version = version;
        this.hash = hash;
        this.names = List.copyOf(names);
        final java.util.Map<String, Integer> byName = new java.util.HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            if (byName.putIfAbsent(names.get(i), i) != null) {
                throw new IllegalArgumentException("feature '" + names.get(i) + "' is named twice");
            }
        }
        this.indexes = java.util.Map.copyOf(byName);
        this.width = names.size();
        this.stride = VALUES + (width + 1) / 2;
        if ((long)stride * slotsPerSegment > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a segment of " + slotsPerSegment + " slots of " + width + " features is too large");
        }
        this.segmentShift = Integer.numberOfTrailingZeros(slotsPerSegment);
        this.segmentMask = slotsPerSegment - 1;
        this.partitionMask = partitions - 1;
        final long perPartition = expectedKeys / partitions + 1;
        final int capacity = (int)Math.min(1 << 26, Math.max(MIN_PARTITION_CAPACITY,
            BitUtil.findNextPositivePowerOfTwo(perPartition * 8 / 5 + 1)));
        this.tables = new long[partitions][];
        this.tableSizes = new int[partitions];
        for (int p = 0; p < partitions; p++) {
            tables[p] = new long[capacity * 2];
        }
        this.writerSegments = new long[0][];
        SEGMENTS.setRelease(this, writerSegments);
        VarHandle.releaseFence(); // the tables above, for readers that get this object without a happens-before
    }

    /** The feature set's version (or hash) the values are of. */
    public String version() {
        return version;
    }

    /** The feature set's content hash, "" when the table was not given one. */
    public String hash() {
        return hash;
    }

    /** Feature names in vector order. */
    public List<String> names() {
        return names;
    }

    /** Features per vector. */
    public int width() {
        return width;
    }

    /** Keys published so far (any thread). */
    public long size() {
        return (long)SIZE.getAcquire(this);
    }

    /** The index of feature {@code name}, or -1. */
    public int indexOf(final String name) {
        final Integer index = indexes.get(name);
        return index == null ? -1 : index;
    }

    private static long hash(final int tenant, final long key) {
        long h = key ^ (tenant * 0x9E37_79B9_7F4A_7C15L);
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Publishes the vector of an event of (tenant, key): {@link #width()} floats of {@code values} from
     * {@code offset}, with the input journal index and the event time they reflect. The writer thread only.
     */
    public void publish(final int tenant, final long key, final float[] values, final int offset, final long eventIndex,
        final long eventTimeNs) {
        final long h = hash(tenant, key);
        final long slot = writerFind(tenant, key, h);
        if (slot < 0) {
            add(tenant, key, h, values, offset, eventIndex, eventTimeNs);
            return;
        }
        update(writerSegments[(int)(slot >>> segmentShift)], (int)(slot & segmentMask) * stride, values, offset,
            eventIndex, eventTimeNs);
    }

    /**
     * {@link #publish(int, long, float[], int, long, long)} with a guess of the key's slot: when slot
     * {@code slotHint} holds (tenant, key) the index is not probed (one cache miss fewer on the writer's path); any
     * other hint (a new key, -1, a table numbered differently) falls back to the probe. The hint of a writer whose own
     * state table numbers keys in the same first-seen order (e.g. {@link TransactionFeatures#lastSlot()}) is right
     * for every key seen since both tables started. The writer thread only.
     */
    public void publish(final int tenant, final long key, final long slotHint, final float[] values, final int offset,
        final long eventIndex, final long eventTimeNs) {
        if (slotHint >= 0 && slotHint < writerSize) {
            final long[] segment = writerSegments[(int)(slotHint >>> segmentShift)];
            final int base = (int)(slotHint & segmentMask) * stride;
            if (segment[base + KEY] == key && (int)segment[base + TENANT] == tenant) {
                update(segment, base, values, offset, eventIndex, eventTimeNs);
                return;
            }
        }
        publish(tenant, key, values, offset, eventIndex, eventTimeNs);
    }

    private void update(final long[] segment, final int base, final float[] values, final int offset,
        final long eventIndex, final long eventTimeNs) {
        final long sequence = segment[base + SEQUENCE];
        LONGS.setOpaque(segment, base + SEQUENCE, sequence + 1);
        VarHandle.storeStoreFence(); // the odd sequence before any value
        write(segment, base, values, offset, eventIndex, eventTimeNs);
        LONGS.setRelease(segment, base + SEQUENCE, sequence + 2);
    }

    private void write(final long[] segment, final int base, final float[] values, final int offset, final long eventIndex,
        final long eventTimeNs) {
        segment[base + EVENT_INDEX] = eventIndex;
        segment[base + EVENT_TIME] = eventTimeNs;
        final int pairs = width >>> 1;
        int w = base + VALUES;
        int v = offset;
        for (int i = 0; i < pairs; i++, w++, v += 2) {
            segment[w] = (Float.floatToRawIntBits(values[v]) & 0xFFFF_FFFFL) | ((long)Float.floatToRawIntBits(values[v + 1]) << 32);
        }
        if ((width & 1) != 0) {
            segment[w] = Float.floatToRawIntBits(values[v]) & 0xFFFF_FFFFL;
        }
    }

    private long writerFind(final int tenant, final long key, final long h) {
        final long[] table = tables[(int)(h >>> 40) & partitionMask];
        final int mask = (table.length >>> 1) - 1;
        int i = (int)h & mask;
        while (true) {
            final long entry = table[2 * i + 1];
            if (entry == 0) {
                return -1;
            }
            if (table[2 * i] == key && (int)(entry >>> 32) == tenant) {
                return (entry & 0xFFFF_FFFFL) - 1;
            }
            i = (i + 1) & mask;
        }
    }

    private void add(final int tenant, final long key, final long h, final float[] values, final int offset,
        final long eventIndex, final long eventTimeNs) {
        final long slot = writerSize;
        if (slot >= MAX_SLOTS) {
            throw new IllegalStateException("the feature table holds " + MAX_SLOTS + " keys at most");
        }
        final int segmentIndex = (int)(slot >>> segmentShift);
        if (segmentIndex == writerSegments.length) {
            final long[][] grown = java.util.Arrays.copyOf(writerSegments, segmentIndex + 1);
            grown[segmentIndex] = new long[stride << segmentShift];
            writerSegments = grown;
            SEGMENTS.setRelease(this, grown);
        }
        final long[] segment = writerSegments[segmentIndex];
        final int base = (int)(slot & segmentMask) * stride;
        segment[base + KEY] = key;
        segment[base + TENANT] = tenant;
        write(segment, base, values, offset, eventIndex, eventTimeNs);
        segment[base + SEQUENCE] = 2;
        writerSize = slot + 1;
        SIZE.setRelease(this, writerSize);
        // the entry is published (release) after the slot, its segment and the size: a reader that finds it finds them
        final int p = (int)(h >>> 40) & partitionMask;
        long[] table = tables[p];
        if ((tableSizes[p] + 1) * 8L > (table.length >>> 1) * 5L) {
            table = grow(table);
            insert(table, tenant, key, h, slot, false);
            TABLES.setRelease(tables, p, table);
        } else {
            insert(table, tenant, key, h, slot, true);
        }
        tableSizes[p]++;
    }

    private static void insert(final long[] table, final int tenant, final long key, final long h, final long slot,
        final boolean release) {
        final int mask = (table.length >>> 1) - 1;
        int i = (int)h & mask;
        while (table[2 * i + 1] != 0) {
            i = (i + 1) & mask;
        }
        table[2 * i] = key;
        final long entry = ((long)tenant << 32) | (slot + 1);
        if (release) {
            LONGS.setRelease(table, 2 * i + 1, entry);
        } else {
            table[2 * i + 1] = entry;
        }
    }

    /** A table twice as large holding every entry of {@code table}, not yet published. */
    private static long[] grow(final long[] table) {
        final long[] grown = new long[table.length * 2];
        for (int i = 0; i < table.length; i += 2) {
            final long entry = table[i + 1];
            if (entry != 0) {
                final long key = table[i];
                final int tenant = (int)(entry >>> 32);
                insert(grown, tenant, key, hash(tenant, key), (entry & 0xFFFF_FFFFL) - 1, false);
            }
        }
        return grown;
    }

    /** The slot of (tenant, key) as a reader sees the index, or -1. */
    private long readerFind(final int tenant, final long key) {
        final long h = hash(tenant, key);
        final long[] table = (long[])TABLES.getAcquire(tables, (int)(h >>> 40) & partitionMask);
        final int mask = (table.length >>> 1) - 1;
        int i = (int)h & mask;
        while (true) {
            final long entry = (long)LONGS.getAcquire(table, 2 * i + 1);
            if (entry == 0) {
                return -1;
            }
            if (table[2 * i] == key && (int)(entry >>> 32) == tenant) {
                return (entry & 0xFFFF_FFFFL) - 1;
            }
            i = (i + 1) & mask;
        }
    }

    /** True when (tenant, key) has a published vector. Any thread. */
    public boolean contains(final int tenant, final long key) {
        return readerFind(tenant, key) >= 0;
    }

    /**
     * Copies the latest vector of (tenant, key) into {@code view}, consistent (all of one event). Any thread; never
     * blocks the writer (it retries while the writer is changing that key's slot).
     *
     * @return false, leaving {@code view} as it was, when the key has no vector.
     */
    public boolean read(final int tenant, final long key, final View view) {
        final long slot = readerFind(tenant, key);
        if (slot < 0) {
            return false;
        }
        readSlot(slot, view);
        return true;
    }

    /**
     * Copies slot {@code slot} (0 .. {@link #size()} - 1, in the order the keys appeared) into {@code view}, its key
     * and tenant included: for readers that walk every key (a mirror, a checkpoint). Any thread.
     */
    public void readSlot(final long slot, final View view) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + size());
        }
        if (view.values.length < width) {
            throw new IllegalArgumentException("the view holds " + view.values.length + " values, the table " + width);
        }
        final long[][] segs = (long[][])SEGMENTS.getAcquire(this);
        final long[] segment = segs[(int)(slot >>> segmentShift)];
        final int base = (int)(slot & segmentMask) * stride;
        final float[] out = view.values;
        final int pairs = width >>> 1;
        int spins = 0;
        while (true) {
            final long before = (long)LONGS.getAcquire(segment, base + SEQUENCE);
            if ((before & 1) == 0) {
                final long eventIndex = segment[base + EVENT_INDEX];
                final long eventTimeNs = segment[base + EVENT_TIME];
                int w = base + VALUES;
                int v = 0;
                for (int i = 0; i < pairs; i++, w++, v += 2) {
                    final long word = segment[w];
                    out[v] = Float.intBitsToFloat((int)word);
                    out[v + 1] = Float.intBitsToFloat((int)(word >>> 32));
                }
                if ((width & 1) != 0) {
                    out[v] = Float.intBitsToFloat((int)segment[w]);
                }
                VarHandle.loadLoadFence(); // the values before the second look at the sequence
                if ((long)LONGS.getOpaque(segment, base + SEQUENCE) == before) {
                    view.key = segment[base + KEY];
                    view.tenant = (int)segment[base + TENANT];
                    view.eventIndex = eventIndex;
                    view.eventTimeNs = eventTimeNs;
                    view.version = before >>> 1;
                    return;
                }
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the writer was descheduled mid-write
            }
        }
    }

    /**
     * How many times slot {@code slot}'s key has been published (1 for its first), as of now: a reader that walks
     * the slots (a mirror) compares it with what it last copied to find the keys that changed, one read each. Any
     * thread.
     */
    public long publications(final long slot) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + size());
        }
        final long[][] segs = (long[][])SEGMENTS.getAcquire(this);
        return ((long)LONGS.getAcquire(segs[(int)(slot >>> segmentShift)], (int)(slot & segmentMask) * stride + SEQUENCE)) >>> 1;
    }

    /** A new view sized for this table. */
    public View newView() {
        return new View(width);
    }

    private static final int ROWS_MAGIC = 0x56535431; // "VST1"
    private static final int ROWS_HEADER_BYTES = 4 + 4 + 8;

    private int rowBytes() {
        return 4 + 8 + 8 + 8 + 4 * width;
    }

    /** Bytes {@link #writeRows} writes for the first {@code count} slots. */
    public long rowsBytes(final long count) {
        return ROWS_HEADER_BYTES + count * rowBytes();
    }

    /**
     * Writes slots {@code 0 .. count)} (in first-seen order) as a checkpoint's rows: tenant, key, event index, event
     * time and the values of each, as read now through the seqlock (so each row is whole, and may be newer than when
     * {@code count} was taken: a recovery that replays from the checkpoint publishes those keys again with the same
     * values). Any thread; allocates its buffer.
     */
    public void writeRows(final WritableByteChannel out, final long count) throws IOException {
        if (count < 0 || count > size()) {
            throw new IllegalArgumentException("rows " + count + " of " + size());
        }
        final int row = rowBytes();
        final ByteBuffer b = ByteBuffer.allocate(Math.max(ROWS_HEADER_BYTES, row) * 256).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(ROWS_MAGIC).putInt(width).putLong(count);
        final View view = newView();
        for (long slot = 0; slot < count; slot++) {
            if (b.remaining() < row) {
                drain(out, b);
            }
            readSlot(slot, view);
            b.putInt(view.tenant).putLong(view.key).putLong(view.eventIndex).putLong(view.eventTimeNs);
            for (int i = 0; i < width; i++) {
                b.putFloat(view.values[i]);
            }
        }
        drain(out, b);
    }

    private static void drain(final WritableByteChannel out, final ByteBuffer b) throws IOException {
        b.flip();
        while (b.hasRemaining()) {
            out.write(b);
        }
        b.clear();
    }

    /**
     * Forgets every key: the writer thread, before any reader can have the table (a restore replaces the content of a
     * table no server serves yet; a reader during the clear could see an index that no longer matches the slots).
     */
    public void clearBeforeReaders() {
        for (int p = 0; p < tables.length; p++) {
            TABLES.setRelease(tables, p, new long[tables[p].length]); // as large as it had grown
            tableSizes[p] = 0;
        }
        writerSegments = new long[0][];
        writerSize = 0;
        SEGMENTS.setRelease(this, writerSegments);
        SIZE.setRelease(this, 0L);
    }

    /** Bytes of {@link #writeNoRows}. */
    public static long noRowsBytes() {
        return ROWS_HEADER_BYTES;
    }

    /** Writes what {@link #writeRows} writes for no rows of {@code width} features (a stage that serves nothing). */
    public static void writeNoRows(final WritableByteChannel out, final int width) throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(ROWS_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(ROWS_MAGIC).putInt(width).putLong(0);
        drain(out, b);
    }

    /**
     * Reads rows {@link #writeRows} wrote and publishes each into {@code into} (its writer thread, at a restore), or
     * skips them when {@code into} is null (serving off).
     *
     * @return the rows read.
     * @throws IOException when the rows end early or are of another width.
     */
    public static long readRows(final ReadableByteChannel in, final SingleWriterFeatureTable into, final int width)
        throws IOException {
        final ByteBuffer head = ByteBuffer.allocate(ROWS_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(in, head);
        final int magic = head.getInt();
        final int written = head.getInt();
        final long count = head.getLong();
        if (magic != ROWS_MAGIC || count < 0) {
            throw new IOException("not the rows of a served feature table");
        }
        if (written != width || into != null && into.width != width) {
            throw new IOException("served rows of " + written + " features, the feature set has " + width);
        }
        final ByteBuffer row = ByteBuffer.allocate(4 + 8 + 8 + 8 + 4 * width).order(ByteOrder.LITTLE_ENDIAN);
        final float[] values = new float[width];
        for (long n = 0; n < count; n++) {
            row.clear();
            readFully(in, row);
            final int tenant = row.getInt();
            final long key = row.getLong();
            final long eventIndex = row.getLong();
            final long eventTimeNs = row.getLong();
            for (int i = 0; i < width; i++) {
                values[i] = row.getFloat();
            }
            if (into != null) {
                into.publish(tenant, key, values, 0, eventIndex, eventTimeNs);
            }
        }
        return count;
    }

    private static void readFully(final ReadableByteChannel in, final ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (in.read(b) < 0) {
                throw new IOException("served feature rows end early");
            }
        }
        b.flip();
    }

    /**
     * One key's vector as a reader copied it. Reusable: {@link #read} overwrites it. Not thread-safe: one reader
     * thread at a time.
     */
    public static final class View {
        final float[] values;
        long key;
        int tenant;
        long eventIndex;
        long eventTimeNs;
        long version;

        public View(final int width) {
            this.values = new float[width];
        }

        /** The values, in the table's name order (the array is the view's own: read, do not keep). */
        public float[] values() {
            return values;
        }

        public float value(final int index) {
            return values[index];
        }

        public long key() {
            return key;
        }

        public int tenant() {
            return tenant;
        }

        /** Input journal index of the event the values reflect. */
        public long eventIndex() {
            return eventIndex;
        }

        /** Event time (ns since the epoch, the event's own) of the event the values reflect. */
        public long eventTimeNs() {
            return eventTimeNs;
        }

        /** How many times the key was published before the one read (0 for its first). */
        public long updates() {
            return version - 1;
        }

        /** How many times the key had been published when read (1 for its first); see {@link #publications}. */
        public long publications() {
            return version;
        }
    }
}
