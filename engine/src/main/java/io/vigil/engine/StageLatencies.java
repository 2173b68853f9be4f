package io.vigil.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.TimeUnit;

/**
 * Where the time of each answered event goes inside the server, per stage, as HdrHistogram recorders, read as
 * interval histograms from any thread.
 *
 * <p>Each recorder has exactly one writer thread (wait-free, allocation-free recording): the gateway's network
 * thread writes {@link #GATEWAY_DECODE}, {@link #JOURNAL_APPEND} and {@link #EGRESS}; the pipeline thread writes
 * the others from the stamps in the {@link EventSlot}. Stages, in the order an event meets them:
 * <ol>
 * <li>{@code gateway decode}: frame found in the read buffer to the ingest stamp (framing, validation, session
 * checks);</li>
 * <li>{@code journal append}: the input journal append (ingest stamp to append returned);</li>
 * <li>{@code tailer pickup}: ingest stamp to the tailer reading the record; it <em>contains</em> the append, so
 * the tailer's own wake-up is this minus {@code journal append};</li>
 * <li>{@code validate}: the ring hop to the pipeline thread, decode and validation;</li>
 * <li>{@code features}: windowed feature update (none for metric samples);</li>
 * <li>{@code anomaly}: anomaly score;</li>
 * <li>{@code inference}: waiting for the end of the Disruptor batch and the one ONNX call for the batch;</li>
 * <li>{@code decide}: decision rules and answer encoding;</li>
 * <li>{@code output journal}: the output journal append;</li>
 * <li>{@code egress}: hand-off to the network thread until the answer is written to the socket.</li>
 * </ol>
 */
public final class StageLatencies {
    public static final String[] STAGES = {"gateway decode", "journal append", "tailer pickup", "validate",
        "features", "anomaly", "inference", "decide", "output journal", "egress"};
    public static final int GATEWAY_DECODE = 0;
    public static final int JOURNAL_APPEND = 1;
    public static final int TAILER_PICKUP = 2;
    public static final int VALIDATE = 3;
    public static final int FEATURES = 4;
    public static final int ANOMALY = 5;
    public static final int INFERENCE = 6;
    public static final int DECIDE = 7;
    public static final int OUTPUT_JOURNAL = 8;
    public static final int EGRESS = 9;
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);

    private final SingleWriterRecorder[] recorders = new SingleWriterRecorder[STAGES.length];

    public StageLatencies() {
        for (int i = 0; i < STAGES.length; i++) {
            recorders[i] = new SingleWriterRecorder(HIGHEST_NS, 3);
        }
    }

    /** Records one event's stamps after its output journal append; pipeline thread only. */
    void record(final EventSlot slot) {
        final long journaledNs = System.nanoTime();
        final long ingestNs = EpochClock.toNanoTime(slot.input.timeNs);
        final long featuresNs = slot.featuresNs != 0 ? slot.featuresNs : slot.validatedNs;
        final long anomalyNs = slot.anomalyNs != 0 ? slot.anomalyNs : featuresNs;
        record(TAILER_PICKUP, slot.tailerNs - ingestNs);
        record(VALIDATE, slot.validatedNs - slot.tailerNs);
        record(FEATURES, featuresNs - slot.validatedNs);
        record(ANOMALY, anomalyNs - featuresNs);
        record(INFERENCE, slot.inferredNs - anomalyNs);
        record(DECIDE, slot.decidedNs - slot.inferredNs);
        record(OUTPUT_JOURNAL, journaledNs - slot.decidedNs);
    }

    /**
     * Records the gateway's share of one event; the gateway's network thread only.
     *
     * @param frameNs    {@link System#nanoTime()} when the frame was found in the read buffer.
     * @param ingestNs   the ingest stamp written to the journal, converted with {@link EpochClock#toNanoTime}.
     * @param appendedNs {@link System#nanoTime()} when the input journal append returned.
     */
    public void recordIngest(final long frameNs, final long ingestNs, final long appendedNs) {
        record(GATEWAY_DECODE, ingestNs - frameNs);
        record(JOURNAL_APPEND, appendedNs - ingestNs);
    }

    /** Records the time from the pipeline's hand-off of an answer to its write to the socket; network thread only. */
    public void recordEgress(final long ns) {
        record(EGRESS, ns);
    }

    private void record(final int stage, final long ns) {
        recorders[stage].recordValue(Math.max(0, Math.min(ns, HIGHEST_NS)));
    }

    /** The histogram of one stage since the previous call (for that stage), newly allocated; any thread. */
    public synchronized Histogram interval(final int stage) {
        return recorders[stage].getIntervalHistogram();
    }
}
