package io.vigil.engine;

import io.vigil.journal.JournalRecord;
import io.vigil.scoring.features.TransactionFeatures;

/**
 * One preallocated ring slot: the journaled input record and everything the stages compute for it.
 *
 * <p>Not thread-safe: the Disruptor hands a slot to one stage at a time. Allocated once per ring slot.
 */
public final class EventSlot {
    /** The input journal record, SBE message in its payload. */
    public final JournalRecord input;
    /**
     * Feature vector computed by the features stage, as wide as the running feature set ({@link Pipeline#featureSet()};
     * {@link TransactionFeatures#WIDTH} for the default), allocated once with the slot.
     */
    public final float[] features;

    /** Template of the input message. */
    public int templateId;
    /** Account of a transaction, series of a metric sample. */
    public long entityKey;
    public long eventTimeNs;
    /** 0 if valid, else the RejectReason value. */
    public int rejectReason;
    /** True while recovering: the event was answered before, so only state is updated and nothing is written. */
    public boolean alreadyAnswered;
    /** True when the event goes through ONNX inference. */
    public boolean needsInference;

    /**
     * Set by offline replay, before staging, for an event whose recorded decision fell back to the rules (the live
     * inference threw or ran over its budget): the replay then decides it the same way. Not cleared by staging.
     */
    public boolean forceModelFallback;

    public float anomalyScore;
    public float modelScore;
    public boolean modelFallback;
    /** Packed action and reasons, see {@code DecisionRules}; set by the rules stage. */
    public int decision;
    /** A metric sample whose series is in alert (set by the anomaly stage, decided by the rules stage). */
    public boolean metricAlert;
    /** Behind the watermark by {@link #latenessNs}, within the allowed lateness: applied, answered with LATE_EVENT. */
    public boolean late;
    /**
     * Behind the watermark by more than the allowed lateness: answered (the event-time stage sets {@link #decision},
     * with TOO_LATE), but no later stage other than the output sees it, so no per-key state changes.
     */
    public boolean tooLate;
    /** How far (ns) the event time lay behind the pipeline's watermark when the event arrived; 0 if not late. */
    public long latenessNs;
    /** What a stage threw for this event (then {@link #rejectReason} is INTERNAL_ERROR), or null. */
    public Throwable error;
    /** Name of the stage that threw {@link #error}, or null. */
    public String errorStage;

    /**
     * Whether the stages stamp their end times below: set by the pipeline, true only where the stage latencies are
     * recorded (the live engine; {@link Pipeline#recordLatencies}). A replay reads no clock per stage and event.
     */
    public boolean timed;
    /**
     * System.nanoTime() when the tailer picked the record up, and at the end of each stage (see StageLatencies); 0
     * where not {@link #timed} (the model stage stamps its batch always: one clock read per batch).
     */
    public long tailerNs;
    public long validatedNs;
    public long featuresNs;
    public long anomalyNs;
    public long inferredNs;
    public long decidedNs;

    /** A slot for the default feature set's vectors. */
    public EventSlot(final int maxPayloadBytes) {
        this(maxPayloadBytes, TransactionFeatures.WIDTH);
    }

    /** A slot for vectors of {@code featureWidth} floats ({@link Pipeline#featureSet()}'s width). */
    public EventSlot(final int maxPayloadBytes, final int featureWidth) {
        input = new JournalRecord(maxPayloadBytes);
        features = new float[featureWidth];
    }

    void reset() {
        templateId = 0;
        entityKey = 0;
        eventTimeNs = 0;
        rejectReason = 0;
        alreadyAnswered = false;
        needsInference = false;
        anomalyScore = 0;
        modelScore = 0;
        modelFallback = false;
        decision = 0;
        metricAlert = false;
        late = false;
        tooLate = false;
        latenessNs = 0;
        error = null;
        errorStage = null;
        validatedNs = 0;
        featuresNs = 0;
        anomalyNs = 0;
        inferredNs = 0;
        decidedNs = 0;
    }
}
