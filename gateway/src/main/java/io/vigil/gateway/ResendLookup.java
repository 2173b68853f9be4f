package io.vigil.gateway;

import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;

/**
 * Finds what became of a resent event: a (client id, sequence) at or below the client's last journaled sequence.
 *
 * <ul>
 *   <li>{@link #ANSWERED}: its answer (Decision or Reject) is in the output journal; {@link #answer()} holds it.
 *   Found by reading the output journal backwards from its end: per client, sequences grow along the journal, so
 *   the search stops at the client's first record with a smaller sequence.</li>
 *   <li>{@link #IN_FLIGHT}: it is in the input journal after the last answered event, so the pipeline has yet to
 *   answer it; that answer will reach the client's current session.</li>
 *   <li>{@link #NOT_JOURNALED}: neither (a sequence the client skipped, one rejected before it was journaled, or
 *   one older than {@code lookbackRecords} output records).</li>
 * </ul>
 *
 * <p>Not thread-safe: used by the gateway's event loop only; its readers are created on first use, on that thread.
 * Allocation-free per lookup; the cost is one record read per output record newer than the answer (bounded by
 * {@code lookbackRecords}) plus, for an event not answered yet, one per event in flight.
 */
final class ResendLookup implements AutoCloseable {
    static final int NOT_JOURNALED = 0;
    static final int ANSWERED = 1;
    static final int IN_FLIGHT = 2;

    private final Journals journals;
    private final long lookbackRecords;
    private final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
    private JournalReader output;
    private JournalReader input;
    private long lookups;

    ResendLookup(final Journals journals, final long lookbackRecords) {
        this.journals = journals;
        this.lookbackRecords = lookbackRecords;
    }

    /** Looks up the event; see the class comment for the results. */
    int find(final long clientId, final long sequence) {
        lookups++;
        if (output == null) {
            output = journals.outputReader().backward();
            input = journals.inputReader();
        }
        output.toEnd();
        long lastAnswered = RecordHeader.NO_INDEX;
        for (long n = 0; n < lookbackRecords && output.read(record); n++) {
            if (n == 0) {
                lastAnswered = record.refIndex;
            }
            if (record.clientId == clientId) {
                if (record.clientSequence == sequence) {
                    return ANSWERED;
                }
                if (record.clientSequence < sequence) {
                    break;
                }
            }
        }
        if (lastAnswered == RecordHeader.NO_INDEX) {
            input.toStart();
        } else if (!input.readAt(lastAnswered, record)) {
            return NOT_JOURNALED;
        }
        for (long n = 0; n < lookbackRecords && input.read(record); n++) {
            if (record.clientId == clientId && record.clientSequence == sequence) {
                return IN_FLIGHT;
            }
        }
        return NOT_JOURNALED;
    }

    /** The recorded answer (SBE message, no SOFH) found by the last {@link #find} that returned {@link #ANSWERED}. */
    DirectBuffer answer() {
        return record.payload();
    }

    int answerLength() {
        return record.payloadLength;
    }

    /** Lookups made since start. */
    long lookups() {
        return lookups;
    }

    @Override
    public void close() {
        if (output != null) {
            output.close();
            input.close();
            output = null;
            input = null;
        }
    }
}
