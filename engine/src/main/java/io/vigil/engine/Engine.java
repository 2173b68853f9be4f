package io.vigil.engine;

import com.lmax.disruptor.RingBuffer;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.FeatureSet;
import io.vigil.scoring.features.TransactionAnomaly;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.DeclaredWindows;
import io.vigil.scoring.model.OnnxModel;
import io.vigil.scoring.rules.DecisionRules;
import io.vigil.scoring.rules.RuleInputs;
import net.openhft.affinity.AffinityLock;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The live pipeline: a tailer agent reads the input journal (the pipeline's only input) into a Disruptor ring, and
 * the pipeline agent runs every stage of {@link Pipeline} on each slot. Both are Agrona duty-cycle agents on threads
 * of their own ({@link TailerAgent}, {@link PipelineAgent}), supervised by a {@link Watchdog}: {@link #health()}
 * says whether one is stalled or dead.
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
    /** Name of the thread that writes checkpoints captured by the pipeline thread. */
    public static final String CHECKPOINT_THREAD = "vigil-checkpoint";

    private final Journals journals;
    private final Pipeline pipeline;
    private final PipelineAgent pipelineAgent;
    private final TailerAgent tailerAgent;
    private final RingFeeder feeder;
    private final boolean inlineFeed;
    private final int inlineMax;
    private final long timerSlackNs;
    private final AgentRunner pipelineRunner;
    private final AgentRunner tailerRunner;
    private final Watchdog watchdog;
    private final RingBuffer<EventSlot> ring;
    private final String affinity;
    private final long recoveredUpToIndex;
    private final long restoredIndex;
    private final CheckpointStore checkpoints;
    private final StageLatencies latencies = new StageLatencies();

    private Engine(final EngineContext context, final Journals journals, final ResponseSink sink,
        final StageAssembler assembler, final VigilCounters counters) {
        context.conclude();
        this.journals = journals;
        final PipelineCounters pipelineCounters = new PipelineCounters(counters);
        this.affinity = context.cpuAffinity();
        final String wait = context.waitStrategy();
        this.pipeline = newPipeline(context, journals, sink, true, assembler);
        pipeline.inferenceBudgetNs(context.inferenceBudgetNs());
        this.recoveredUpToIndex = answeredUpTo(journals);
        this.checkpoints = CheckpointStore.from(context.config());
        this.restoredIndex = restore(checkpoints, pipeline, journals, recoveredUpToIndex, counters);
        pipeline.answeredUpTo(recoveredUpToIndex);
        pipeline.recordLatencies(latencies);
        final int maxPayload = context.maxFrameBytes();
        // fed by one thread at a time (RingFeeder's flag), but by two threads: the tailer and the network thread. A
        // single-producer sequencer assumes one thread for good (and checks it under -ea); the multi-producer one
        // costs an atomic add per claim
        final int featureWidth = pipeline.featureSet().width();
        this.ring = RingBuffer.createMultiProducer(() -> new EventSlot(maxPayload, featureWidth), context.ringSize(),
            WaitStrategies.ringWaitStrategy());
        counters.counter(CounterType.RING_SIZE).setRelease(ring.getBufferSize());
        this.pipelineAgent = new PipelineAgent(pipeline, ring, checkpoints,
            context.checkpointIntervalEvents(), restoredIndex, recoveredUpToIndex, pipelineCounters);
        this.feeder = new RingFeeder(ring);
        this.inlineFeed = context.inlineFeed();
        this.inlineMax = context.inlineMax();
        this.timerSlackNs = context.timerSlackNs();
        this.tailerAgent = new TailerAgent(journals, ring, restoredIndex, feeder);
        pipelineAgent.errorCounter(pipelineCounters);
        tailerAgent.errorCounter(pipelineCounters);
        this.pipelineRunner = new AgentRunner(WaitStrategies.idleStrategy(wait), pipelineAgent, null, pipelineAgent);
        this.tailerRunner = new AgentRunner(inlineFeed ? WaitStrategies.catchUpIdleStrategy(wait) :
            WaitStrategies.idleStrategy(wait), tailerAgent, null, tailerAgent);
        AgentRunner.startOnThread(pipelineRunner, pinningFactory(PIPELINE_THREAD, Affinity.cpuFor(affinity, 1)));
        AgentRunner.startOnThread(tailerRunner, pinningFactory(TAILER_THREAD, Affinity.cpuFor(affinity, 0)));
        this.watchdog = new Watchdog(List.of(tailerAgent, pipelineAgent), List.of(tailerRunner, pipelineRunner),
            context.watchdogStallTimeoutNs());
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
                    restored.checkpoint().file(), Long.toHexString(restored.inputIndex()), pipeline.featureKeys(),
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

    /** Starts the engine on the given journals; answers go to {@code sink}. Concludes {@code context}. */
    public static Engine start(final EngineContext context, final Journals journals, final ResponseSink sink) {
        return new Engine(context, journals, sink, StageAssembler.DEFAULT, VigilCounters.inMemory());
    }

    /**
     * Starts the engine with stages changed by {@code assembler} (tests inject stages this way; a replay that
     * verifies this engine's journals must build its pipeline with the same assembler).
     */
    public static Engine start(final EngineContext context, final Journals journals, final ResponseSink sink,
        final StageAssembler assembler) {
        return new Engine(context, journals, sink, assembler, VigilCounters.inMemory());
    }

    /**
     * Starts the engine on the given journals with the stages {@code assembler} builds; answers go to {@code sink},
     * the pipeline's counters to {@code counters} (an engine restarted in the same process keeps adding to the same
     * ones).
     */
    public static Engine start(final EngineContext context, final Journals journals, final ResponseSink sink,
        final StageAssembler assembler, final VigilCounters counters) {
        return new Engine(context, journals, sink, assembler, counters);
    }

    /** When a checkpoint file was written (epoch ms), 0 if unknown: its age is reported, nothing depends on it. */
    private static long writtenAtMs(final Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (final IOException | RuntimeException ex) {
            return 0;
        }
    }

    /** A pipeline writer, handed between threads when the network thread may run the pipeline inline. */
    private static JournalWriter shared(final EngineContext context, final JournalWriter writer) {
        return writer != null && context.inlineMax() > 0 ? writer.handedBetweenThreads() : writer;
    }

    /**
     * A pipeline configured like the live one: for offline replay.
     *
     * @param journaling false for a dry run that writes neither output nor dead letters.
     */
    public static Pipeline newPipeline(final EngineContext context, final Journals journals, final ResponseSink sink,
        final boolean journaling) {
        return newPipeline(context, journals, sink, journaling, StageAssembler.DEFAULT);
    }

    /**
     * The one factory of pipelines, live and offline: validate, event time, features, windows, anomaly, model, rules,
     * output, then whatever {@code assembler} changes.
     *
     * @param journaling false for a dry run that writes neither output nor dead letters.
     */
    public static Pipeline newPipeline(final EngineContext context, final Journals journals, final ResponseSink sink,
        final boolean journaling, final StageAssembler assembler) {
        context.conclude();
        final int batch = context.inferenceBatchMax();
        final Path modelPath = context.modelPath();
        final FeatureSet featureSet = context.featureSet();
        final OnnxModel model = context.noModel() ? null : modelPath == null ?
            OnnxModel.loadDefault(featureSet, batch) : OnnxModel.load(modelPath, featureSet, batch);
        final List<Stage> stages = new ArrayList<>();
        try {
            stages.add(new ValidateStage(EventValidator.from(context)));
            final EventTimeStage eventTime = new EventTimeStage(context.expectedSources(),
                journaling ? shared(context, journals.lateWriter()) : null,
                journaling ? EventTimeStage.lateWrittenUpTo(journals) : RecordHeader.NO_INDEX, context.maxFrameBytes());
            stages.add(eventTime);
            final SingleWriterFeatureTable served = context.featuresServe() ?
                FeaturesStage.servedTable(featureSet, context.expectedAccounts()) :
                null;
            final CompiledFeatures compiled = context.featureSpec() == null ? null :
                CompiledFeatures.compile(context.featureSpec(), context.expectedAccounts());
            stages.add(compiled == null ?
                new FeaturesStage(new TransactionFeatures(context.expectedAccounts()), served) :
                new FeaturesStage(compiled, served));
            final WindowsStage windows = new WindowsStage(eventTime,
                new WindowResultsJournal(journaling ? shared(context, journals.windowsWriter()) : null, journals), context.accountWindowNs());
            if (compiled != null) {
                windows.addDeclared(DeclaredWindows.of(compiled));
            }
            stages.add(windows);
            final RuleInputs.Resolved inputs = context.ruleInputs();
            stages.add(new AnomalyStage(new MetricAnomalyScorer(context.expectedSeries()),
                inputs.inputs().on(RuleInputs.RULE_ANOMALY) ? new TransactionAnomaly.ByName(featureSet,
                    inputs.inputs().features().get(RuleInputs.AMOUNT_Z),
                    inputs.inputs().features().get(RuleInputs.VELOCITY_Z)) : null));
            final ModelStage modelStage = model == null ? new ModelStage(batch) : new ModelStage(model);
            stages.add(modelStage);
            stages.add(new RulesStage(new DecisionRules(context.rules(), inputs)));
            stages.add(new OutputStage(journaling ? shared(context, journals.outputWriter()) : null,
                journaling ? shared(context, journals.deadLetterWriter()) : null, sink, modelStage.modelVersion()));
            assembler.assemble(stages);
            return new Pipeline(stages);
        } catch (final RuntimeException ex) {
            for (final Stage stage : stages) {
                if (stage instanceof OutputStage) {
                    ((OutputStage)stage).close();
                } else if (stage instanceof EventTimeStage) {
                    ((EventTimeStage)stage).close();
                } else if (stage instanceof WindowsStage) {
                    ((WindowsStage)stage).results().close();
                }
            }
            if (model != null) {
                model.close();
            }
            throw ex;
        }
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
                TimerSlack.applyToCurrentThread(timerSlackNs);
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

    /** Input index the checkpoint restored at start reflects, or -1 when the state was rebuilt from the start. */
    public long restoredIndex() {
        return restoredIndex;
    }

    /** Checkpoints written since start. */
    public long checkpointsWritten() {
        return pipelineAgent.checkpointsWritten();
    }

    /** Nanoseconds from start until every event answered before the restart was replayed; -1 while replaying. */
    public long recoveryNs() {
        return pipelineAgent.recoveryNs();
    }

    /** Input index the engine found answered at start (recovery point), or -1. */
    public long recoveredUpToIndex() {
        return recoveredUpToIndex;
    }

    /** Input index of the last event the pipeline completed, -1 if none. */
    public long completedIndex() {
        return pipelineAgent.completedIndex();
    }

    /** Version of the model the pipeline loaded at start; any thread. */
    public String modelVersion() {
        return pipeline.modelVersion();
    }

    /**
     * The accounts' latest feature vectors as the pipeline publishes them (docs/feature-serving.md); any thread reads
     * it. A restarted engine has a table of its own. Null when {@code vigil.features.serve} is false.
     */
    public SingleWriterFeatureTable publishedFeatures() {
        return pipeline.publishedFeatures();
    }

    /** Per-stage latency recorders of the live pipeline. */
    public StageLatencies latencies() {
        return latencies;
    }

    /** Events published to the ring and not yet completed by the pipeline; safe from any thread. */
    public long backlog() {
        return pipelineAgent.backlog();
    }

    /** Slots in the ring. */
    public int ringSize() {
        return ring.getBufferSize();
    }

    /** Events answered since start. */
    public long answered() {
        return pipelineAgent.answered();
    }

    /** Waits until the pipeline has completed every event in the input journal as of now, or the timeout passes. */
    public boolean awaitCaughtUp(final long timeout, final TimeUnit unit) throws InterruptedException {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        final long target = journals.lastInputIndex();
        while (target >= 0 && pipelineAgent.completedIndex() < target) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /**
     * True when the gateway feeds the ring inline ({@link VigilConfig#FEED}): it then calls {@link #journaled} after
     * each append.
     */
    public boolean feedsInline() {
        return inlineFeed;
    }

    /**
     * The caller journaled the input record at {@code index}: moves it (and anything before it not yet moved) into the
     * ring on the calling thread, unless another thread is doing so. Never blocks; a record it cannot move (the ring
     * is full, or the tailer thread is moving records) is moved by the tailer thread. The gateway's network thread,
     * after each append, when {@link #feedsInline()}.
     *
     * @return records moved by this call.
     */
    public int journaled(final long index) {
        return feeder.journaled(index, TailerAgent.MAX_RECORDS_PER_CYCLE);
    }

    /**
     * Runs the events waiting in the ring through the pipeline on the calling thread, if the pipeline thread is idle
     * and they are at most {@link VigilConfig#INLINE_MAX} ({@link PipelineAgent#runInline}); their answers reach the
     * response sink on this thread. Never blocks. The gateway's network thread, after the appends and feeds of a read,
     * when {@link #feedsInline()}; the answers' sink then hands them to the same thread's event loop.
     *
     * @return events completed by this call.
     */
    public int runInline() {
        return inlineMax == 0 ? 0 : pipelineAgent.runInline(inlineMax);
    }

    /** Events completed by {@link #runInline} since start (the rest ran on the pipeline thread); any thread. */
    public long inlineEvents() {
        return pipelineAgent.inlineEvents();
    }

    /**
     * What the watchdog last saw of the tailer and the pipeline agents: which one, if any, is stalled or dead. Safe
     * from any thread; a readiness probe reads it.
     */
    public EngineHealth health() {
        return watchdog.health();
    }

    /** Events a stage threw for (answered INTERNAL_ERROR) since start, as of the pipeline's last batch. */
    public long internalErrors() {
        return pipelineAgent.internalErrors();
    }

    /**
     * Stops the tailer, lets the pipeline drain the ring, write the last checkpoint and close its journals, then
     * stops the pipeline thread. A dead pipeline thread is not waited for.
     */
    @Override
    public void close() {
        watchdog.close();
        tailerRunner.close();
        pipelineAgent.requestStop();
        try {
            // the pipeline thread writes the last checkpoint and closes its writers
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!pipelineAgent.awaitShutdown(10, TimeUnit.MILLISECONDS)) {
                if (pipelineRunner.isClosed()) {
                    LOG.warn("the pipeline thread is dead: no last checkpoint (recovery replays from the previous one)");
                    pipeline.close();
                    break;
                }
                if (System.nanoTime() > deadline) {
                    LOG.warn("the pipeline thread did not finish its shutdown (last checkpoint) within 60 s");
                    break;
                }
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        pipelineRunner.close();
    }
}
