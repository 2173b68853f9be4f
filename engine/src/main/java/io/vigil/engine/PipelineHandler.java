package io.vigil.engine;

import com.lmax.disruptor.EventHandler;
import io.vigil.engine.counters.EngineState;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.journal.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drives the {@link Pipeline} from the Disruptor: stages each event and flushes at the end of every Disruptor
 * batch, so inference is batched without holding any event longer than the batch that is already waiting.
 *
 * <p>Checkpoints: at the end of the first batch after every {@code checkpointIntervalEvents} events, and when the
 * engine shuts down, the pipeline's state is written to the {@link CheckpointStore} with the input index of the last
 * event completed. The write happens on the pipeline thread at a batch boundary, so the state is exactly that of
 * the events up to that index; events wait for it (see docs/replay.md for its cost).
 *
 * <p>Runs on the one pipeline thread; allocation-free per event (a checkpoint allocates).
 */
final class PipelineHandler implements EventHandler<EventSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineHandler.class);

    private final Pipeline pipeline;
    private final Runnable onShutdown;
    private final CheckpointStore checkpoints;
    private final long checkpointIntervalEvents;
    private final long recoverUntilIndex;
    private final long startNs = System.nanoTime();
    private long eventsSinceCheckpoint;
    private long events;
    private long lastCheckpointIndex = RecordHeader.NO_INDEX;
    private boolean recovering;
    private volatile long completedIndex = -1;
    private volatile long answered;
    private volatile long checkpointsWritten;
    private volatile long recoveryNs = -1;
    private final CountDownLatch shutDown = new CountDownLatch(1);
    private final PipelineCounters counters;

    PipelineHandler(final Pipeline pipeline, final Runnable onShutdown) {
        this(pipeline, onShutdown, null, 0, RecordHeader.NO_INDEX, RecordHeader.NO_INDEX,
            new PipelineCounters(VigilCounters.inMemory()));
    }

    /**
     * @param checkpoints              where checkpoints go; null for none.
     * @param checkpointIntervalEvents events between periodic checkpoints; 0 for checkpoints at shutdown only.
     * @param restoredIndex            input index the restored state reflects, or -1.
     * @param recoverUntilIndex        input index up to which events were answered before the restart, or -1: the
     *                                 recovery time is measured until the pipeline has passed it.
     * @param counters                 the pipeline thread's counters, published at every batch end.
     */
    PipelineHandler(final Pipeline pipeline, final Runnable onShutdown, final CheckpointStore checkpoints,
        final long checkpointIntervalEvents, final long restoredIndex, final long recoverUntilIndex,
        final PipelineCounters counters) {
        this.counters = counters;
        this.pipeline = pipeline;
        this.onShutdown = onShutdown;
        this.checkpoints = checkpoints;
        this.checkpointIntervalEvents = checkpointIntervalEvents;
        this.lastCheckpointIndex = restoredIndex;
        this.completedIndex = restoredIndex;
        this.recoverUntilIndex = recoverUntilIndex;
        this.recovering = recoverUntilIndex != RecordHeader.NO_INDEX && recoverUntilIndex > restoredIndex;
        if (!recovering) {
            recoveryNs = 0;
        }
        counters.state(recovering ? EngineState.RECOVERING : EngineState.LIVE);
    }

    @Override
    public void onEvent(final EventSlot slot, final long sequence, final boolean endOfBatch) {
        pipeline.stage(slot);
        events++;
        eventsSinceCheckpoint++;
        if (endOfBatch) {
            pipeline.flush();
            final long index = pipeline.lastInputIndex();
            completedIndex = index;
            answered = pipeline.answered();
            counters.onBatchEnd(pipeline, sequence);
            if (recovering && index >= recoverUntilIndex) {
                recovering = false;
                counters.state(EngineState.LIVE);
                recoveryNs = System.nanoTime() - startNs;
                LOG.info("recovery: replayed {} journaled events up to index {} in {} ms", events,
                    Long.toHexString(index), recoveryNs / 1_000_000);
            }
            if (checkpointIntervalEvents > 0 && eventsSinceCheckpoint >= checkpointIntervalEvents) {
                checkpoint(index);
            }
        }
    }

    private void checkpoint(final long index) {
        eventsSinceCheckpoint = 0;
        if (checkpoints == null || index == lastCheckpointIndex || index == RecordHeader.NO_INDEX) {
            return;
        }
        try {
            checkpoints.write(pipeline, index);
            lastCheckpointIndex = index;
            checkpointsWritten = checkpoints.written();
            counters.checkpointWritten(System.currentTimeMillis());
            LOG.info("checkpoint at input index {} written in {} ms", Long.toHexString(index),
                checkpoints.lastWriteNs() / 1_000_000);
        } catch (final IOException | RuntimeException ex) {
            counters.error();
            LOG.error("checkpoint at input index {} failed; the previous one stays the recovery point",
                Long.toHexString(index), ex);
        }
    }

    @Override
    public void onShutdown() {
        pipeline.flush();
        completedIndex = pipeline.lastInputIndex();
        answered = pipeline.answered();
        counters.onBatchEnd(pipeline, Long.MAX_VALUE);
        try {
            checkpoint(pipeline.lastInputIndex());
            onShutdown.run();
        } finally {
            counters.state(EngineState.STOPPED);
            shutDown.countDown();
        }
    }

    /** Waits until {@link #onShutdown()} finished (the last checkpoint written, the pipeline closed). */
    boolean awaitShutdown(final long timeout, final TimeUnit unit) throws InterruptedException {
        return shutDown.await(timeout, unit);
    }

    /** Input index of the last event completed, as of the end of the last batch; safe from any thread. */
    long completedIndex() {
        return completedIndex;
    }

    /** Events answered, as of the end of the last batch; safe from any thread. */
    long answered() {
        return answered;
    }

    /** Checkpoints written since start; safe from any thread. */
    long checkpointsWritten() {
        return checkpointsWritten;
    }

    /** Nanoseconds from start until the events answered before the restart were replayed; -1 while replaying. */
    long recoveryNs() {
        return recoveryNs;
    }
}
