package io.vigil.engine.counters;

import java.util.Locale;

/**
 * Every counter Vigil keeps, in one table: its type id in the counters file, its label, what kind of number it is,
 * and the thread that writes it. {@code vigil stat} and exporters enumerate this table; a counter's type id never
 * changes meaning once released (new counters get new ids).
 *
 * <p>A keyed type stands for one counter per key, labelled with the type's label then the key's name, the key (an int
 * at key offset 0) telling them apart: {@link #REJECTED} one per {@link io.vigil.codecs.sbe.RejectReason} value
 * ({@code "rejected: <REASON>"}, key the reason's wire value), {@link #EVENTS} one per event template
 * ({@code "events: <TYPE>"}, key the template id, see {@link #EVENT_TYPES}), {@link #DECISIONS} one per
 * {@link io.vigil.codecs.sbe.Action} ({@code "decisions: <ACTION>"}, key the action's wire value).
 *
 * <p>Immutable; thread-safe.
 */
public enum CounterType {
    /** Events appended to the input journal by the gateway. */
    EVENTS_IN(1, "events in (journaled)", Kind.COUNT, "gateway network thread, per append"),
    /** Events the pipeline answered (Decision or Reject). */
    ANSWERED(2, "answered", Kind.COUNT, "pipeline thread, at batch end"),
    /** Rejects sent, one counter per reason; gateway and pipeline add to the same counter. */
    REJECTED(3, "rejected: ", Kind.COUNT, "gateway network thread at its sweep, pipeline thread at batch end", "REASON"),
    /** Records appended to the dead-letter journal, by the gateway and by the pipeline. */
    DEAD_LETTERS(4, "dead letters", Kind.COUNT, "gateway network thread at its sweep, pipeline thread at batch end"),
    /** Events decided by the rules alone because inference failed or ran over its budget. */
    MODEL_FALLBACKS(5, "model fallbacks", Kind.COUNT, "pipeline thread, at batch end"),
    /**
     * Errors: failed inference calls, failed journal appends (gateway and pipeline), failed checkpoints, a tailer
     * that stopped on an exception.
     */
    ERRORS(6, "errors", Kind.COUNT, "any engine or gateway thread (atomic add, never on the event path)"),
    /** Ring slots published by the tailer and not yet consumed by the pipeline. */
    RING_OCCUPANCY(7, "ring occupancy (slots)", Kind.GAUGE, "pipeline thread, at batch end"),
    /** Slots in the Disruptor ring. */
    RING_SIZE(8, "ring size (slots)", Kind.GAUGE, "engine start"),
    /** Index of the last event the gateway appended to the input journal. */
    INPUT_INDEX(9, "input journal: last index", Kind.INDEX, "gateway network thread, per append"),
    /** Index of the last answer the pipeline appended to the output journal. */
    OUTPUT_INDEX(10, "output journal: last index", Kind.INDEX, "pipeline thread, at batch end"),
    /** Input index of the last event the pipeline completed. */
    COMPLETED_INDEX(11, "pipeline: last completed input index", Kind.INDEX, "pipeline thread, at batch end"),
    /** Events in the input journal after the last completed one (input last index minus completed, in events). */
    PIPELINE_LAG(12, "pipeline lag (events)", Kind.GAUGE, "gateway network thread, at its sweep (100 ms)"),
    /** Times the gateway stopped reading from every connection because the pipeline was behind. */
    BACKPRESSURE_PAUSES(13, "backpressure pauses", Kind.COUNT, "gateway network thread, at its sweep"),
    /** Open TCP connections, logged on or not. */
    CONNECTIONS(14, "connections", Kind.GAUGE, "gateway network thread, at its sweep"),
    /** Checkpoints written since start. */
    CHECKPOINTS(15, "checkpoints written", Kind.COUNT, "checkpoint thread, after each checkpoint"),
    /** Wall-clock time of the newest checkpoint (written, or restored at start), 0 if none: its age is now minus it. */
    LAST_CHECKPOINT(16, "last checkpoint", Kind.EPOCH_MS, "checkpoint thread, after each checkpoint; engine start"),
    /** What the engine is doing: an {@link EngineState} code. */
    ENGINE_STATE(17, "engine state", Kind.STATE, "engine start, pipeline thread"),
    /** 1 while the input journal refuses appends (storage failure; events are rejected JOURNAL_UNAVAILABLE). */
    JOURNAL_UNAVAILABLE(18, "journal unavailable", Kind.GAUGE, "gateway network thread, at its sweep"),
    /**
     * Microseconds the pipeline thread spent capturing the last checkpoint (the pause a checkpoint costs it; the file
     * is then written by the checkpoint thread).
     */
    CHECKPOINT_PAUSE(19, "last checkpoint pause (us)", Kind.GAUGE, "pipeline thread, at each checkpoint capture"),
    /** Events the pipeline answered (decided or rejected), one counter per event type ({@link #EVENT_TYPES}). */
    EVENTS(20, "events: ", Kind.COUNT, "pipeline thread, at batch end", "TYPE"),
    /** Decisions the pipeline sent, one counter per action (APPROVE, REVIEW, DECLINE). */
    DECISIONS(21, "decisions: ", Kind.COUNT, "pipeline thread, at batch end", "ACTION"),
    /** Sweeps of the gateway's network thread (every 100 ms): it advances while that thread makes progress. */
    GATEWAY_SWEEPS(22, "gateway sweeps", Kind.COUNT, "gateway network thread, at its sweep"),
    // 20-29: the admin server's; 30-39: SLOs and alerts (io.vigil.gateway.slo, io.vigil.gateway.alert)
    /**
     * Pipeline answers written to their socket within the latency SLO's threshold ({@code vigil.slo.latency.threshold})
     * of their ingest stamp: the good events of the latency SLO.
     */
    SLO_LATENCY_GOOD(30, "slo latency: answers within threshold", Kind.COUNT, "gateway network thread, per egress drain"),
    /** Pipeline answers written to their socket: the events of the latency SLO. */
    SLO_LATENCY_TOTAL(31, "slo latency: answers written", Kind.COUNT, "gateway network thread, per egress drain"),
    /** Alerts firing now (SLO burn, journal, model fallbacks, errors, metric anomalies). */
    ALERTS_FIRING(32, "alerts firing", Kind.GAUGE, "alert thread, at each evaluation"),
    /** Webhook notifications delivered (2xx), all receivers together. */
    WEBHOOK_DELIVERED(33, "webhook notifications delivered", Kind.COUNT, "webhook delivery threads (atomic add)"),
    /** Webhook delivery attempts that failed (error status, refused, timed out), all receivers together. */
    WEBHOOK_FAILED(34, "webhook attempts failed", Kind.COUNT, "webhook delivery threads (atomic add)"),
    /** Webhook notifications dropped: a receiver's queue was full (oldest dropped) or it refused one with a 4xx. */
    WEBHOOK_DROPPED(35, "webhook notifications dropped", Kind.COUNT, "alert thread and webhook delivery threads (atomic add)"),
    // 40-49: slow-event traces (io.vigil.gateway.trace) and the synthetic prober (io.vigil.gateway.synthetic)
    /** Slow or sampled events whose stage breakdown the gateway handed to the trace reader. */
    TRACES_RECORDED(40, "traces: recorded", Kind.COUNT, "gateway network thread, per egress drain"),
    /** Slow or sampled events whose breakdown was dropped because the trace ring was full (the reader is behind). */
    TRACES_DROPPED(41, "traces: dropped (ring full)", Kind.COUNT, "gateway network thread, per egress drain"),
    /** Synthetic transactions the built-in prober sent end to end (vigil.synthetic.interval). */
    SYNTHETIC_PROBES(42, "synthetic: probes", Kind.COUNT, "synthetic prober thread, per probe"),
    /** Synthetic probes that failed: no Decision within the timeout, a Reject, or no connection or logon. */
    SYNTHETIC_FAILURES(43, "synthetic: probes failed", Kind.COUNT, "synthetic prober thread, per probe"),
    /** Round trip of the last successful synthetic probe, nanoseconds (send to Decision received). */
    SYNTHETIC_LATENCY(44, "synthetic: last round trip (ns)", Kind.GAUGE, "synthetic prober thread, per probe"),
    /** Wall-clock time of the last successful synthetic probe, 0 for none. */
    SYNTHETIC_LAST_SUCCESS(45, "synthetic: last success", Kind.EPOCH_MS, "synthetic prober thread, per probe"),
    // 50-59: event time (io.vigil.engine.EventTimeStage, WindowsStage; docs/event-time.md)
    /** Events behind the watermark within the allowed lateness: applied and answered with LATE_EVENT. */
    LATE_EVENTS(50, "event time: late events (applied)", Kind.COUNT, "pipeline thread, at batch end"),
    /** Events behind the watermark by more than the allowed lateness: answered TOO_LATE, not applied, in late/. */
    TOO_LATE_EVENTS(51, "event time: too-late events (not applied)", Kind.COUNT, "pipeline thread, at batch end"),
    /** The pipeline's watermark (event time, epoch ms), 0 before event time starts: readers show how far it lags. */
    WATERMARK(52, "event time: watermark", Kind.EPOCH_MS, "pipeline thread, at batch end"),
    /** Sources (tenant, client) holding the watermark now (not idle). */
    WATERMARK_SOURCES(53, "event time: active sources", Kind.GAUGE, "pipeline thread, at batch end"),
    /** Closed windows written to the window-results journal (one per key and window; a recovery writes none twice). */
    WINDOW_RESULTS(54, "windows: results emitted", Kind.COUNT, "pipeline thread, at batch end"),
    /** Events that arrived for a window already emitted (applied to the features, not to the emitted result). */
    WINDOW_CLOSED_EVENTS(55, "windows: events for closed windows", Kind.COUNT, "pipeline thread, at batch end"),
    // 60-69: feature drift (io.vigil.gateway.drift)
    /** Feature vectors handed to the drift thread (the 1-in-N sample of the transactions, vigil.drift.sample.one.in). */
    FEATURE_DRIFT_SAMPLES(60, "feature drift: vectors sampled", Kind.COUNT, "pipeline thread, at batch end"),
    /** Sampled feature vectors dropped because the drift ring was full (the drift thread is behind). */
    FEATURE_DRIFT_DROPPED(61, "feature drift: vectors dropped (ring full)", Kind.COUNT, "pipeline thread, at batch end");


