package io.vigil.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.TimeUnit;

/**
 * Where the time of each answered event goes inside the server, per stage, as HdrHistogram recorders: written by
 * the pipeline thread (wait-free, allocation-free), read as interval histograms from any thread.
 *
 * <p>Stages: {@code journal->tailer} (ingest stamp to pickup by the tailer: journal append and tailer wake-up),
 * {@code tailer->pipeline} (ring hop and validation), {@code features}, {@code inference} (waiting for the batch and
 * the ONNX call), {@code decide+journal} (rules, output journal append, hand-off to the network thread).
 */
public final class StageLatencies {
    public static final String[] STAGES = {"ingest->tailer", "tailer->validated", "features", "inference", "decide+journal"};
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(60);

    private final SingleWriterRecorder[] recorders = new SingleWriterRecorder[STAGES.length];
    private final Histogram[] recycled = new Histogram[STAGES.length];

    public StageLatencies() {
        for (int i = 0; i < STAGES.length; i++) {
            recorders[i] = new SingleWriterRecorder(HIGHEST_NS, 3);
        }
    }

    /** Records one event's stamps; pipeline thread only. */
    void record(final EventSlot slot) {
        final long ingestNs = EpochClock.toNanoTime(slot.input.timeNs);
        record(0, slot.tailerNs - ingestNs);
        record(1, slot.validatedNs - slot.tailerNs);
        record(2, slot.featuresNs - slot.validatedNs);
        record(3, slot.inferredNs - slot.featuresNs);
        record(4, slot.decidedNs - slot.inferredNs);
    }

    private void record(final int stage, final long ns) {
        recorders[stage].recordValue(Math.max(0, Math.min(ns, HIGHEST_NS)));
    }

    /** The histogram of one stage since the previous call (for that stage); any thread. */
    public synchronized Histogram interval(final int stage) {
        final Histogram h = recorders[stage].getIntervalHistogram(recycled[stage]);
        recycled[stage] = null;
        return h;
    }
}
