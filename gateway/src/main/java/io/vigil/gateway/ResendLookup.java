package io.vigil.gateway;

import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalSearch;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.function.LongSupplier;

/**
 * Finds what became of a resent event: a (client id, sequence) at or below the client's last journaled sequence.
 *
 * <ul>
 *   <li>{@link #ANSWERED}: its answer (Decision or Reject) is in the output journal; {@link #answer()} holds it.</li>
 *   <li>{@link #IN_FLIGHT}: it is journaled but the pipeline has not completed it yet; that one answer will reach the
 *   client's current session.</li>
 *   <li>{@link #NOT_JOURNALED}: a sequence the client skipped, one refused before it was journaled, or one older than
 *   the client's last {@code windowEvents} journaled events.</li>
 * </ul>
 *
 * <p>How: each client's latest {@code windowEvents} (sequence, input index) pairs are kept in memory (recorded by
 * the gateway as it journals, rebuilt from the input journal at start); a resent sequence is found there by binary
 * search, compared with the pipeline's completed index, and its answer located by a binary search of the output
 * journal on the answered input index (answers are journaled in input order). No scan: a flood of resends costs
 * O(log n) reads each, never a pass over the journals.
 *
 * <p>Not thread-safe: the gateway's event loop only; its readers are created on first use, on that thread.
 * Allocates when a client is first seen and when its window grows (doubling up to {@code windowEvents}); a lookup
 * that finds an answered event allocates a little in {@link JournalSearch} (control plane: resends only).
 */
final class ResendLookup implements AutoCloseable {
    static final int NOT_JOURNALED = 0;
    static final int ANSWERED = 1;
    static final int IN_FLIGHT = 2;
    private static final int INITIAL_WINDOW = 16;

    /** One client's latest journaled events, oldest first, in a ring. */
    private static final class Window {
        long[] sequences = new long[INITIAL_WINDOW];
        long[] indices = new long[INITIAL_WINDOW];
        int head;
        int size;

        void add(final long sequence, final long index, final int max) {
            if (size == sequences.length && size < max) {
                final int grown = Math.min(max, size * 2);
                final long[] s = new long[grown];
                final long[] i = new long[grown];
                for (int k = 0; k < size; k++) {
                    s[k] = sequences[(head + k) % size];
                    i[k] = indices[(head + k) % size];
                }
                sequences = s;
                indices = i;
                head = 0;
            }
            if (size < sequences.length) {
                sequences[(head + size) % sequences.length] = sequence;
                indices[(head + size) % sequences.length] = index;
                size++;
            } else {
                sequences[head] = sequence;
                indices[head] = index;
                head = (head + 1) % sequences.length;
            }
        }

        /** Input index of {@code sequence}, or -1. Sequences grow along the ring. */
        long find(final long sequence) {
            int low = 0;
            int high = size - 1;
            while (low <= high) {
                final int mid = (low + high) >>> 1;
                final long s = sequences[(head + mid) % sequences.length];
                if (s < sequence) {
                    low = mid + 1;
                } else if (s > sequence) {
                    high = mid - 1;
                } else {
                    return indices[(head + mid) % sequences.length];
                }
            }
            return RecordHeader.NO_INDEX;
        }
    }

    private Journals journals;
    private final int windowEvents;
    private final LongSupplier completedIndex;
    private final Long2ObjectHashMap<Window> windows = new Long2ObjectHashMap<>();
    private final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
    private JournalReader output;
    private JournalSearch outputSearch;
    private long lookups;

    /**
     * @param windowEvents   latest journaled events per client that can be resent.
     * @param completedIndex input index of the last event the pipeline completed (any thread).
     */
    ResendLookup(final Journals journals, final int windowEvents, final LongSupplier completedIndex) {
        this.journals = journals;
        this.windowEvents = Math.max(1, windowEvents);
        this.completedIndex = completedIndex;
    }

    /** Remembers a journaled event; allocation-free unless the client is new or its window grows. */
    void journaled(final long clientId, final long sequence, final long inputIndex) {
        Window window = windows.get(clientId);
        if (window == null) {
            window = new Window();
            windows.put(clientId, window);
        }
        window.add(sequence, inputIndex, windowEvents);
    }

    /** Looks up the event; see the class comment for the results. */
    int find(final long clientId, final long sequence) {
        lookups++;
        final Window window = windows.get(clientId);
        final long inputIndex = window == null ? RecordHeader.NO_INDEX : window.find(sequence);
        if (inputIndex == RecordHeader.NO_INDEX) {
            return NOT_JOURNALED;
        }
        if (inputIndex > completedIndex.getAsLong()) {
            return IN_FLIGHT;
        }
        if (output == null) {
            output = journals.outputReader();
            outputSearch = journals.outputSearch();
        }
        final long outputIndex = outputSearch.firstAtOrAfter(RecordHeader.REF_INDEX_OFFSET, inputIndex);
        if (outputIndex != RecordHeader.NO_INDEX && output.readAt(outputIndex, record) && record.refIndex == inputIndex) {
            return ANSWERED;
        }
        // completed but not (yet) visible in the output journal: its answer is on its way
        return IN_FLIGHT;
    }

    /** The recorded answer (SBE message, no SOFH) found by the last {@link #find} that returned {@link #ANSWERED}. */
    DirectBuffer answer() {
        return record.payload();
    }

    int answerLength() {
        return record.payloadLength;
    }

    /** Reads the given journals from now on (after they were reopened); event loop only. */
    void journals(final Journals reopened) {
        close();
        journals = reopened;
    }

    /** Lookups made since start. */
    long lookups() {
        return lookups;
    }

    @Override
    public void close() {
        if (output != null) {
            output.close();
            output = null;
            outputSearch = null;
        }
    }
}
