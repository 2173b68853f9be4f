package io.vigil.engine;

import com.lmax.disruptor.Cursored;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.EngineState;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.journal.RecordHeader;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The pipeline thread's counters: what the {@link Pipeline} tallied with plain fields is published at the end of
 * each Disruptor batch, as differences since the last batch (so that an engine restarted in the same process, with
 * a fresh pipeline, keeps adding to the same counters). Single-writer counters take release stores; the reject,
 * dead-letter and error counters, which the gateway adds to as well, one atomic add each when they changed.
 *
 * <p>Not thread-safe: the pipeline thread only, after construction on the control thread. Allocation-free.
 */
final class PipelineCounters {
    private final VigilCounters counters;
    private final AtomicCounter answered;
    private final AtomicCounter deadLetters;
    private final AtomicCounter fallbacks;
    private final AtomicCounter errors;
    private final AtomicCounter ringOccupancy;
    private final AtomicCounter outputIndex;
    private final AtomicCounter completedIndex;
    private final AtomicCounter checkpoints;
    private final AtomicCounter lastCheckpoint;
    private final AtomicCounter checkpointPause;
    private final AtomicCounter lateEvents;
    private final AtomicCounter tooLateEvents;
    private final AtomicCounter watermark;
    private final AtomicCounter watermarkSources;
    private final AtomicCounter windowResults;
    private final AtomicCounter windowClosedEvents;
    private long lateEventsPublished;
    private long tooLateEventsPublished;
    private long windowResultsPublished;
    private long windowClosedEventsPublished;
    private Cursored ring;
    private long answeredPublished;
    private long deadLettersPublished;
    private long fallbacksPublished;
    private long errorsPublished;
    private long outputIndexPublished = Long.MIN_VALUE;
    private final AtomicCounter[] events = new AtomicCounter[CounterType.EVENT_TYPES.length];
    private final long[] eventsPublished = new long[CounterType.EVENT_TYPES.length];
    private final AtomicCounter[] decisions = new AtomicCounter[VigilCounters.ACTIONS.length];
    private final long[] decisionsPublished = new long[VigilCounters.ACTIONS.length];

    PipelineCounters(final VigilCounters counters) {
        this.counters = counters;
        this.answered = counters.counter(CounterType.ANSWERED);
        this.deadLetters = counters.counter(CounterType.DEAD_LETTERS);
        this.fallbacks = counters.counter(CounterType.MODEL_FALLBACKS);
        this.errors = counters.counter(CounterType.ERRORS);
        this.ringOccupancy = counters.counter(CounterType.RING_OCCUPANCY);
        this.outputIndex = counters.counter(CounterType.OUTPUT_INDEX);
        this.completedIndex = counters.counter(CounterType.COMPLETED_INDEX);
        this.checkpoints = counters.counter(CounterType.CHECKPOINTS);
        this.lastCheckpoint = counters.counter(CounterType.LAST_CHECKPOINT);
        this.checkpointPause = counters.counter(CounterType.CHECKPOINT_PAUSE);
        this.lateEvents = counters.counter(CounterType.LATE_EVENTS);
        this.tooLateEvents = counters.counter(CounterType.TOO_LATE_EVENTS);
        this.watermark = counters.counter(CounterType.WATERMARK);
        this.watermarkSources = counters.counter(CounterType.WATERMARK_SOURCES);
        this.windowResults = counters.counter(CounterType.WINDOW_RESULTS);
        this.windowClosedEvents = counters.counter(CounterType.WINDOW_CLOSED_EVENTS);
        for (int i = 0; i < events.length; i++) {
            events[i] = counters.events(CounterType.EVENT_TYPES[i]);
        }
        for (int i = 0; i < decisions.length; i++) {
            decisions[i] = counters.decisions(i);
        }
    }

    /** The ring whose occupancy is reported; set before the pipeline thread starts. */
    void ring(final Cursored ring) {
        this.ring = ring;
    }

    /**
     * At the end of a batch whose last slot had {@code sequence}.
     */
    void onBatchEnd(final Pipeline pipeline, final long sequence) {
        final long answeredNow = pipeline.answered();
        if (answeredNow != answeredPublished) {
            answered.getAndAddRelease(answeredNow - answeredPublished);
            answeredPublished = answeredNow;
            publish(pipeline.answeredByType(), eventsPublished, events);
            publish(pipeline.decisionsByAction(), decisionsPublished, decisions);
        }
        pipeline.rejectCounts().publish(counters);
        final long deadLettersNow = pipeline.deadLettered();
        if (deadLettersNow != deadLettersPublished) {
            deadLetters.getAndAdd(deadLettersNow - deadLettersPublished);
            deadLettersPublished = deadLettersNow;
        }
        final long fallbacksNow = pipeline.modelFallbacks();
        if (fallbacksNow != fallbacksPublished) {
            fallbacks.getAndAddRelease(fallbacksNow - fallbacksPublished);
            fallbacksPublished = fallbacksNow;
        }
        final long errorsNow = pipeline.modelFailures() + pipeline.journalFailures() + pipeline.internalErrors() +
            pipeline.batchErrors();
        if (errorsNow != errorsPublished) {
            errors.getAndAdd(errorsNow - errorsPublished);
            errorsPublished = errorsNow;
        }
        final long outputIndexNow = pipeline.lastOutputIndex();
        if (outputIndexNow != outputIndexPublished && outputIndexNow != RecordHeader.NO_INDEX) {
            outputIndex.setRelease(outputIndexNow);
            outputIndexPublished = outputIndexNow;
        }
        completedIndex.setRelease(pipeline.lastInputIndex());
        lateEventsPublished = add(lateEvents, pipeline.lateEvents(), lateEventsPublished);
        tooLateEventsPublished = add(tooLateEvents, pipeline.tooLateEvents(), tooLateEventsPublished);
        windowResultsPublished = add(windowResults, pipeline.windowResultsWritten(), windowResultsPublished);
        windowClosedEventsPublished = add(windowClosedEvents, pipeline.windowClosedEvents(), windowClosedEventsPublished);
        final long watermarkNs = pipeline.watermarkNs();
        watermark.setRelease(watermarkNs == Long.MIN_VALUE ? 0 : watermarkNs / 1_000_000);
        watermarkSources.setRelease(pipeline.activeSources());
        if (ring != null) {
            ringOccupancy.setRelease(Math.max(0, ring.getCursor() - sequence));
        }
    }

    private static long add(final AtomicCounter counter, final long now, final long published) {
        if (now != published) {
            counter.getAndAddRelease(now - published);
        }
        return now;
    }

    /** Adds what {@code now} gained over {@code published} to the single-writer {@code counters}. */
    private static void publish(final long[] now, final long[] published, final AtomicCounter[] counters) {
        for (int i = 0; i < now.length; i++) {
            final long value = now[i];
            if (value != published[i]) {
                counters[i].getAndAddRelease(value - published[i]);
                published[i] = value;
            }
        }
    }

    /** The pipeline thread captured a checkpoint in {@code nanos}: pipeline thread. */
    void checkpointPause(final long nanos) {
        checkpointPause.setRelease(nanos / 1_000);
    }

    /** A checkpoint was written at wall-clock {@code epochMs}: the checkpoint thread (the last one: pipeline thread, after it). */
    void checkpointWritten(final long epochMs) {
        checkpoints.incrementRelease();
        lastCheckpoint.setRelease(epochMs);
    }

    /** Something failed outside the event path (a checkpoint, the tailer): any thread. */
    void error() {
        errors.increment();
    }

    void state(final EngineState state) {
        counters.engineState(state);
    }
}
