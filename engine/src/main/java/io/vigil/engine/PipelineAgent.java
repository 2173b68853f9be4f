package io.vigil.engine;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import io.vigil.engine.counters.EngineState;
import io.vigil.journal.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pipeline thread's duty-cycle agent: each cycle polls the Disruptor ring with an {@link EventPoller}, stages
 * every event published since the last cycle into the {@link Pipeline} and flushes at the end of that batch, so
 * inference is batched without holding any event longer than the batch that is already waiting.
 *
 * <p>Why an {@code EventPoller} in an Agrona {@code AgentRunner} rather than a {@code BatchEventProcessor}: the
 * duty cycle is ours, so the pipeline thread has a heartbeat the {@link Watchdog} reads, an idle strategy from the
 * configuration like the tailer's, an error handler that survives whatever a cycle throws (the processor's default
 * handler halts the thread), and an orderly stop that finishes the last checkpoint before the runner is closed. Per
 * event errors never reach the runner: the pipeline answers such an event INTERNAL_ERROR; anything else thrown while
 * handling one event is caught here, so that the poller never hands the same event out twice.
 *
 * <p>Checkpoints: at the end of the first batch after every {@code checkpointIntervalEvents} events, and when the
 * engine stops, the pipeline's state is checkpointed with the input index of the last event completed. At the batch
 * boundary this thread only {@linkplain CheckpointStore#capture captures} the state (a copy-on-write snapshot of the
 * features; the small sections copied), so it is exactly that of the events up to that index; the
 * {@code vigil-checkpoint} thread streams the file while events go on. While one is still being written the next is
 * put off to the next batch end. The last one, at the stop, is written on this thread after the one in flight.
 *
 * <p>Runs on the one pipeline thread; the accessors are safe from any thread. Allocation-free per event (a
 * checkpoint allocates).
 */
