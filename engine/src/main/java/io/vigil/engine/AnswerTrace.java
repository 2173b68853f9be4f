package io.vigil.engine;

/**
 * What the pipeline knows of one answered event beyond its answer, handed to the {@link ResponseSink} with it so that
 * the gateway can keep a slow event's stage breakdown (slow-event traces) without a second channel: its input index,
 * client sequence, template, whether it is a synthetic probe's, and the time it spent in each pipeline stage.
 *
 * <p>Not thread-safe: one instance per pipeline, filled by the pipeline thread before each
 * {@link ResponseSink#onResponse(long, int, long, long, AnswerTrace, org.agrona.DirectBuffer, int, int)} and valid
 * only during that call (the sink copies what it keeps). Allocated once.
 */
public final class AnswerTrace {
    /**
     * Nanoseconds per pipeline stage, indexed as {@link StageLatencies#STAGES}; {@link #UNKNOWN} for each when the
     * pipeline took no stamps for the event (a dry run, or an event that never reached validation).
     */
    public final long[] stageNs = new long[StageLatencies.STAGES.length];
    /** Input journal index of the answered event. */
    public long inputIndex;
    public long clientSequence;
    /** Template of the input message. */
    public int templateId;
    /** Journaled by the gateway for its synthetic prober ({@code RecordHeader.SOURCE_SYNTHETIC}). */
    public boolean synthetic;

    /** A stage time that was not measured. */
    public static final long UNKNOWN = -1;

    void unknownStages() {
        java.util.Arrays.fill(stageNs, UNKNOWN);
    }
}
