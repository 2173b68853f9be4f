package io.vigil.gateway.trace;

import io.vigil.engine.AnswerTrace;
import io.vigil.engine.counters.CounterType;
import org.agrona.DirectBuffer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One kept event's stage breakdown, as {@code GET /traces/slow} serves it and {@code vigil trace} reads it back.
 * The stages do not overlap and follow each other: {@code tailer pickup} here is the pipeline's tailer pickup less the
 * gateway's journal append (which the pipeline's measurement contains), and {@code egress} runs from the output
 * journal append to the answer written to the socket (the hand-off to the network thread, the wait for its drain, the
 * write), so that the stages add up to {@link #totalNs()}.
 *
 * <p>Immutable; thread-safe.
 *
 * @param traceId       OpenTelemetry trace id of the event, 32 hex digits: ingest stamp then input index.
 * @param inputIndex    the event's input journal index.
 * @param type          {@code transaction}, {@code metric_sample}, or the template id.
 * @param reason        why it was kept: {@code slow} (at or above the threshold; also when it was the sample too) or
 *                      {@code sampled}.
 * @param ingestEpochNs the ingest stamp (epoch ns), taken when the frame was decoded.
 * @param totalNs       frame found in the read buffer to answer written to the socket (gateway decode included when
 *                      it is known).
 * @param stages        every stage in order, with null times for one not measured.
 */
public record Trace(String traceId, long inputIndex, String inputIndexHex, long sessionId, long tenantId, long clientId,
                    long clientSequence, String type, boolean synthetic, String reason, long ingestEpochNs,
                    String ingestTime, long totalNs, double totalUs, List<Stage> stages) {
    /**
     * One stage of a trace.
     *
     * @param ns its time, null when not measured.
     * @param us the same in microseconds.
     */
    public record Stage(String name, Long ns, Double us) {
        static Stage of(final String name, final long ns) {
            return ns < 0 ? new Stage(name, null, null) : new Stage(name, ns, ns / 1000.0);
        }
    }

    public Trace {
        stages = List.copyOf(stages);
    }

    /** Reads the {@link TraceRing} record at {@code index} of {@code buffer}. */
    static Trace read(final DirectBuffer buffer, final int index) {
        final long inputIndex = buffer.getLong(index + TraceRing.INPUT_INDEX);
        final long flags = buffer.getLong(index + TraceRing.FLAGS);
        final int templateId = buffer.getInt(index + TraceRing.TEMPLATE_ID);
        final long ingestEpochNs = buffer.getLong(index + TraceRing.INGEST_EPOCH_NS);
        final long[] ns = new long[TraceRing.STAGES.length];
        for (int i = 0; i < ns.length; i++) {
            ns[i] = buffer.getLong(index + TraceRing.STAGES_OFFSET + i * Long.BYTES);
        }
        final long sinceIngestNs = buffer.getLong(index + TraceRing.SINCE_INGEST_NS);
        long append = ns[TraceRing.JOURNAL_APPEND];
        if (ns[TraceRing.TAILER_PICKUP] >= 0) {
            if (append > ns[TraceRing.TAILER_PICKUP]) {
                // the pipeline had the record before the gateway took its append stamp (the inline feed hands it
                // over right after the append): what the append measured beyond the pickup overlaps the pipeline's
                // stages, so it is counted there, once
                append = ns[TraceRing.TAILER_PICKUP];
                ns[TraceRing.JOURNAL_APPEND] = append;
            }
            // the pipeline's pickup runs from the ingest stamp, so it holds the append: what follows it is the tailer's
            long pipelineNs = Math.max(ns[TraceRing.TAILER_PICKUP], Math.max(0, append));
            if (append >= 0) {
                ns[TraceRing.TAILER_PICKUP] = Math.max(0, ns[TraceRing.TAILER_PICKUP] - append);
            }
            for (int i = TraceRing.TAILER_PICKUP + 1; i < TraceRing.EGRESS; i++) {
                pipelineNs += Math.max(0, ns[i]);
            }
            // egress: from the output journal append to the answer written (the hand-off, the wait for the network
            // thread's drain, the write), so that the stages add up to the total
            ns[TraceRing.EGRESS] = Math.max(0, sinceIngestNs - pipelineNs);
        }
        final long decode = ns[TraceRing.GATEWAY_DECODE];
        final long totalNs = sinceIngestNs + Math.max(0, decode);
        final List<Stage> stages = new ArrayList<>(ns.length);
        for (int i = 0; i < ns.length; i++) {
            stages.add(Stage.of(TraceRing.STAGES[i], ns[i] == AnswerTrace.UNKNOWN ? -1 : ns[i]));
        }
        final String type = CounterType.eventTypeName(templateId);
        return new Trace(String.format("%016x%016x", ingestEpochNs, inputIndex), inputIndex,
            "0x" + Long.toHexString(inputIndex), buffer.getLong(index + TraceRing.SESSION_ID),
            Integer.toUnsignedLong(buffer.getInt(index + TraceRing.TENANT_ID)), buffer.getLong(index + TraceRing.CLIENT_ID),
            buffer.getLong(index + TraceRing.CLIENT_SEQUENCE), type == null ? Integer.toString(templateId) : type,
            (flags & TraceRing.SYNTHETIC) != 0, (flags & TraceRing.SLOW) != 0 ? "slow" : "sampled", ingestEpochNs,
            Instant.ofEpochSecond(0, ingestEpochNs).toString(), totalNs, totalNs / 1000.0, stages);
    }

    /** The stage called {@code name}, or null. */
    public Stage stage(final String name) {
        for (final Stage stage : stages) {
            if (stage.name().equals(name)) {
                return stage;
            }
        }
        return null;
    }
}
