package io.vigil.engine;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.model.OnnxModel;
import io.vigil.scoring.rules.DecisionRules;
import io.vigil.scoring.rules.RulesConfig;
import net.openhft.affinity.AffinityLock;
import org.agrona.concurrent.IdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The live pipeline: a tailer thread reads the input journal (the pipeline's only input) into a Disruptor ring, and
 * the pipeline thread runs every stage of {@link Pipeline} on each slot.
 *
 * <p>On start, the newest valid checkpoint of the per-key state is loaded ({@link CheckpointStore}) and the tailer
 * starts right after the input index it reflects; events after it that were already answered before a restart (up
 * to the input index the last output record refers to) are run through the stages again to rebuild the rest of the
 * state, without being answered twice. With no usable checkpoint the whole input journal is replayed that way.
 *
 * <p>Thread-safe to start and close from any one control thread. Allocates at start only.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** Thread names, for logs, profilers and affinity. */
    public static final String TAILER_THREAD = "vigil-tailer";
    public static final String PIPELINE_THREAD = "vigil-pipeline";

    private final Journals journals;
    private final Pipeline pipeline;
    private final PipelineHandler handler;
    private final Disruptor<EventSlot> disruptor;
    private final RingBuffer<EventSlot> ring;
    private final Thread tailerThread;
    private final IdleStrategy tailerIdle;
    private final String affinity;
    private final long recoveredUpToIndex;
    private final long restoredIndex;
    private final CheckpointStore checkpoints;
    private final StageLatencies latencies = new StageLatencies();
    private final PipelineCounters counters;
    private volatile boolean running = true;

    private Engine(final VigilConfig config, final Journals journals, final ResponseSink sink,
        final VigilCounters counters) {
        this.journals = journals;
        this.counters = new PipelineCounters(counters);
        this.affinity = config.string(VigilConfig.CPU_AFFINITY);
        Affinity.cpuFor(affinity, 0);
        final String wait = config.string(VigilConfig.WAIT_STRATEGY);
        this.tailerIdle = WaitStrategies.idleStrategy(wait);
        this.pipeline = newPipeline(config, journals, sink, true);
        pipeline.inferenceBudgetNs(config.durationNs(VigilConfig.INFERENCE_BUDGET));
        this.recoveredUpToIndex = answeredUpTo(journals);
        this.checkpoints = CheckpointStore.from(config);
        this.restoredIndex = restore(checkpoints, pipeline, journals, recoveredUpToIndex, counters);
        pipeline.answeredUpTo(recoveredUpToIndex);
        pipeline.recordLatencies(latencies);
        this.handler = new PipelineHandler(pipeline, pipeline::close, checkpoints,
            config.longValue(VigilConfig.CHECKPOINT_INTERVAL), restoredIndex, recoveredUpToIndex, this.counters);
        final int maxPayload = config.integer(VigilConfig.MAX_FRAME_BYTES);
        this.disruptor = new Disruptor<>(
            () -> new EventSlot(maxPayload),
            config.integer(VigilConfig.RING_SIZE),
            pinningFactory(PIPELINE_THREAD, Affinity.cpuFor(affinity, 1)),
            ProducerType.SINGLE,
            WaitStrategies.waitStrategy(wait));
        disruptor.handleEventsWith(handler);
        this.counters.ring(disruptor.getRingBuffer());
        counters.counter(CounterType.RING_SIZE).setRelease(disruptor.getRingBuffer().getBufferSize());
        this.ring = disruptor.start();
        this.tailerThread = pinningFactory(TAILER_THREAD, Affinity.cpuFor(affinity, 0)).newThread(this::tail);
        tailerThread.start();
        if (recoveredUpToIndex != RecordHeader.NO_INDEX) {
            LOG.info("recovering: input events up to index {} were answered before; rebuilding state from them, " +
                "starting after index {}", Long.toHexString(recoveredUpToIndex), Long.toHexString(restoredIndex));
        }
    }

    /**
     * Loads the newest valid checkpoint that the journals can continue from (its index is in the input journal and
     * not past the last answered event) into the pipeline.
     *
     * @return the input index the restored state reflects; -1 when the pipeline starts from an empty state.
     */
    private static long restore(final CheckpointStore checkpoints, final Pipeline pipeline, final Journals journals,
        final long answeredUpTo, final VigilCounters counters) {
        final long startNs = System.nanoTime();
        try (JournalReader reader = journals.inputReader()) {
            final CheckpointStore.Restored restored = checkpoints.restoreLatest(pipeline,
                index -> index <= answeredUpTo && reader.moveToIndex(index));
            for (final String line : restored.unusable()) {
                LOG.warn("passing over {} (not in the input journal, or past the last answered event)", line);
            }
            if (restored.checkpoint() != null) {
                LOG.info("restored checkpoint {} (input index {}, {} accounts, {} series) in {} ms",
                    restored.checkpoint().file(), Long.toHexString(restored.inputIndex()), pipeline.features().accounts(),
                    pipeline.metrics().seriesCount(), (System.nanoTime() - startNs) / 1_000_000);
                counters.counter(CounterType.LAST_CHECKPOINT).setRelease(writtenAtMs(restored.checkpoint().file()));
            } else if (answeredUpTo != RecordHeader.NO_INDEX) {
                LOG.info("no usable checkpoint in {}: rebuilding state from the start of the input journal",
                    checkpoints.dir());
            }
            return restored.inputIndex();
        } catch (final IOException ex) {
            LOG.warn("cannot list checkpoints in {} ({}): rebuilding state from the start of the input journal",
                checkpoints.dir(), ex.toString());
            return RecordHeader.NO_INDEX;
        }
    }

    /** When a checkpoint file was written (epoch ms), 0 if unknown: its age is reported, nothing depends on it. */
    private static long writtenAtMs(final Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (final IOException | RuntimeException ex) {
            return 0;
        }
    }

    /** A reader of the input journal positioned after the event the restored state reflects. */
    private JournalReader positionedReader() {
        final JournalReader reader = journals.inputReader();
        if (restoredIndex != RecordHeader.NO_INDEX &&
            !reader.readAt(restoredIndex, new JournalRecord(RecordHeader.LENGTH))) {
            reader.close();
            throw new IllegalStateException("input index " + Long.toHexString(restoredIndex) + " of the checkpoint vanished");
        }
        return reader;
    }

    /** Starts the engine on the given journals; answers go to {@code sink}; counters in memory only. */
    public static Engine start(final VigilConfig config, final Journals journals, final ResponseSink sink) {
        return start(config, journals, sink, VigilCounters.inMemory());
    }

    /**
     * Starts the engine on the given journals; answers go to {@code sink}, the pipeline's counters to
     * {@code counters} (an engine restarted in the same process keeps adding to the same ones).
     */
    public static Engine start(final VigilConfig config, final Journals journals, final ResponseSink sink,
        final VigilCounters counters) {
        return new Engine(config, journals, sink, counters);
    }

    /**
     * A pipeline configured like the live one: for offline replay.
     *
     * @param journaling false for a dry run that writes neither output nor dead letters.
     */
    public static Pipeline newPipeline(final VigilConfig config, final Journals journals, final ResponseSink sink,
        final boolean journaling) {
        final int batch = config.integer(VigilConfig.INFERENCE_BATCH);
        final String modelPath = config.string(VigilConfig.MODEL_PATH);
        final OnnxModel model = modelPath.isEmpty() ?
            OnnxModel.loadDefault(batch) : OnnxModel.load(Path.of(modelPath), TransactionFeatures.WIDTH, batch);
        return new Pipeline(
            EventValidator.from(config),
            new TransactionFeatures(config.integer(VigilConfig.EXPECTED_ACCOUNTS)),
            new MetricAnomalyScorer(config.integer(VigilConfig.EXPECTED_SERIES)),
            model,
            rules(config),
            journaling ? journals.outputWriter() : null,
            journaling ? journals.deadLetterWriter() : null,
            sink);
    }

    /** Decision rules from the configuration. */
    public static DecisionRules rules(final VigilConfig config) {
        final RulesConfig d = RulesConfig.DEFAULTS;
        return new DecisionRules(new RulesConfig(
            (float)config.decimal(VigilConfig.RULE_MODEL_REVIEW),
            (float)config.decimal(VigilConfig.RULE_MODEL_DECLINE),
            (float)config.decimal(VigilConfig.RULE_ANOMALY_REVIEW),
            (float)config.decimal(VigilConfig.RULE_AMOUNT_Z),
            (float)config.decimal(VigilConfig.RULE_VELOCITY_Z),
            d.hoppingMinNewMerchantRate(), d.hoppingMinCount1h(), d.hoppingMaxSecsSincePrev(), d.hoppingMinHistoryEvents(),
            d.cardTestingMinCount1m(), d.cardTestingMaxAmountMinor(),
            config.integer(VigilConfig.RULE_DECLINE_HITS)));
    }

    /** The input index the last output record answers, or -1: events up to it need no answer on restart. */
    static long answeredUpTo(final Journals journals) {
        final long last = journals.lastOutputIndex();
        if (last < 0) {
            return RecordHeader.NO_INDEX;
        }
        try (JournalReader reader = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            return reader.readAt(last, record) ? record.refIndex : RecordHeader.NO_INDEX;
        }
    }

    private ThreadFactory pinningFactory(final String name, final int cpu) {
        return runnable -> {
            final Thread thread = new Thread(() -> {
                final AffinityLock lock = Affinity.pin(cpu);
                try {
                    runnable.run();
                } finally {
                    Affinity.release(lock);
                }
            }, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    private void tail() {
        final RingBuffer<EventSlot> ring = this.ring;
        final JournalReader.Claim claim = new JournalReader.Claim() {
            private long sequence;

            @Override
            public JournalRecord claim() {
                sequence = ring.next();
                final EventSlot slot = ring.get(sequence);
                slot.tailerNs = System.nanoTime();
                return slot.input;
            }

            @Override
            public void commit() {
                ring.publish(sequence);
            }
        };
        try (JournalReader reader = positionedReader()) {
            while (running) {
                if (reader.poll(claim)) {
                    tailerIdle.reset();
                } else {
                    tailerIdle.idle();
                }
            }
        } catch (final Throwable ex) {
            counters.error();
            LOG.error("journal tailer stopped", ex);
        }
    }

    /** Input index the checkpoint restored at start reflects, or -1 when the state was rebuilt from the start. */
    public long restoredIndex() {
        return restoredIndex;
    }

    /** Checkpoints written since start. */
    public long checkpointsWritten() {
        return handler.checkpointsWritten();
    }

    /** Nanoseconds from start until every event answered before the restart was replayed; -1 while replaying. */
    public long recoveryNs() {
        return handler.recoveryNs();
    }

    /** Input index the engine found answered at start (recovery point), or -1. */
    public long recoveredUpToIndex() {
        return recoveredUpToIndex;
    }

    /** Input index of the last event the pipeline completed, -1 if none. */
    public long completedIndex() {
        return handler.completedIndex();
    }

    /** Per-stage latency recorders of the live pipeline. */
    public StageLatencies latencies() {
        return latencies;
    }

    /** Events published to the ring and not yet completed by the pipeline; safe from any thread. */
    public long backlog() {
        return ring.getBufferSize() - ring.remainingCapacity();
    }

    /** Slots in the ring. */
    public int ringSize() {
        return ring.getBufferSize();
    }

    /** Events answered since start. */
    public long answered() {
        return handler.answered();
    }

    /** Waits until the pipeline has completed every event in the input journal as of now, or the timeout passes. */
    public boolean awaitCaughtUp(final long timeout, final TimeUnit unit) throws InterruptedException {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        final long target = journals.lastInputIndex();
        while (target >= 0 && handler.completedIndex() < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        try {
            tailerThread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        disruptor.shutdown();
        try {
            // the pipeline thread writes the last checkpoint and closes its writers after shutdown() returns
            if (!handler.awaitShutdown(60, TimeUnit.SECONDS)) {
                LOG.warn("the pipeline thread did not finish its shutdown (last checkpoint) within 60 s");
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