    /** The event types {@link #EVENTS} counts, by template id: the name of {@code EVENT_TYPES[i]} is {@code EVENT_TYPE_NAMES[i]}. */
    public static final int[] EVENT_TYPES = {io.vigil.codecs.sbe.TransactionDecoder.TEMPLATE_ID,
        io.vigil.codecs.sbe.MetricSampleDecoder.TEMPLATE_ID};
    /** Names of {@link #EVENT_TYPES}, as labels carry them. */
    public static final String[] EVENT_TYPE_NAMES = {"transaction", "metric_sample"};

    /** What a counter's value means, and so how readers show and export it. */
    public enum Kind {
        /** Only grows (per process): readers show a rate per second; exporters expose a counter. */
        COUNT,
        /** A level that goes up and down. */
        GAUGE,
        /** A Chronicle Queue index (cycle in the high bits), -1 for none: readers show it in hex. */
        INDEX,
        /** Milliseconds since the epoch, 0 for never: readers show the age (now minus the value). */
        EPOCH_MS,
        /** An {@link EngineState} code. */
        STATE
    }

    private static final CounterType[] BY_TYPE_ID;

    static {
        int max = 0;
        for (final CounterType type : values()) {
            max = Math.max(max, type.typeId);
        }
        BY_TYPE_ID = new CounterType[max + 1];
        for (final CounterType type : values()) {
            BY_TYPE_ID[type.typeId] = type;
        }
    }