final class PipelineAgent extends SupervisedAgent implements EventPoller.Handler<EventSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineAgent.class);

    private final Pipeline pipeline;
    private final RingBuffer<EventSlot> ring;
    private final EventPoller<EventSlot> poller;
    private final CheckpointStore checkpoints;
    private final ExecutorService checkpointWriter;
    private volatile boolean checkpointInFlight;
    private final long checkpointIntervalEvents;
    private final long recoverUntilIndex;
    private final long startNs = System.nanoTime();
    private long eventsSinceCheckpoint;
    private long events;
    private long lastCheckpointIndex;
    private long handlerErrors;
    private boolean recovering;
    private volatile boolean finished;
    private volatile boolean stopRequested;
    private volatile long completedIndex;
    private volatile long answered;
    private volatile long internalErrors;
    private volatile long checkpointsWritten;
    private volatile long recoveryNs = -1;
    private final CountDownLatch shutDown = new CountDownLatch(1);
    /** Held by the thread running a cycle: the pipeline thread, or a network thread {@linkplain #runInline inline}. */
    private final AtomicBoolean running = new AtomicBoolean();
    /** True during an inline cycle (the holder of {@code running} only). */
    private boolean inline;
    /** Events completed by inline cycles; written by the holder of {@code running}, read by any thread. */
    private volatile long inlineEvents;
    /** A periodic checkpoint came due in an inline cycle (the holder of {@code running} only). */
    private boolean checkpointDue;
    private final PipelineCounters counters;

    /**
     * @param checkpoints              where checkpoints go; null for none.
     * @param checkpointIntervalEvents events between periodic checkpoints; 0 for checkpoints at shutdown only.
     * @param restoredIndex            input index the restored state reflects, or -1.
     * @param recoverUntilIndex        input index up to which events were answered before the restart, or -1: the
     *                                 recovery time is measured until the pipeline has passed it.
     * @param counters                 the pipeline thread's counters, published at every batch end.
     */
    PipelineAgent(final Pipeline pipeline, final RingBuffer<EventSlot> ring, final CheckpointStore checkpoints,
        final long checkpointIntervalEvents, final long restoredIndex, final long recoverUntilIndex,
        final PipelineCounters counters) {
        super(Engine.PIPELINE_THREAD);
        this.counters = counters;
        this.pipeline = pipeline;
        this.ring = ring;
        this.poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
        this.checkpoints = checkpoints;
        this.checkpointWriter = checkpoints == null ? null : Executors.newSingleThreadExecutor(task -> {
            final Thread thread = new Thread(task, Engine.CHECKPOINT_THREAD);
            thread.setDaemon(true);
            return thread;
        });
        this.checkpointIntervalEvents = checkpointIntervalEvents;
        this.lastCheckpointIndex = restoredIndex;
        this.completedIndex = restoredIndex;
        this.recoverUntilIndex = recoverUntilIndex;
        this.recovering = recoverUntilIndex != RecordHeader.NO_INDEX && recoverUntilIndex > restoredIndex;
        if (!recovering) {
            recoveryNs = 0;
        }
        counters.ring(ring);
        counters.state(recovering ? EngineState.RECOVERING : EngineState.LIVE);
        warmUpCheckpoints();
    }

    /**
     * Captures the state once and drops the capture, before the pipeline thread starts (which orders it before that
     * thread's work): the classes and code of a capture are then loaded before the first periodic checkpoint, whose
     * pause would otherwise include them (measured: ~20 ms for the first capture, under 1 ms for the next).
     */
    private void warmUpCheckpoints() {
        if (checkpoints == null) {
            return;
        }
        try {
            checkpoints.capture(pipeline, lastCheckpointIndex).close();
            checkpointWriter.execute(() -> { }); // starts the checkpoint thread
        } catch (final IOException | RuntimeException ex) {
            LOG.warn("checkpoint warm-up failed (the first checkpoint will tell whether capturing works)", ex);
        }
    }

    @Override
    public int doWork() throws Exception {
        beat();
        if (finished) {
            return 0;
        }
        if (!running.compareAndSet(false, true)) {
            return 0; // a network thread is running a cycle inline
        }
        final boolean processed;
        try {
            if (checkpointDue) {
                checkpointDue = false;
                checkpoint(pipeline.lastInputIndex());
            }
            processed = poller.poll(this) == EventPoller.PollState.PROCESSING;
            if (!processed && stopRequested) {
                finish();
            }
        } finally {
            running.set(false);
        }
        // an event published while the flag was held, by a thread that then found it taken, is this thread's to take
        // (both sides store, then load: volatile accesses, so one of the two sees the other)
        return processed || ring.getCursor() > poller.getSequence().get() ? 1 : 0;
    }

    /**
     * Runs one cycle of the pipeline on the calling thread, if no other thread is running one and at most
     * {@code maxBacklog} events are waiting in the ring: the gateway's network thread, right after it fed the ring
     * with the events of a read ({@link VigilConfig#INLINE_MAX}). The events then need no thread wake-up to reach
     * the pipeline, and their answers none to reach the network: at low rates, two hand-offs fewer. The state stays
     * owned by one thread at a time: whoever holds the {@code running} flag, whose release and acquisition order
     * everything one cycle did before the next (happens-before). A due checkpoint is left to the pipeline thread's
     * next cycle, and the stop is the pipeline thread's alone.
     *
     * @return events completed by this call (0 when the pipeline thread or another caller had the flag, the backlog
     * was larger, or the engine is stopping).
     */
    int runInline(final long maxBacklog) {
        if (finished || stopRequested || !running.compareAndSet(false, true)) {
            return 0;
        }
        try {
            final long backlog = ring.getCursor() - poller.getSequence().get();
            if (finished || stopRequested || backlog <= 0 || backlog > maxBacklog) {
                return 0;
            }
            inline = true;
            final long before = events;
            poller.poll(this);
            final long ran = events - before;
            inlineEvents += ran;
            return (int)ran;
        } catch (final VirtualMachineError error) {
            throw error;
        } catch (final Throwable ex) {
            handlerErrors++;
            onError(ex);
            return 0;
        } finally {
            inline = false;
            running.set(false);
        }
    }

    @Override
    public boolean onEvent(final EventSlot slot, final long sequence, final boolean endOfBatch) {
        try {
            pipeline.stage(slot);
            events++;
            eventsSinceCheckpoint++;
            if (endOfBatch) {
                endOfBatch(sequence);
            }
        } catch (final VirtualMachineError error) {
            throw error;
        } catch (final Throwable ex) {
            handlerErrors++;
            onError(ex);
        }
        return true;
    }

    private void endOfBatch(final long sequence) {
        pipeline.flush();
        final long index = pipeline.lastInputIndex();
        completedIndex = index;
        answered = pipeline.answered();
        internalErrors = pipeline.internalErrors();
        counters.onBatchEnd(pipeline, sequence);
        if (recovering && index >= recoverUntilIndex) {
            recovering = false;
            counters.state(EngineState.LIVE);
            recoveryNs = System.nanoTime() - startNs;
            LOG.info("recovery: replayed {} journaled events up to index {} in {} ms", events,
                Long.toHexString(index), recoveryNs / 1_000_000);
        }
        if (checkpointIntervalEvents > 0 && eventsSinceCheckpoint >= checkpointIntervalEvents) {
            if (inline) {
                checkpointDue = true; // not on the network thread: the pipeline thread captures it at its next cycle
            } else {
                checkpoint(index);
            }
        }
    }

    /** Captures a checkpoint at this batch boundary and hands it to the checkpoint thread (or puts it off). */
    private void checkpoint(final long index) {
        if (checkpoints == null || index == lastCheckpointIndex || index == RecordHeader.NO_INDEX) {
            eventsSinceCheckpoint = 0;
            return;
        }
        if (checkpointInFlight) {
            return; // the previous one is still being written: try again at the next batch end
        }
        eventsSinceCheckpoint = 0;
        final CheckpointStore.Pending pending;
        try {
            pending = checkpoints.capture(pipeline, index);
        } catch (final IOException | RuntimeException ex) {
            counters.error();
            LOG.error("checkpoint at input index {} could not be captured; the previous one stays the recovery point",
                Long.toHexString(index), ex);
            return;
        }
        lastCheckpointIndex = index;
        counters.checkpointPause(pending.captureNs());
        checkpointInFlight = true;
        try {
            checkpointWriter.execute(() -> {
                try {
                    writeCheckpoint(pending);
                } finally {
                    checkpointInFlight = false;
                }
            });
        } catch (final RuntimeException ex) {
            checkpointInFlight = false;
            pending.close();
            counters.error();
            LOG.error("checkpoint at input index {} could not be handed to the checkpoint thread", Long.toHexString(index), ex);
        }
    }

    /** Writes a captured checkpoint: on the checkpoint thread, or on this one for the last. */
    private void writeCheckpoint(final CheckpointStore.Pending pending) {
        try {
            checkpoints.write(pending);
            checkpointsWritten = checkpoints.written();
            counters.checkpointWritten(System.currentTimeMillis());
            LOG.info("checkpoint at input index {}: pipeline paused {} us to capture it, {} MB written in {} ms",
                Long.toHexString(pending.inputIndex()), pending.captureNs() / 1_000,
                checkpoints.lastFileBytes() / 1_000_000, checkpoints.lastWriteNs() / 1_000_000);
        } catch (final IOException | RuntimeException ex) {
            counters.error();
            LOG.error("checkpoint at input index {} failed; the previous one stays the recovery point",
                Long.toHexString(pending.inputIndex()), ex);
        }
    }

    /** Waits for the checkpoint in flight, if any, and stops the checkpoint thread. */
    private void stopCheckpointWriter() {
        if (checkpointWriter == null) {
            return;
        }
        checkpointWriter.shutdown();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    if (checkpointWriter.awaitTermination(10, TimeUnit.SECONDS)) {
                        break;
                    }
                    LOG.info("waiting for the checkpoint being written before the last one");
                } catch (final InterruptedException ex) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The last checkpoint, at the stop: captured and written on this thread. */
    private void lastCheckpoint(final long index) {
        stopCheckpointWriter();
        if (checkpoints == null || index == lastCheckpointIndex || index == RecordHeader.NO_INDEX) {
            return;
        }
        try {
            final CheckpointStore.Pending pending = checkpoints.capture(pipeline, index);
            lastCheckpointIndex = index;
            counters.checkpointPause(pending.captureNs());
            writeCheckpoint(pending);
        } catch (final IOException | RuntimeException ex) {
            counters.error();
            LOG.error("checkpoint at input index {} could not be captured; the previous one stays the recovery point",
                Long.toHexString(index), ex);
        }
    }

    /** The ring is drained and the tailer stopped: the last checkpoint, then the pipeline's journals close. */
    private void finish() {
        finished = true;
        try {
            pipeline.flush();
            completedIndex = pipeline.lastInputIndex();
            answered = pipeline.answered();
            counters.onBatchEnd(pipeline, Long.MAX_VALUE);
            lastCheckpoint(pipeline.lastInputIndex());
            pipeline.close();
        } finally {
            counters.state(EngineState.STOPPED);
            shutDown.countDown();
        }
    }

    @Override
    boolean hasWork() {
        return stopRequested && !finished || ring.getCursor() > poller.getSequence().get();
    }

    /** Asks the agent to drain the ring, write the last checkpoint and close the pipeline (call after the tailer stopped). */
    void requestStop() {
        stopRequested = true;
    }

    /** Waits until the agent finished its stop (the last checkpoint written, the pipeline closed). */
    boolean awaitShutdown(final long timeout, final TimeUnit unit) throws InterruptedException {
        return shutDown.await(timeout, unit);
    }

    /** Events published to the ring and not yet completed; safe from any thread. */
    long backlog() {
        return ring.getCursor() - poller.getSequence().get();
    }

    /** Input index of the last event completed, as of the end of the last batch; safe from any thread. */
    long completedIndex() {
        return completedIndex;
    }

    /** Events answered, as of the end of the last batch; safe from any thread. */
    long answered() {
        return answered;
    }

    /** Events answered INTERNAL_ERROR, as of the end of the last batch; safe from any thread. */
    long internalErrors() {
        return internalErrors;
    }

    /** Events the network thread ran through the pipeline itself ({@link #runInline}); safe from any thread. */
    long inlineEvents() {
        return inlineEvents;
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
