package io.vigil.engine;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * Where the time of each answered event goes inside the pipeline, per stage, as HdrHistogram recorders, read as
 * interval histograms from any thread. The gateway records its own stages (decode, journal append, egress) beside
 * these and reports them together ({@code io.vigil.gateway.ServerLatencies}).
 *
 * <p>Every recorder has exactly one writer, the pipeline thread (wait-free, allocation-free recording), which records
 * from the stamps in the {@link EventSlot} after the output journal append. Each value is recorded once; {@link #interval}
 * (the bench and demo reports) and {@link #drainTo} ({@code /metrics}) read it independently ({@link StageRecorder}).
 * Stages, in the order an event meets them:
 * <ol>
 * <li>{@code tailer pickup}: ingest stamp (taken by the gateway with {@link EpochClock}) to the tailer reading the
 * record; it <em>contains</em> the input journal append, so the tailer's own wake-up is this minus the gateway's
 * {@code journal append};</li>
 * <li>{@code validate}: the ring hop to the pipeline thread, decode and validation;</li>
 * <li>{@code features}: windowed feature update (none for metric samples);</li>
 * <li>{@code anomaly}: anomaly score;</li>
 * <li>{@code inference}: waiting for the end of the Disruptor batch and the one ONNX call for the batch;</li>
 * <li>{@code decide}: decision rules and answer encoding;</li>
 * <li>{@code output journal}: the output journal append.</li>
 * </ol>
 */
public final class StageLatencies {
    public static final String[] STAGES = {"tailer pickup", "validate", "features", "anomaly", "inference", "decide",
        "output journal"};
    public static final int TAILER_PICKUP = 0;
    public static final int VALIDATE = 1;
    public static final int FEATURES = 2;
    public static final int ANOMALY = 3;
    public static final int INFERENCE = 4;
    public static final int DECIDE = 5;
    public static final int OUTPUT_JOURNAL = 6;
    /** Longest time a recorder holds (longer ones are recorded as this), in ns. */
    public static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);

    /** Significant digits of the histograms {@code /metrics} accumulates (Prometheus buckets need no more). */
    public static final int METRICS_DIGITS = 2;

    private final StageRecorder[] recorders = new StageRecorder[STAGES.length];

    public StageLatencies() {
        for (int i = 0; i < STAGES.length; i++) {
            recorders[i] = new StageRecorder(HIGHEST_NS, 3);
        }
    }

    /**
     * Records one event's stamps after its output journal append, and writes the time of each stage into
     * {@code stageNs} (indexed as {@link #STAGES}, clamped as recorded); pipeline thread only.
     */
    void record(final EventSlot slot, final long[] stageNs) {
        final long journaledNs = System.nanoTime();
        final long ingestNs = EpochClock.toNanoTime(slot.input.timeNs);
        final long featuresNs = slot.featuresNs != 0 ? slot.featuresNs : slot.validatedNs;
        final long anomalyNs = slot.anomalyNs != 0 ? slot.anomalyNs : featuresNs;
        stageNs[TAILER_PICKUP] = record(TAILER_PICKUP, slot.tailerNs - ingestNs);
        stageNs[VALIDATE] = record(VALIDATE, slot.validatedNs - slot.tailerNs);
        stageNs[FEATURES] = record(FEATURES, featuresNs - slot.validatedNs);
        stageNs[ANOMALY] = record(ANOMALY, anomalyNs - featuresNs);
        stageNs[INFERENCE] = record(INFERENCE, slot.inferredNs - anomalyNs);
        stageNs[DECIDE] = record(DECIDE, slot.decidedNs - slot.inferredNs);
        stageNs[OUTPUT_JOURNAL] = record(OUTPUT_JOURNAL, journaledNs - slot.decidedNs);
    }

    private long record(final int stage, final long ns) {
        final long clamped = Math.max(0, Math.min(ns, HIGHEST_NS));
        recorders[stage].record(clamped);
        return clamped;
    }

    /**
     * Adds to {@code cumulative} what was recorded for {@code stage} since the previous call ({@code /metrics};
     * independent of {@link #interval}); any thread.
     */
    public void drainTo(final int stage, final Histogram cumulative) {
        recorders[stage].drainTo(cumulative);
    }

    /** The histogram of one stage since the previous call (for that stage), newly allocated; any thread. */
    public Histogram interval(final int stage) {
        return recorders[stage].interval();
    }
}