    private final int typeId;
    private final String label;
    private final Kind kind;
    private final String writer;
    private final String keyName;

    CounterType(final int typeId, final String label, final Kind kind, final String writer) {
        this(typeId, label, kind, writer, null);
    }

    CounterType(final int typeId, final String label, final Kind kind, final String writer, final String keyName) {
        this.typeId = typeId;
        this.label = label;
        this.kind = kind;
        this.writer = writer;
        this.keyName = keyName;
    }

    /** Whether the type stands for one counter per key ({@link #REJECTED}, {@link #EVENTS}, {@link #DECISIONS}). */
    public boolean keyed() {
        return keyName != null;
    }

    /** The label as documented: {@code "rejected: <REASON>"} for a keyed type, the label otherwise. */
    public String labelPattern() {
        return keyName == null ? label : label + "<" + keyName + ">";
    }

    /** The name of event template {@code templateId} in {@link #EVENT_TYPES}, or null for another template. */
    public static String eventTypeName(final int templateId) {
        for (int i = 0; i < EVENT_TYPES.length; i++) {
            if (EVENT_TYPES[i] == templateId) {
                return EVENT_TYPE_NAMES[i];
            }
        }
        return null;
    }

    /** The type id stored in the counter's metadata record. */
    public int typeId() {
        return typeId;
    }

    /** The label; for a {@link #keyed()} type the prefix that the key's name follows. */
    public String label() {
        return label;
    }

    public Kind kind() {
        return kind;
    }

    /** Which thread writes it, and when (documentation, {@code vigil stat --help}). */
    public String writer() {
        return writer;
    }

    /** A name for exporters: {@code vigil_events_in}, {@code vigil_rejected}, ... */
    public String metricName() {
        return "vigil_" + name().toLowerCase(Locale.ROOT);
    }

    /** The type with this id, or null for an id this version does not know (a newer writer). */
    public static CounterType forTypeId(final int typeId) {
        return typeId >= 0 && typeId < BY_TYPE_ID.length ? BY_TYPE_ID[typeId] : null;
    }
}
