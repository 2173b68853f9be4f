package io.vigil.gateway;

import io.vigil.engine.EpochClock;
import io.vigil.engine.StageLatencies;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.function.Supplier;

/**
 * Where the time of each answered event goes inside the server, per stage, end to end: the gateway's own stages,
 * recorded here by the network thread, around the pipeline's ({@link StageLatencies}, recorded by the engine's
 * pipeline thread). Stages, in the order an event meets them:
 * <ol>
 * <li>{@code gateway decode}: frame found in the read buffer to the ingest stamp (framing, validation, session
 * checks);</li>
 * <li>{@code journal append}: the input journal append (ingest stamp to append returned);</li>
 * <li>the pipeline's stages, {@code tailer pickup} to {@code output journal} (see {@link StageLatencies});</li>
 * <li>{@code egress}: hand-off to the network thread until the answer is written to the socket.</li>
 * </ol>
 *
 * <p>Each value goes to two recorders: {@link #interval} reads one (bench and demo reports), {@link #drainTo} the other
 * ({@code /metrics}). Recording is wait-free and allocation-free, one writer per recorder (the network thread for the gateway's
 * stages); {@link #interval} may be called from any thread. The pipeline's recorders are those of the engine
 * running now (the server restarts it after a storage failure; the gateway's stay).
 */
public final class ServerLatencies {
    public static final int GATEWAY_DECODE = 0;
    public static final int JOURNAL_APPEND = 1;
    /** The first of the pipeline's stages; stage {@code PIPELINE + i} is {@link StageLatencies}' stage {@code i}. */
    public static final int PIPELINE = 2;
    public static final int EGRESS = PIPELINE + StageLatencies.STAGES.length;
    public static final String[] STAGES = stages();

    private final SingleWriterRecorder decode = new SingleWriterRecorder(StageLatencies.HIGHEST_NS, 3);
    private final SingleWriterRecorder append = new SingleWriterRecorder(StageLatencies.HIGHEST_NS, 3);
    private final SingleWriterRecorder egress = new SingleWriterRecorder(StageLatencies.HIGHEST_NS, 3);
    private final SingleWriterRecorder decodeMetrics = new SingleWriterRecorder(StageLatencies.HIGHEST_NS, StageLatencies.METRICS_DIGITS);
    private final SingleWriterRecorder appendMetrics = new SingleWriterRecorder(StageLatencies.HIGHEST_NS, StageLatencies.METRICS_DIGITS);
    private final SingleWriterRecorder egressMetrics = new SingleWriterRecorder(StageLatencies.HIGHEST_NS, StageLatencies.METRICS_DIGITS);
    private final Histogram[] metricsRecycled = new Histogram[3];
    private final Supplier<StageLatencies> pipeline;

    /** @param pipeline the running engine's recorders, read on each {@link #interval} of a pipeline stage. */
    ServerLatencies(final Supplier<StageLatencies> pipeline) {
        this.pipeline = pipeline;
    }

    private static String[] stages() {
        final String[] stages = new String[EGRESS + 1];
        stages[GATEWAY_DECODE] = "gateway decode";
        stages[JOURNAL_APPEND] = "journal append";
        System.arraycopy(StageLatencies.STAGES, 0, stages, PIPELINE, StageLatencies.STAGES.length);
        stages[EGRESS] = "egress";
        return stages;
    }

    /**
     * Records the gateway's share of one event; the network thread only.
     *
     * @param frameNs    {@link System#nanoTime()} when the frame was found in the read buffer.
     * @param ingestNs   the ingest stamp written to the journal, converted with {@link EpochClock#toNanoTime}.
     * @param appendedNs {@link System#nanoTime()} when the input journal append returned.
     */
    void recordIngest(final long frameNs, final long ingestNs, final long appendedNs) {
        record(decode, decodeMetrics, ingestNs - frameNs);
        record(append, appendMetrics, appendedNs - ingestNs);
    }

    /** Records the time from the pipeline's hand-off of an answer to its write to the socket; network thread only. */
    void recordEgress(final long ns) {
        record(egress, egressMetrics, ns);
    }

    private static void record(final SingleWriterRecorder recorder, final SingleWriterRecorder metrics, final long ns) {
        final long value = Math.max(0, Math.min(ns, StageLatencies.HIGHEST_NS));
        recorder.recordValue(value);
        metrics.recordValue(value);
    }

    /**
     * Adds to {@code cumulative} what was recorded for stage {@code stage} of {@link #STAGES} since the previous call,
     * from recorders of its own (the {@code /metrics} reader's: {@link #interval}'s readers keep every value); one
     * reader thread at a time. The pipeline's stages come from the engine running now: values its predecessor recorded
     * after the last call are lost with it.
     */
    public synchronized void drainTo(final int stage, final Histogram cumulative) {
        final int own = stage == GATEWAY_DECODE ? 0 : stage == JOURNAL_APPEND ? 1 : stage == EGRESS ? 2 : -1;
        if (own < 0) {
            pipeline.get().drainTo(stage - PIPELINE, cumulative);
            return;
        }
        final SingleWriterRecorder recorder = own == 0 ? decodeMetrics : own == 1 ? appendMetrics : egressMetrics;
        final Histogram interval = recorder.getIntervalHistogram(metricsRecycled[own]);
        cumulative.add(interval);
        metricsRecycled[own] = interval;
    }

    /** The histogram of one stage of {@link #STAGES} since the previous call (for that stage), newly allocated. */
    public synchronized Histogram interval(final int stage) {
        if (stage == GATEWAY_DECODE) {
            return decode.getIntervalHistogram();
        }
        if (stage == JOURNAL_APPEND) {
            return append.getIntervalHistogram();
        }
        if (stage == EGRESS) {
            return egress.getIntervalHistogram();
        }
        return pipeline.get().interval(stage - PIPELINE);
    }
}
