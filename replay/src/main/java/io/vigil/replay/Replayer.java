package io.vigil.replay;

import io.vigil.engine.CheckpointStore;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Pipeline;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;

import java.io.IOException;

/**
 * Feeds a stretch of the input journal through a {@link Pipeline} built like the live one, the way the live engine
 * does: each record goes into a ring slot, is staged, and batches are flushed. The pipeline's own code decides; this
 * class only reads the journal, so offline and live decisions are computed by the same code from the same input.
 *
 * <p>Events before {@code fromIndex} only rebuild state (they are not answered); the replay starts from the newest
 * checkpoint before {@code fromIndex} when a checkpoint store is given and has one, else from the start of the
 * journal with an empty state.
 *
 * <p>Not thread-safe; one replay per thread. Allocates its slots once per run.
 */
public final class Replayer {
    /** What a run did. */
    public static final class Result {
        /** Input records read and staged (state rebuilding included). */
        public long events;
        /** Events answered (at or after {@code fromIndex}). */
        public long answered;
        /** Input index the run started after (a checkpoint's), or -1 for the start of the journal. */
        public long startAfterIndex = RecordHeader.NO_INDEX;
        /** The checkpoint the run started from, or null. */
        public String checkpoint;
        /** Input index of the last event staged, or -1. */
        public long lastIndex = RecordHeader.NO_INDEX;
        /** Placeholders of events whose input record was lost to damage (written by a repair), passed over. */
        public long lost;
        /** Events decided by the rules alone because their recorded decision was a model fallback. */
        public long forcedFallbacks;
        /** Wall-clock time of the run (reading, pipeline, sinks), nanoseconds. */
        public long elapsedNs;

        /** Events per second over the run. */
        public double eventsPerSecond() {
            return elapsedNs == 0 ? 0 : events * 1e9 / elapsedNs;
        }
    }

    private Replayer() {
    }

    /**
     * Replays input events {@code fromIndex .. toIndex} (inclusive, -1 for open ends) through {@code pipeline}.
     *
     * @param maxPayloadBytes payload capacity of a slot: the live engine's {@code vigil.max.frame.bytes}.
     * @param checkpoints     where to look for a checkpoint to start from; null for a clean state.
     * @param progress        progress display (may be {@link Progress#NONE}).
     */
    public static Result run(final Journals journals, final Pipeline pipeline, final int maxPayloadBytes,
        final long fromIndex, final long toIndex, final CheckpointStore checkpoints, final Progress progress)
        throws IOException {
        return run(journals, pipeline, maxPayloadBytes, fromIndex, toIndex, checkpoints, progress, true);
    }

    /**
     * Like {@link #run(Journals, Pipeline, int, long, long, CheckpointStore, Progress)}.
     *
     * @param recordedFallbacks whether events whose recorded decision was a model fallback (the live inference threw
     *                          or ran over its budget, which depends on the machine) fall back again; see
     *                          {@link RecordedFallbacks}.
     */
    public static Result run(final Journals journals, final Pipeline pipeline, final int maxPayloadBytes,
        final long fromIndex, final long toIndex, final CheckpointStore checkpoints, final Progress progress,
        final boolean recordedFallbacks) throws IOException {
        final Result result = new Result();
        final long startNs = System.nanoTime();
        try (JournalReader reader = journals.inputReader();
             RecordedFallbacks fallbacks = recordedFallbacks ? new RecordedFallbacks(journals, fromIndex) : null) {
            if (fromIndex >= 0) {
                pipeline.answeredUpTo(fromIndex - 1);
                if (checkpoints != null) {
                    final CheckpointStore.Restored restored = checkpoints.restoreLatest(pipeline,
                        index -> index < fromIndex && reader.moveToIndex(index));
                    result.startAfterIndex = restored.inputIndex();
                    result.checkpoint = restored.checkpoint() == null ? null : restored.checkpoint().file().toString();
                }
            }
            reader.toStart();
            if (result.startAfterIndex != RecordHeader.NO_INDEX &&
                !reader.readAt(result.startAfterIndex, new JournalRecord(RecordHeader.LENGTH))) {
                throw new IOException("input index " + Long.toHexString(result.startAfterIndex) + " vanished");
            }
            final long last = toIndex >= 0 ? Math.min(toIndex, journals.lastInputIndex()) : journals.lastInputIndex();
            progress.start(journals.inputExcerptsBetween(result.startAfterIndex, last));
            final EventSlot[] slots = new EventSlot[pipeline.maxBatch()];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new EventSlot(maxPayloadBytes, pipeline.featureSet().width());
            }
            final long answeredBefore = pipeline.answered();
            int next = 0;
            while (true) {
                final EventSlot slot = slots[next];
                if (!reader.read(slot.input)) {
                    break;
                }
                if (toIndex >= 0 && slot.input.index > toIndex) {
                    break;
                }
                if (slot.input.source == RecordHeader.SOURCE_LOST) {
                    // a repair's placeholder for an event whose input record was lost: nothing to replay
                    result.lost++;
                    result.lastIndex = slot.input.index;
                    continue;
                }
                slot.forceModelFallback = fallbacks != null && fallbacks.isFallback(slot.input.index);
                pipeline.stage(slot);
                result.lastIndex = slot.input.index;
                next = next + 1 == slots.length ? 0 : next + 1;
                result.events++;
                if ((result.events & 1023) == 0) {
                    progress.update(result.events);
                }
            }
            pipeline.flush();
            result.answered = pipeline.answered() - answeredBefore;
            result.forcedFallbacks = fallbacks == null ? 0 : fallbacks.forced();
            progress.finish(result.events);
        }
        result.elapsedNs = System.nanoTime() - startNs;
        return result;
    }
}
