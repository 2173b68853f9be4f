package io.vigil.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.RollingChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.text.ParseException;
import java.util.Arrays;

/**
 * Binary search over one journal by a header field that never decreases along it: the ingest time
 * ({@link RecordHeader#TIME_NS_OFFSET}) of the input journal, or the answered input index
 * ({@link RecordHeader#REF_INDEX_OFFSET}) of the output journal. It reads Chronicle's index, never scans: the roll
 * cycles are listed once (a handful of files), their excerpt counts come from the index, and each probe is a
 * {@code moveToIndex} and one header read, so a search costs O(cycles + log n) reads.
 *
 * <p>Every record probed is verified like {@link JournalReader} does (layout and CRC32C); a damaged one ends the search
 * with {@link JournalDamageException}.
 *
 * <p>Not thread-safe: one instance per thread. Allocates per search (the cycle list); control plane only.
 */
public final class JournalSearch {
    private final ChronicleQueue queue;
    private final String journal;
    private org.agrona.concurrent.UnsafeBuffer scratch;
    private java.util.zip.CRC32C crc;
    private int probes;

    JournalSearch(final ChronicleQueue queue, final String journal) {
        this.queue = queue;
        this.journal = journal;
    }

    /**
     * The first record whose int64 header field at {@code fieldOffset} is {@code >= value}.
     *
     * @return its index, or {@link RecordHeader#NO_INDEX} when every record's field is smaller or there is none.
     */
    public long firstAtOrAfter(final int fieldOffset, final long value) {
        return search(fieldOffset, value, false);
    }

    /**
     * The last record whose int64 header field at {@code fieldOffset} is {@code <= value}.
     *
     * @return its index, or {@link RecordHeader#NO_INDEX} when every record's field is larger or there is none.
     */
    public long lastAtOrBefore(final int fieldOffset, final long value) {
        return search(fieldOffset, value, true);
    }

    /** Records read by the last search (probes of the binary search). */
    public int probes() {
        return probes;
    }

    private long search(final int fieldOffset, final long value, final boolean last) {
        probes = 0;
        final RollCycle rollCycle = queue.rollCycle();
        final long firstIndex = queue.firstIndex();
        final long lastIndex = queue.lastIndex();
        if (firstIndex == Long.MAX_VALUE || lastIndex == Long.MIN_VALUE || lastIndex < firstIndex) {
            return RecordHeader.NO_INDEX;
        }
        try (ExcerptTailer tailer = queue.createTailer()) {
            int[] cycles = new int[8];
            long[] ends = new long[8];
            int n = 0;
            long total = 0;
            int cycle = rollCycle.toCycle(firstIndex);
            final int lastCycle = rollCycle.toCycle(lastIndex);
            while (true) {
                final long count = tailer.excerptsInCycle(cycle);
                if (count > 0) {
                    if (n == cycles.length) {
                        cycles = Arrays.copyOf(cycles, n * 2);
                        ends = Arrays.copyOf(ends, n * 2);
                    }
                    total += count;
                    cycles[n] = cycle;
                    ends[n] = total;
                    n++;
                }
                if (cycle >= lastCycle) {
                    break;
                }
                final int next = nextCycle(cycle);
                if (next <= cycle) {
                    break;
                }
                cycle = next;
            }
            // first position p in [0, total) where the predicate holds; predicate: field >= value (first),
            // field > value (last: the answer is the position before it)
            long lo = 0;
            long hi = total;
            while (lo < hi) {
                final long mid = (lo + hi) >>> 1;
                final long field = field(tailer, rollCycle, cycles, ends, n, mid, fieldOffset);
                final boolean right = last ? field > value : field >= value;
                if (right) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            final long position = last ? lo - 1 : lo;
            if (position < 0 || position >= total) {
                return RecordHeader.NO_INDEX;
            }
            return indexAt(rollCycle, cycles, ends, n, position);
        }
    }

    private int nextCycle(final int cycle) {
        if (!(queue instanceof RollingChronicleQueue)) {
            return cycle + 1;
        }
        try {
            return ((RollingChronicleQueue)queue).nextCycle(cycle, TailerDirection.FORWARD);
        } catch (final ParseException ex) {
            return cycle + 1;
        }
    }

    private static long indexAt(final RollCycle rollCycle, final int[] cycles, final long[] ends, final int n,
        final long position) {
        int i = 0;
        while (i < n - 1 && position >= ends[i]) {
            i++;
        }
        final long start = i == 0 ? 0 : ends[i - 1];
        return rollCycle.toIndex(cycles[i], position - start);
    }

    private long field(final ExcerptTailer tailer, final RollCycle rollCycle, final int[] cycles, final long[] ends,
        final int n, final long position, final int fieldOffset) {
        final long index = indexAt(rollCycle, cycles, ends, n, position);
        probes++;
        if (!tailer.moveToIndex(index)) {
            throw new IllegalStateException("journal index " + Long.toHexString(index) + " listed but not found");
        }
        try (DocumentContext dc = tailer.readingDocument()) {
            if (!dc.isPresent()) {
                throw new IllegalStateException("journal index " + Long.toHexString(index) + " listed but not readable");
            }
            final Bytes<?> bytes = dc.wire().bytes();
            if (scratch == null) {
                scratch = new org.agrona.concurrent.UnsafeBuffer(new byte[RecordHeader.LENGTH + Journals.MAX_PAYLOAD_BYTES]);
                crc = new java.util.zip.CRC32C();
            }
            final long remaining = bytes.readRemaining();
            final int length = (int)Math.min(remaining, scratch.capacity());
            bytes.read(scratch.byteArray(), 0, length);
            final int check = remaining > scratch.capacity() ? RecordHeader.BAD_LENGTH :
                RecordHeader.check(scratch, length, index, crc);
            if (check < 0) {
                throw new JournalDamageException(journal, index, RecordHeader.describe(check));
            }
            return scratch.getLong(fieldOffset, java.nio.ByteOrder.LITTLE_ENDIAN);
        } catch (final InternalError ex) {
            throw new JournalDamageException(journal, index, "record cannot be read (" + ex.getMessage() + ")", ex);
        }
    }
}
