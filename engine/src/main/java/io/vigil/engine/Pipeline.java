package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.counters.RejectCounts;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionFeatures;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of {@link Stage}s every event goes through: by default validate, features, anomaly, model, rules,
 * output (see {@link Engine#newPipeline}). The live engine drives it from its pipeline agent; offline replay drives
 * the very same object from a loop, so both compute bit for bit the same decisions.
 *
 * <p>Events are staged with {@link #stage} and completed, in order, by {@link #flush}: the stages up to the first
 * {@linkplain Stage#barrier() barrier} (the model) run as each event is staged, the barrier's batch step (one
 * inference) and the stages after it run at the flush. See {@link Stage} for the contract.
 *
 * <p>An event the {@link EventTimeStage} finds too late ({@link EventSlot#tooLate}) is decided by it and, like a
 * rejected one, passes no later stage but the output.
 *
 * <p>Errors: an exception a stage throws for one event answers that event with a Reject {@code INTERNAL_ERROR}, puts
 * it in the dead-letter journal with the stage's name and the exception's class and message, is counted
 * ({@link #internalErrors()}), and the event goes on to no stage but the output; the next event is handled normally.
 * An exception from a stage's batch or control step is counted ({@link #batchErrors()}) and logged, and the pipeline
 * goes on. {@link VirtualMachineError}s are not caught.
 *
 * <p>Not thread-safe: owned by the one pipeline thread, which also owns all per-key state. Allocation-free per event
 * in steady state; ONNX Runtime's Java API allocates a few objects per batch, new accounts or series grow the state
 * tables, and an event that fails allocates its error text.
 */
public final class Pipeline implements AutoCloseable {
    /**
     * Sees every event the pipeline answers, after its answer was journaled and sent: offline tools (feature export,
     * replay) read the slot's features, scores and decision from it. Called on the pipeline thread; must not keep
     * the slot.
     */
    @FunctionalInterface
    public interface Observer {
        void onAnswered(EventSlot slot, DirectBuffer answer, int offset, int length);
    }

    /** Checkpoint section of the default features stage (offline tools that read checkpoints). */
    public static final int FEATURES_SECTION = FeaturesStage.SECTION_ID;
    /** Checkpoint section of the default anomaly stage (the metric series' detectors). */
    public static final int METRICS_SECTION = AnomalyStage.SECTION_ID;

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    private final Stage[] stages;
    /** segmentStart[s] .. segmentStart[s + 1]: the stages of segment s (the last stage of each but the last is a barrier). */
    private final int[] segmentStart;
    private final FeaturesStage features;
    private final AnomalyStage anomaly;
    private final ModelStage model;
    private final OutputStage output;
    private final EventTimeStage eventTime;
    private final WindowsStage windows;
    private final EventSlot[] staged;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final ControlRecord control = new ControlRecord();

    private int stagedCount;
    private long lastInputIndex = RecordHeader.NO_INDEX;
    private long answeredUpToIndex = RecordHeader.NO_INDEX;
    /** Whether the events' stage end times are stamped ({@link EventSlot#timed}): only when latencies are recorded. */
    private boolean timed;
    private long internalErrors;
    private long batchErrors;
    private long controls;

    /**
     * @param stages in order; must hold the features, anomaly, model and output stages {@link Engine#newPipeline}
     *               makes, and may hold others (a test's failing stage, later issues' stages).
     */
    Pipeline(final List<Stage> stages) {
        this.stages = stages.toArray(new Stage[0]);
        final List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < this.stages.length - 1; i++) {
            if (this.stages[i].barrier()) {
                starts.add(i + 1);
            }
        }
        starts.add(this.stages.length);
        segmentStart = starts.stream().mapToInt(Integer::intValue).toArray();
        features = find(FeaturesStage.class);
        anomaly = find(AnomalyStage.class);
        model = find(ModelStage.class);
        output = find(OutputStage.class);
        eventTime = findOptional(EventTimeStage.class);
        windows = findOptional(WindowsStage.class);
        staged = new EventSlot[model.maxBatch()];
        final java.util.Set<Integer> sections = new java.util.HashSet<>();
        for (final Stage stage : this.stages) {
            if (stage.sectionId() != Stage.NO_SECTION && !sections.add(stage.sectionId())) {
                throw new IllegalArgumentException("two stages write checkpoint section " + stage.sectionId());
            }
        }
    }

    private <T extends Stage> T find(final Class<T> type) {
        for (final Stage stage : stages) {
            if (type.isInstance(stage)) {
                return type.cast(stage);
            }
        }
        throw new IllegalArgumentException("a pipeline needs a " + type.getSimpleName());
    }

    private <T extends Stage> T findOptional(final Class<T> type) {
        for (final Stage stage : stages) {
            if (type.isInstance(stage)) {
                return type.cast(stage);
            }
        }
        return null;
    }

    /** The stages, in order (checkpoints; read-only use). */
    public List<Stage> stages() {
        return List.of(stages);
    }

    /**
     * Events at or before this input index were answered before a restart: they update state but are neither
     * scored by the model nor answered nor journaled again.
     */
    public void answeredUpTo(final long inputIndex) {
        answeredUpToIndex = inputIndex;
    }

    /**
     * Offline what-if only: never run the model, decide every event by the rules and the anomaly score alone (as a
     * fallback does, MODEL_FALLBACK set).
     */
    public void rulesOnly(final boolean rulesOnly) {
        model.rulesOnly(rulesOnly);
    }

    /** Hands every answered event to {@code observer} (offline tools); null for none. */
    public void observer(final Observer observer) {
        output.observer(observer);
    }

    /** Records each answered event's stage times into {@code latencies} (live engine only). */
    public void recordLatencies(final StageLatencies latencies) {
        output.latencies(latencies);
        timed = latencies != null;
    }

    /** Largest number of events staged before {@link #stage} flushes by itself. */
    public int maxBatch() {
        return staged.length;
    }

    /**
     * Runs the stages before the first barrier on one event and stages it for the rest; flushes by itself when the
     * batch is full. A control record first completes the staged events, then reaches every stage's
     * {@link Stage#onControl}; it is not answered.
     */
    public void stage(final EventSlot slot) {
        slot.reset();
        slot.timed = timed;
        slot.alreadyAnswered = slot.input.index <= answeredUpToIndex;
        if (slot.input.payloadLength >= MessageHeaderDecoder.ENCODED_LENGTH) {
            slot.templateId = headerDecoder.wrap(slot.input.payload(), 0).templateId();
            if (ControlTemplates.isControl(slot)) {
                control(slot);
                return;
            }
        }
        runSegment(0, slot);
        staged[stagedCount++] = slot;
        if (stagedCount == staged.length) {
            flush();
        }
    }

    private void control(final EventSlot slot) {
        flush();
        controls++;
        control.wrap(slot);
        for (final Stage stage : stages) {
            try {
                stage.onControl(control);
            } catch (final VirtualMachineError error) {
                throw error;
            } catch (final Throwable ex) {
                batchError(stage, "control record at input index " + Long.toHexString(slot.input.index), ex);
            }
        }
        lastInputIndex = slot.input.index;
    }

    private void runSegment(final int segment, final EventSlot slot) {
        final int end = segmentStart[segment + 1];
        for (int i = segmentStart[segment]; i < end; i++) {
            final Stage stage = stages[i];
            if ((slot.rejectReason != 0 || slot.tooLate) && !stage.seesRejected()) {
                continue;
            }
            try {
                stage.onEvent(slot);
            } catch (final VirtualMachineError error) {
                throw error;
            } catch (final Throwable ex) {
                eventError(stage, slot, ex);
            }
        }
    }

    private void eventError(final Stage stage, final EventSlot slot, final Throwable ex) {
        internalErrors++;
        if (Long.bitCount(internalErrors) == 1) {
            LOG.error("stage {} failed on the event at input index {} (client {} sequence {}); it is answered " +
                "INTERNAL_ERROR and dead-lettered ({} such events so far)", stage.name(), Long.toHexString(slot.input.index),
                slot.input.clientId, slot.input.clientSequence, internalErrors, ex);
        }
        if (slot.error == null) {
            slot.rejectReason = RejectReason.INTERNAL_ERROR.value();
            slot.error = ex;
            slot.errorStage = stage.name();
        }
    }

    private void batchError(final Stage stage, final String what, final Throwable ex) {
        batchErrors++;
        if (Long.bitCount(batchErrors) == 1) {
            LOG.error("stage {} failed on {}; the pipeline goes on ({} such failures so far)", stage.name(), what,
                batchErrors, ex);
        }
    }

    /** Completes the staged events: each segment's batch step, then the next segment's stages on every event. */
    public void flush() {
        final int count = stagedCount;
        if (count == 0) {
            return;
        }
        final EventSlot[] batch = staged;
        final int segments = segmentStart.length - 1;
        for (int segment = 0; segment < segments; segment++) {
            if (segment > 0) {
                for (int i = 0; i < count; i++) {
                    runSegment(segment, batch[i]);
                }
            }
            final int end = segmentStart[segment + 1];
            for (int s = segmentStart[segment]; s < end; s++) {
                try {
                    stages[s].onBatchEnd(batch, count);
                } catch (final VirtualMachineError error) {
                    throw error;
                } catch (final Throwable ex) {
                    batchError(stages[s], "the end of a batch of " + count, ex);
                }
            }
        }
        lastInputIndex = batch[count - 1].input.index;
        for (int i = 0; i < count; i++) {
            batch[i] = null;
        }
        stagedCount = 0;
    }

    /** Events answered (decided or rejected) since start. */
    public long answered() {
        return output.answered();
    }

    /** Events rejected (by validation or an internal error) since start. */
    public long rejected() {
        return output.rejected();
    }

    /** Rejects by reason since start (the pipeline thread only: published to the counters at batch end). */
    public RejectCounts rejectCounts() {
        return output.rejectCounts();
    }

    /**
     * Events answered since start per event type, indexed as {@link io.vigil.engine.counters.CounterType#EVENT_TYPES}
     * (the live array; the pipeline thread only).
     */
    public long[] answeredByType() {
        return output.answeredByType();
    }

    /** Decisions since start per action wire value (APPROVE, REVIEW, DECLINE; the live array; the pipeline thread only). */
    public long[] decisionsByAction() {
        return output.decisionsByAction();
    }

    /** Records appended to the dead-letter journal since start; the pipeline thread only. */
    public long deadLettered() {
        return output.deadLettered();
    }

    /** Appends to the output or dead-letter journal that failed since start; the pipeline thread only. */
    public long journalFailures() {
        return output.journalFailures();
    }

    /** Index of the last answer appended to the output journal, -1 if none; the pipeline thread only. */
    public long lastOutputIndex() {
        return output.lastOutputIndex();
    }

    /**
     * Events a stage threw for since start: each answered INTERNAL_ERROR, but for events answered before a restart
     * (recovery runs them again and they fail again, unanswered).
     */
    public long internalErrors() {
        return internalErrors;
    }

    /** Failures of a stage's batch or control step since start. */
    public long batchErrors() {
        return batchErrors;
    }

    /** Control records applied since start. */
    public long controls() {
        return controls;
    }

    /**
     * A batch whose inference takes longer than this is decided by the rules alone (MODEL_FALLBACK); 0 disables.
     * Live engine only: replay reproduces the recorded fallbacks instead (see {@link EventSlot#forceModelFallback}).
     */
    public void inferenceBudgetNs(final long budgetNs) {
        model.budgetNs(budgetNs);
    }

    /** Inference calls that threw. */
    public long modelFailures() {
        return model.failures();
    }

    /** Inference calls that returned after their budget. */
    public long modelOverBudget() {
        return model.overBudget();
    }

    /** Events decided by rules alone because inference failed. */
    public long modelFallbacks() {
        return model.fallbacks();
    }

    /** Input index of the last event (or control record) completed, -1 if none. */
    public long lastInputIndex() {
        return lastInputIndex;
    }

    /** The pipeline's event-time watermark (epoch ns), {@link io.vigil.scoring.time.Watermarks#NONE} before event time starts. */
    public long watermarkNs() {
        return eventTime == null || !eventTime.started() ? io.vigil.scoring.time.Watermarks.NONE : eventTime.watermarkNs();
    }

    /** Sources holding the watermark now. */
    public int activeSources() {
        return eventTime == null ? 0 : eventTime.watermarks().activeSources();
    }

    /** Events answered LATE_EVENT since start (not counting events answered before a restart). */
    public long lateEvents() {
        return eventTime == null ? 0 : eventTime.lateEvents();
    }

    /** Events answered TOO_LATE since start (not counting events answered before a restart). */
    public long tooLateEvents() {
        return eventTime == null ? 0 : eventTime.tooLateEvents();
    }

    /** Watermark ticks applied since start. */
    public long watermarkTicks() {
        return eventTime == null ? 0 : eventTime.ticks();
    }

    /** Window results emitted since start (a recovery's re-emissions, which are not written again, included). */
    public long windowResults() {
        return windows == null ? 0 : windows.results().emitted();
    }

    /** Window results written to the window-results journal since start. */
    public long windowResultsWritten() {
        return windows == null ? 0 : windows.results().written();
    }

    /** Events that came for an already emitted window since start. */
    public long windowClosedEvents() {
        return windows == null ? 0 : windows.eventsForClosedWindows();
    }

    /** The transaction features' state (logs); null when a compiled feature definition runs. */
    public TransactionFeatures features() {
        return features.features();
    }

    /**
     * The accounts' latest feature vectors, as the features stage publishes them; readers on any thread. Null when
     * {@code vigil.features.serve} is false.
     */
    public io.vigil.scoring.features.SingleWriterFeatureTable publishedFeatures() {
        return features.published();
    }

    /** @return keys with feature state (logs). */
    public long featureKeys() {
        return features.keys();
    }

    /** @return the feature set the pipeline computes: its names in vector order (what slots are sized to), its hash. */
    public io.vigil.scoring.features.FeatureSet featureSet() {
        return features.featureSet();
    }

    /** @return the content hash of the feature definition the pipeline computes (lineage). */
    public String featureSetHash() {
        return features.featureSetHash();
    }

    /** The metric series' anomaly state (logs). */
    public MetricAnomalyScorer metrics() {
        return anomaly.metrics();
    }

    public String modelVersion() {
        return model.modelVersion();
    }

    @Override
    public void close() {
        if (windows != null) {
            windows.results().close();
        }
        if (eventTime != null) {
            eventTime.close();
        }
        output.close();
        model.close();
    }
}
