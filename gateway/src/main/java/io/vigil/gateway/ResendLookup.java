package io.vigil.gateway;

import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalSearch;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;

/**
 * Finds what became of a resent event: a (tenant, client id, sequence) at or below that client's last journaled
 * sequence. Clients are keyed by (tenant, client id): the same client id under another tenant is another client.
 *
 * <ul>
 *   <li>{@link #ANSWERED}: its answer (Decision or Reject) is in the output journal; {@link #answer()} holds it.</li>
 *   <li>{@link #IN_FLIGHT}: it is journaled but its answer is not in the output journal yet; that one answer will
 *   reach the client's current session.</li>
 *   <li>{@link #NOT_JOURNALED}: a sequence the client skipped, one refused before it was journaled, or one older than
 *   the client's last {@code windowEvents} journaled events.</li>
 * </ul>
 *
 * <p>How: each client's latest {@code windowEvents} (sequence, input index) pairs are kept in memory (recorded by
 * the gateway as it journals, rebuilt from the input journal at start); a resent sequence is found there by binary
 * search, and its answer located by a binary search of the output journal on the answered input index (answers are
 * journaled in input order). The output journal decides, not the pipeline's completed index: the pipeline journals
 * each answer before it hands it to the network but publishes its completed index only at the end of a batch, so
 * a client can hold an answer (and resend its event) while the index still says "in flight"; an answer found in
 * the output journal is sent again at once, even if the pipeline's own copy is still on its way (the client then
 * sees it twice, as around any reconnect). No scan: a flood of resends costs
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
    private final TenantClientMap<Window> windows = new TenantClientMap<>();
    private final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
    private JournalReader output;
    private JournalSearch outputSearch;
    private long lookups;

    /**
     * @param windowEvents latest journaled events per client that can be resent.
     */
    ResendLookup(final Journals journals, final int windowEvents) {
        this.journals = journals;
        this.windowEvents = Math.max(1, windowEvents);
    }

    /** Remembers a journaled event; allocation-free unless the client is new or its window grows. */
    void journaled(final int tenantId, final long clientId, final long sequence, final long inputIndex) {
        Window window = windows.get(tenantId, clientId);
        if (window == null) {
            window = new Window();
            windows.put(tenantId, clientId, window);
        }
        window.add(sequence, inputIndex, windowEvents);
    }

    /** Looks up the event; see the class comment for the results. */
    int find(final int tenantId, final long clientId, final long sequence) {
        lookups++;
        final Window window = windows.get(tenantId, clientId);
        final long inputIndex = window == null ? RecordHeader.NO_INDEX : window.find(sequence);
        if (inputIndex == RecordHeader.NO_INDEX) {
            return NOT_JOURNALED;
        }
        if (output == null) {
            output = journals.outputReader();
            outputSearch = journals.outputSearch();
        }
        final long outputIndex = outputSearch.firstAtOrAfter(RecordHeader.REF_INDEX_OFFSET, inputIndex);
        if (outputIndex != RecordHeader.NO_INDEX && output.readAt(outputIndex, record) && record.refIndex == inputIndex) {
            return ANSWERED;
        }
        // not answered yet: the pipeline's answer is on its way to the client's current session
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
