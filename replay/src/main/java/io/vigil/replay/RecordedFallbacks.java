package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.rules.DecisionRules;

/**
 * Which recorded decisions fell back to the rules (MODEL_FALLBACK: the live inference threw or ran over its
 * wall-clock budget). Whether a batch ran over its budget depends on the live machine, not on the journal, so a
 * replay cannot recompute it: it reads it from the recorded output journal and forces the same fallback
 * ({@code EventSlot#forceModelFallback}). Everything else is recomputed.
 *
 * <p>Single-threaded; reads the output journal forward, in step with the replay. Allocation-free per event.
 */
final class RecordedFallbacks implements AutoCloseable {
    private final JournalReader output;
    private final JournalRecord record = new JournalRecord(512);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final DecisionDecoder decision = new DecisionDecoder();
    private boolean have;
    private boolean ended;
    private long forced;

    /** @param fromIndex first input index the replay answers (-1: the start). */
    RecordedFallbacks(final Journals recorded, final long fromIndex) {
        output = recorded.outputReader();
        if (fromIndex >= 0) {
            final long first = recorded.outputSearch().firstAtOrAfter(RecordHeader.REF_INDEX_OFFSET, fromIndex);
            if (first == RecordHeader.NO_INDEX) {
                output.toEnd();
            } else {
                output.moveToIndex(first);
            }
        }
    }

    /** Whether the recorded answer to input event {@code inputIndex} was a model fallback. Call in index order. */
    boolean isFallback(final long inputIndex) {
        while (!ended) {
            if (!have) {
                have = output.read(record);
                if (!have) {
                    ended = true;
                    return false;
                }
            }
            if (record.refIndex < inputIndex) {
                have = false;
                continue;
            }
            if (record.refIndex > inputIndex || record.code != DecisionDecoder.TEMPLATE_ID) {
                return false;
            }
            header.wrap(record.payload(), 0);
            decision.wrapAndApplyHeader(record.payload(), 0, header);
            final boolean fallback = (decision.reasons().getRaw() & DecisionRules.MODEL_FALLBACK) != 0;
            forced += fallback ? 1 : 0;
            return fallback;
        }
        return false;
    }

    /** Events forced to fall back so far. */
    long forced() {
        return forced;
    }

    @Override
    public void close() {
        output.close();
    }
}
