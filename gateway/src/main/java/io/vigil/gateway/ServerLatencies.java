package io.vigil.gateway;

import io.vigil.engine.EpochClock;
import io.vigil.engine.StageLatencies;
import io.vigil.engine.StageRecorder;
import org.HdrHistogram.Histogram;

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
 * <p>Each value is recorded once; {@link #interval} (bench and demo reports) and {@link #drainTo} ({@code /metrics})
 * read it independently ({@link StageRecorder}). Recording is wait-free and allocation-free, one writer per recorder (the network thread for the gateway's
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

    private final StageRecorder decode = new StageRecorder(StageLatencies.HIGHEST_NS, 3);
    private final StageRecorder append = new StageRecorder(StageLatencies.HIGHEST_NS, 3);
    private final StageRecorder egress = new StageRecorder(StageLatencies.HIGHEST_NS, 3);
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
        record(decode, ingestNs - frameNs);
        record(append, appendedNs - ingestNs);
    }

    /** Records the time from the pipeline's hand-off of an answer to its write to the socket; network thread only. */
    void recordEgress(final long ns) {
        record(egress, ns);
    }

    private static void record(final StageRecorder recorder, final long ns) {
        recorder.record(Math.max(0, Math.min(ns, StageLatencies.HIGHEST_NS)));
    }

    /**
     * Adds to {@code cumulative} what was recorded for stage {@code stage} of {@link #STAGES} since the previous call,
     * from recorders of its own (the {@code /metrics} reader's: {@link #interval}'s readers keep every value); one
     * reader thread at a time. The pipeline's stages come from the engine running now: values its predecessor recorded
     * after the last call are lost with it.
     */
    public void drainTo(final int stage, final Histogram cumulative) {
        final StageRecorder own = own(stage);
        if (own == null) {
            pipeline.get().drainTo(stage - PIPELINE, cumulative);
        } else {
            own.drainTo(cumulative);
        }
    }

    private StageRecorder own(final int stage) {
        return stage == GATEWAY_DECODE ? decode : stage == JOURNAL_APPEND ? append : stage == EGRESS ? egress : null;
    }

    /** The histogram of one stage of {@link #STAGES} since the previous call (for that stage), newly allocated. */
    public Histogram interval(final int stage) {
        final StageRecorder own = own(stage);
        return own == null ? pipeline.get().interval(stage - PIPELINE) : own.interval();
    }
}
