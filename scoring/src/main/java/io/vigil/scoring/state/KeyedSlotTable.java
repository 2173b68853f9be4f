package io.vigil.scoring.state;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Fixed-size off-heap slots, one per (tenant, key), that grow to tens of millions of keys without ever copying the
 * state or rehashing the whole index on the owner's thread.
 *
 * <p><b>Storage.</b> Slots are numbered densely in the order their keys appear and live in segments of
 * {@code slotsPerSegment} slots (a power of two) of native memory: slot {@code n} is in segment
 * {@code n >>> log2(slotsPerSegment)} at byte {@code (n & (slotsPerSegment - 1)) * slotBytes}. A segment is allocated
 * when the first slot of it is needed and is never moved or copied; there is no size cap but memory. Segments come
 * from {@code malloc} without zeroing (each new slot is zeroed when it is added), so a new segment costs a few
 * microseconds and its pages are touched one slot at a time. The segments for {@code expectedKeys} are allocated and
 * touched in the constructor. Memory is freed when the table becomes unreachable.
 *
 * <p><b>Slot trailer.</b> The last {@link #TRAILER_BYTES} of a slot belong to the table: the key (int64, at
 * {@link #keyOffset}) and the tenant (int32, at {@link #tenantOffset}), so that a slot alone says whose it is (a
 * snapshot is just slots). The owner of the table uses the bytes before them; they stay cold on the per-event path.
 *
 * <p><b>Index.</b> (tenant, key) pairs are spread by a hash over {@code partitions} independent open-addressing
 * tables in native memory (key, tenant and slot in 16 bytes an entry, linear probing, at most 5/8 full); when one
 * partition outgrows its capacity it alone is rehashed, so one growth step copies about {@code 1/partitions} of the
 * index, and the index puts nothing on the heap for the garbage collector to copy. A lookup compares key and tenant
 * in the entry and touches no slot. At most 2^32 - 2 slots.
 *
 * <p><b>Snapshots.</b> {@link #beginSnapshot()} (owner thread, O(slots / 32) work) fixes the content of every slot
 * that exists at that moment; {@link Snapshot#writeSlots} writes it from any thread while the owner goes on updating.
 * Copy-on-write per slot: each slot has a two-bit state (unsaved, saved by the writer, copied aside by the owner).
 * The owner calls {@link #beforeUpdate} before changing an existing slot; during a snapshot, for a slot still unsaved
 * it claims the slot with one CAS and copies it (slot bytes) to a side log, which the writer writes after its pass.
 * The writer copies unsaved slots optimistically and then marks them saved with one CAS per 32 slots; a slot the
 * owner claimed meanwhile is dropped from the writer's copy. The owner never waits for the writer.
 *
 * <p><b>Thread safety:</b> single writer: one thread (the owner) calls everything but {@link Snapshot#writeSlots},
 * {@link Snapshot#close()} and {@link Snapshot#slots()}, which any one other thread may call.
 * <b>Allocation:</b> {@link #find}, {@link #beforeUpdate} and the accessors allocate nothing; {@link #add} allocates
 * only native memory, when the index partition it lands in grows (a table twice as large, the old one freed) or a
 * segment is added (and, rarely, on the heap, the array of segment addresses). During a snapshot the owner
 * allocates a native block of the side log every 1024 slots it copies aside. Snapshots and {@link #readSlots} allocate: control plane only.
 */
public final class KeyedSlotTable {
    /** What {@link #find} returns for an absent key. */
    public static final long MISSING = -1L;
    /** Bytes at the end of each slot that the table owns (key, tenant, 4 bytes unused). */
    public static final int TRAILER_BYTES = 16;
    private static final long MAX_SLOTS = 0xFFFF_FFFEL;
    /** Default slots per segment. */
    public static final int DEFAULT_SLOTS_PER_SEGMENT = 4096;
    /** Default number of index partitions. */
    public static final int DEFAULT_PARTITIONS = 1024;

    private static final int MIN_PARTITION_CAPACITY = 16;
    private static final int MAX_SEGMENT_BYTES = 1 << 30;
    private static final int CACHE_LINE = 64;
    private static final int SIDE_CHUNK_SHIFT = 10;
    private static final int SIDE_CHUNK_SLOTS = 1 << SIDE_CHUNK_SHIFT;
    private static final long UNSAVED = 0L;
    private static final long SAVED = 2L;
    private static final long COPIED = 3L;
    /** The low bit of every two-bit slot state in a word. */
    private static final long LOW_BITS = 0x5555_5555_5555_5555L;

    private final int slotBytes;
    private final int keyOffset;
    private final int tenantOffset;
    private final int segmentShift;
    private final long segmentMask;
    private final int segmentBytes;
    private final int partitionMask;
    private final IndexTables index;
    private final long[] tableAddress;
    private final int[] tableMask;
    private final int[] tableSize;
    private final NativeMemory memory = new NativeMemory();
    private UnsafeBuffer[] segments = new UnsafeBuffer[16];
    private long[] segmentAddresses = new long[16];
    private int segmentCount;
    private long size;
    private Snapshot snapshot;

    /**
     * A table with the default segment size and partition count.
     *
     * @param slotBytes    bytes per slot, at least {@link #TRAILER_BYTES}, a multiple of 8.
     * @param expectedKeys keys to allocate segments and index capacity for at once (the table grows beyond it).
     */
    public KeyedSlotTable(final int slotBytes, final long expectedKeys) {
        this(slotBytes, expectedKeys, DEFAULT_SLOTS_PER_SEGMENT, DEFAULT_PARTITIONS);
    }

    /**
     * @param slotBytes       bytes per slot, at least {@link #TRAILER_BYTES}, a multiple of 8.
     * @param expectedKeys    keys to allocate segments and index capacity for at once (the table grows beyond it).
     * @param slotsPerSegment slots per segment, a power of two; a segment holds at most 1 GiB.
     * @param partitions      index partitions, a power of two.
     */
    public KeyedSlotTable(final int slotBytes, final long expectedKeys, final int slotsPerSegment, final int partitions) {
        if (slotBytes < TRAILER_BYTES || (slotBytes & 7) != 0) {
            throw new IllegalArgumentException("slotBytes must be a multiple of 8 of at least " + TRAILER_BYTES + ": " + slotBytes);
        }
        if (!BitUtil.isPowerOfTwo(slotsPerSegment) || (long)slotsPerSegment * slotBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("slotsPerSegment must be a power of two with segments of at most 1 GiB: " +
                slotsPerSegment);
        }
        if (!BitUtil.isPowerOfTwo(partitions) || partitions > 1 << 20) {
            throw new IllegalArgumentException("partitions must be a power of two up to 2^20: " + partitions);
        }
        if (expectedKeys < 0) {
            throw new IllegalArgumentException("expectedKeys must not be negative: " + expectedKeys);
        }
        this.slotBytes = slotBytes;
        this.keyOffset = keyOffset(slotBytes);
        this.tenantOffset = tenantOffset(slotBytes);
        this.segmentShift = Integer.numberOfTrailingZeros(slotsPerSegment);
        this.segmentMask = slotsPerSegment - 1;
        this.segmentBytes = slotsPerSegment * slotBytes;
        this.partitionMask = partitions - 1;
        final long perPartition = expectedKeys / partitions + 1;
        final int capacity = (int)Math.min(1 << 28, Math.max(MIN_PARTITION_CAPACITY,
            BitUtil.findNextPositivePowerOfTwo(perPartition * 8 / 5 + 1)));
        this.index = new IndexTables(partitions);
        this.tableAddress = index.addresses;
        this.tableMask = new int[partitions];
        this.tableSize = new int[partitions];
        for (int p = 0; p < partitions; p++) {
            tableAddress[p] = newTable(capacity);
            tableMask[p] = capacity - 1;
        }
        memory.register(this);
        index.register(this);
        final long expectedSegments = (expectedKeys + segmentMask) >>> segmentShift;
        for (long i = 0; i < expectedSegments; i++) {
            addSegment();
        }
        long touch = expectedKeys * slotBytes;
        for (int i = 0; i < segmentCount && touch > 0; i++) {
            final int bytes = (int)Math.min(segmentBytes, touch);
            segments[i].setMemory(0, bytes, (byte)0);
            touch -= bytes;
        }
    }

    /** @return the offset of the key (int64) in a slot of {@code slotBytes}. */
    public static int keyOffset(final int slotBytes) {
        return slotBytes - TRAILER_BYTES;
    }

    /** @return the offset of the tenant (int32) in a slot of {@code slotBytes}. */
    public static int tenantOffset(final int slotBytes) {
        return slotBytes - TRAILER_BYTES + 8;
    }

    private static long hash(final int tenant, final long key) {
        return mix(key ^ (tenant * 0x9E37_79B9_7F4A_7C15L));
    }

    /** The finaliser of MurmurHash3's 64-bit hash (public-domain constants). */
    static long mix(final long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private static long newTable(final int capacity) {
        final long bytes = (long)capacity << 4;
        final long address = UnsafeApi.allocateMemory(bytes);
        UnsafeApi.setMemory(address, bytes, (byte)0);
        return address;
    }

    /** @return the slot of ({@code tenant}, {@code key}), or {@link #MISSING}; {@code hash} is their {@link #hash}. */
    private long indexGet(final int tenant, final long key, final long hash) {
        final int p = (int)(hash >>> 40) & partitionMask;
        final long table = tableAddress[p];
        final int mask = tableMask[p];
        int i = (int)hash & mask;
        while (true) {
            final long entry = table + ((long)i << 4);
            final int value = UnsafeApi.getInt(entry + 12);
            if (value == 0) {
                return MISSING;
            }
            if (UnsafeApi.getLong(entry) == key && UnsafeApi.getInt(entry + 8) == tenant) {
                return (value & 0xFFFF_FFFFL) - 1;
            }
            i = (i + 1) & mask;
        }
    }

    /** Maps a ({@code tenant}, {@code key}) that is not there yet to {@code slot}; grows the partition past 5/8 full. */
    private void indexAdd(final int tenant, final long key, final long hash, final long slot) {
        final int p = (int)(hash >>> 40) & partitionMask;
        final long table = tableAddress[p];
        final int mask = tableMask[p];
        int i = (int)hash & mask;
        while (UnsafeApi.getInt(table + ((long)i << 4) + 12) != 0) {
            i = (i + 1) & mask;
        }
        final long entry = table + ((long)i << 4);
        UnsafeApi.putLong(entry, key);
        UnsafeApi.putInt(entry + 8, tenant);
        UnsafeApi.putInt(entry + 12, (int)(slot + 1));
        final int capacity = mask + 1;
        if (++tableSize[p] > (capacity >>> 1) + (capacity >>> 3)) {
            grow(p);
        }
    }

    private void grow(final int p) {
        final long old = tableAddress[p];
        final int oldCapacity = tableMask[p] + 1;
        if (oldCapacity == 1 << 30) {
            throw new IllegalStateException("index partition " + p + " is full: " + tableSize[p] + " keys");
        }
        final int capacity = oldCapacity << 1;
        final int mask = capacity - 1;
        final long table = newTable(capacity);
        for (int j = 0; j < oldCapacity; j++) {
            final long from = old + ((long)j << 4);
            if (UnsafeApi.getInt(from + 12) != 0) {
                int i = (int)hash(UnsafeApi.getInt(from + 8), UnsafeApi.getLong(from)) & mask;
                while (UnsafeApi.getInt(table + ((long)i << 4) + 12) != 0) {
                    i = (i + 1) & mask;
                }
                UnsafeApi.copyMemory(from, table + ((long)i << 4), 16);
            }
        }
        tableAddress[p] = table;
        tableMask[p] = mask;
        UnsafeApi.freeMemory(old);
    }

    /** @return the slot of ({@code tenant}, {@code key}), or {@link #MISSING}. */
    public long find(final int tenant, final long key) {
        return indexGet(tenant, key, hash(tenant, key));
    }

    /**
     * Adds a zeroed slot for a ({@code tenant}, {@code key}) that {@link #find} does not know (not checked).
     *
     * @return the new slot, numbered {@link #size()} before the call.
     * @throws IllegalStateException if the table holds 2^32 - 2 slots already.
     */
    public long add(final int tenant, final long key) {
        final long slot = size;
        if (slot == MAX_SLOTS) {
            throw new IllegalStateException("slot table full: " + slot + " keys");
        }
        if ((slot >>> segmentShift) == segmentCount) {
            addSegment();
        }
        size = slot + 1;
        final UnsafeBuffer buffer = segments[(int)(slot >>> segmentShift)];
        final int base = (int)(slot & segmentMask) * slotBytes;
        buffer.setMemory(base, slotBytes, (byte)0);
        buffer.putLong(base + keyOffset, key);
        buffer.putInt(base + tenantOffset, tenant);
        indexAdd(tenant, key, hash(tenant, key), slot);
        return slot;
    }

    private void addSegment() {
        if (segmentCount == segments.length) {
            segments = java.util.Arrays.copyOf(segments, segmentCount * 2);
            segmentAddresses = java.util.Arrays.copyOf(segmentAddresses, segmentCount * 2);
        }
        final long address = BitUtil.align(memory.allocate(segmentBytes + CACHE_LINE), CACHE_LINE);
        segments[segmentCount] = new UnsafeBuffer(address, segmentBytes);
        segmentAddresses[segmentCount] = address;
        segmentCount++;
    }

    /** @return the buffer of the segment holding {@code slot}: read and write the slot at {@link #offset}. */
    public UnsafeBuffer buffer(final long slot) {
        return segments[(int)(slot >>> segmentShift)];
    }

    /**
     * @return the native address of {@code slot}'s first byte, valid while this table is reachable (keep it so with
     * {@code Reference.reachabilityFence}); the slot's {@code slotBytes} bytes follow. For accessors that compute
     * their own offsets inside a slot and want no bounds check per access.
     */
    public long address(final long slot) {
        return segmentAddresses[(int)(slot >>> segmentShift)] + (slot & segmentMask) * slotBytes;
    }

    /** @return the byte offset of {@code slot} in its {@link #buffer}. */
    public int offset(final long slot) {
        return (int)(slot & segmentMask) * slotBytes;
    }

    /**
     * Call before changing any byte of an existing slot (one that was there before the change of the current
     * event). Outside a snapshot it costs a field read; during one, for a slot not yet saved, one CAS and a copy of
     * the slot. Never waits.
     */
    public void beforeUpdate(final long slot) {
        final Snapshot s = snapshot;
        if (s != null && slot < s.slots) {
            if (s.closed) {
                snapshot = null;
            } else {
                s.claim(slot);
            }
        }
    }

    /** @return the tenant of {@code slot}. */
    public int tenant(final long slot) {
        return buffer(slot).getInt(offset(slot) + tenantOffset);
    }

    /** @return the key of {@code slot}. */
    public long key(final long slot) {
        return buffer(slot).getLong(offset(slot) + keyOffset);
    }

    /** @return slots in use (keys known). */
    public long size() {
        return size;
    }

    /** @return bytes per slot. */
    public int slotBytes() {
        return slotBytes;
    }

    /** @return slots per segment. */
    public int slotsPerSegment() {
        return (int)segmentMask + 1;
    }

    /** @return segments allocated. */
    public int segments() {
        return segmentCount;
    }

    /** @return bytes of native memory reserved for slots (whole segments, cache-line aligned). */
    public long stateBytes() {
        return (long)segmentCount * (segmentBytes + CACHE_LINE);
    }

    /** @return bytes of native memory held by the index (16 bytes per entry of capacity). */
    public long indexBytes() {
        long entries = 0;
        for (final int mask : tableMask) {
            entries += mask + 1L;
        }
        return entries << 4;
    }

    /** Forgets every key; keeps the segments and the index capacity. Not during a snapshot. */
    public void clear() {
        checkNoSnapshot();
        for (int p = 0; p < tableAddress.length; p++) {
            UnsafeApi.setMemory(tableAddress[p], (tableMask[p] + 1L) << 4, (byte)0);
            tableSize[p] = 0;
        }
        size = 0;
    }

    private void checkNoSnapshot() {
        if (snapshot != null && !snapshot.closed) {
            throw new IllegalStateException("a snapshot of this table is still open");
        }
        snapshot = null;
    }

    /**
     * Writes every slot, in slot order, as {@link #slotBytes()} bytes each, on the owner thread. Allocates; control plane only.
     */
    public void writeSlots(final WritableByteChannel channel) throws IOException {
        final Writer writer = new Writer(slotBytes);
        for (long slot = 0; slot < size; slot++) {
            writer.add(segmentAddresses[(int)(slot >>> segmentShift)] + offset(slot));
            if (writer.full()) {
                writer.flush(channel);
            }
        }
        writer.flush(channel);
    }

    /**
     * Adds {@code count} slots written by {@link #writeSlots} or {@link Snapshot#writeSlots} (in any order), after
     * the ones already here. Allocates; control plane only.
     *
     * @throws IOException if the channel ends early or a (tenant, key) is already here.
     */
    public void readSlots(final ReadableByteChannel channel, final long count) throws IOException {
        checkNoSnapshot();
        final ByteBuffer record = ByteBuffer.allocateDirect(slotBytes).order(ByteOrder.LITTLE_ENDIAN);
        final UnsafeBuffer view = new UnsafeBuffer(record);
        for (long n = 0; n < count; n++) {
            record.clear();
            while (record.hasRemaining()) {
                if (channel.read(record) < 0) {
                    throw new IOException("slots end early: " + n + " of " + count);
                }
            }
            final long key = view.getLong(keyOffset);
            final int tenant = view.getInt(tenantOffset);
            if (find(tenant, key) != MISSING) {
                throw new IOException("slots hold tenant " + tenant + " key " + key + " twice");
            }
            final long slot = add(tenant, key);
            buffer(slot).putBytes(offset(slot), view, 0, slotBytes);
        }
    }

    /**
     * Fixes the content of every slot there is now, for {@link Snapshot#writeSlots} on another thread. Owner thread;
     * allocates the slot states (a bit over 2 bits per slot).
     *
     * @throws IllegalStateException if another snapshot is still open.
     */
    public Snapshot beginSnapshot() {
        checkNoSnapshot();
        final Snapshot s = new Snapshot(this);
        snapshot = s;
        return s;
    }

    /** The index partitions' tables, freed when the table becomes unreachable. */
    private static final class IndexTables implements Runnable {
        final long[] addresses;

        IndexTables(final int partitions) {
            addresses = new long[partitions];
        }

        void register(final Object owner) {
            NativeMemory.CLEANER.register(owner, this);
        }

        @Override
        public void run() {
            for (int p = 0; p < addresses.length; p++) {
                if (addresses[p] != 0L) {
                    UnsafeApi.freeMemory(addresses[p]);
                    addresses[p] = 0L;
                }
            }
        }
    }

    /** Batches slot copies into a direct buffer and writes them. Writer thread only. */
    private static final class Writer {
        private static final int SLOTS = 256;
        private final int slotBytes;
        private final ByteBuffer out;
        private final long address;
        private int count;

        Writer(final int slotBytes) {
            this.slotBytes = slotBytes;
            this.out = ByteBuffer.allocateDirect(SLOTS * slotBytes).order(ByteOrder.LITTLE_ENDIAN);
            this.address = BufferUtil.address(out);
        }

        void add(final long slotAddress) {
            UnsafeApi.copyMemory(slotAddress, address + (long)count * slotBytes, slotBytes);
            count++;
        }

        /** Copies a slot to position {@code index} without counting it yet ({@link #keep} does). */
        void stage(final int index, final long slotAddress) {
            UnsafeApi.copyMemory(slotAddress, address + (long)(count + index) * slotBytes, slotBytes);
        }

        /**
         * Keeps a staged slot as the next one: {@code index} is its stage index less the number of slots of the same
         * batch kept before it.
         */
        void keep(final int index) {
            if (index != 0) {
                UnsafeApi.copyMemory(address + (long)(count + index) * slotBytes, address + (long)count * slotBytes, slotBytes);
            }
            count++;
        }

        boolean full() {
            return count == SLOTS;
        }

        /** @return whether {@code n} more slots can be staged. */
        boolean hasRoom(final int n) {
            return count + n <= SLOTS;
        }

        void flush(final WritableByteChannel channel) throws IOException {
            out.clear().limit(count * slotBytes);
            while (out.hasRemaining()) {
                channel.write(out);
            }
            count = 0;
        }
    }

    /**
     * The content of a {@link KeyedSlotTable}'s slots at {@link KeyedSlotTable#beginSnapshot()}. Written by one
     * thread (any) with {@link #writeSlots}, then {@link #close() closed}; until it is closed the owner keeps
     * copies of the slots it changes that the writer has not saved yet.
     *
     * <p>Thread safety: {@link #writeSlots}, {@link #slots()} and {@link #close()} are for one thread at a time
     * (not the table's owner while it updates the table, unless it updates nothing meanwhile).
     */
    public static final class Snapshot implements AutoCloseable {
        private final KeyedSlotTable table; // keeps the segments from being freed while this reads them
        private final long slots;
        private final int slotBytes;
        private final int segmentShift;
        private final long segmentMask;
        private final long[] segmentAddresses;
        private final AtomicLongArray states;
        private final NativeMemory side = new NativeMemory();
        private final long[] sideChunks;
        private final AtomicLong sidePublished = new AtomicLong();
        private long sideWritten; // owner thread
        private volatile boolean closed;
        private boolean written;

        Snapshot(final KeyedSlotTable table) {
            this.table = table;
            this.slots = table.size;
            this.slotBytes = table.slotBytes;
            this.segmentShift = table.segmentShift;
            this.segmentMask = table.segmentMask;
            this.segmentAddresses = java.util.Arrays.copyOf(table.segmentAddresses, table.segmentCount);
            this.states = new AtomicLongArray((int)((slots + 31) >>> 5));
            this.sideChunks = new long[(int)((slots + SIDE_CHUNK_SLOTS - 1) >>> SIDE_CHUNK_SHIFT)];
            side.register(this);
        }

        /** @return slots in the snapshot. */
        public long slots() {
            return slots;
        }

        /** @return slots the owner has copied aside so far. */
        long copiedAside() {
            return sidePublished.get();
        }

        private long address(final long slot) {
            return segmentAddresses[(int)(slot >>> segmentShift)] + (slot & segmentMask) * slotBytes;
        }

        /** Owner thread: copy-on-write of a slot not yet saved. */
        void claim(final long slot) {
            final int w = (int)(slot >>> 5);
            final int shift = ((int)slot & 31) << 1;
            long word = states.get(w);
            while (((word >>> shift) & 3L) == UNSAVED) {
                if (states.compareAndSet(w, word, word | (COPIED << shift))) {
                    copyAside(slot);
                    return;
                }
                word = states.get(w);
            }
        }

        private void copyAside(final long slot) {
            final long n = sideWritten;
            final int chunk = (int)(n >>> SIDE_CHUNK_SHIFT);
            long base = sideChunks[chunk];
            if (base == 0L) {
                base = side.allocate((long)SIDE_CHUNK_SLOTS * slotBytes);
                sideChunks[chunk] = base;
            }
            UnsafeApi.copyMemory(address(slot), base + (n & (SIDE_CHUNK_SLOTS - 1)) * slotBytes, slotBytes);
            sideWritten = n + 1;
            sidePublished.lazySet(n + 1);
        }

        /** @return slot states of word {@code w} that are unsaved, as a mask of their low bits (slots below the end). */
        private long unsaved(final long word, final int w) {
            final long valid = slots - ((long)w << 5) >= 32 ? -1L : (1L << ((slots - ((long)w << 5)) << 1)) - 1;
            // a state is unsaved when both of its bits are 0
            return ~(word | (word >>> 1)) & LOW_BITS & valid;
        }

        /**
         * Marks every unsaved slot of word {@code w} saved and returns which they were (low bits of their states).
         * With {@code writer} not null, stages a copy of each first and keeps the ones that stayed unsaved.
         *
         * @return the number of slots of the word copied aside by the owner.
         */
        private int save(final int w, final Writer writer) {
            long word = states.get(w);
            long mask = unsaved(word, w);
            if (writer != null) {
                long m = mask;
                while (m != 0) {
                    final int bit = Long.numberOfTrailingZeros(m);
                    writer.stage(bit >>> 1, address(((long)w << 5) + (bit >>> 1)));
                    m &= m - 1;
                }
            }
            while (mask != 0 && !states.compareAndSet(w, word, word | (mask << 1))) {
                word = states.get(w);
                mask &= unsaved(word, w); // the owner claimed some: their staged copies may be torn
            }
            if (writer != null) {
                long m = mask;
                int kept = 0;
                while (m != 0) {
                    writer.keep((Long.numberOfTrailingZeros(m) >>> 1) - kept);
                    kept++;
                    m &= m - 1;
                }
            }
            final long finalWord = word | (mask << 1);
            return Long.bitCount(finalWord & (finalWord >>> 1) & LOW_BITS);
        }

        /**
         * Writes every slot of the snapshot as {@link KeyedSlotTable#writeSlots} does, in slot order except that the
         * slots the owner changed meanwhile come last. Any thread; once.
         */
        public void writeSlots(final WritableByteChannel channel) throws IOException {
            if (closed || written) {
                throw new IllegalStateException("snapshot already written or closed");
            }
            written = true;
            final Writer writer = new Writer(slotBytes);
            long copied = 0;
            final int words = states.length();
            for (int w = 0; w < words; w++) {
                if (!writer.hasRoom(32)) {
                    writer.flush(channel);
                }
                copied += save(w, writer);
            }
            writer.flush(channel);
            awaitSide(copied);
            for (long n = 0; n < copied; n++) {
                writer.add(sideChunks[(int)(n >>> SIDE_CHUNK_SHIFT)] + (n & (SIDE_CHUNK_SLOTS - 1)) * slotBytes);
                if (writer.full()) {
                        writer.flush(channel);
                }
            }
            writer.flush(channel);
            Reference.reachabilityFence(table);
        }

        private void awaitSide(final long copied) {
            while (sidePublished.get() < copied) {
                Thread.onSpinWait();
            }
        }

        /**
         * Ends the snapshot (written or not): after it the owner copies nothing more and the side log is freed.
         * Idempotent; any thread.
         */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            long copied = 0;
            final int words = states.length();
            for (int w = 0; w < words; w++) {
                copied += save(w, null);
            }
            awaitSide(copied);
            closed = true;
            side.free();
        }
    }
}
