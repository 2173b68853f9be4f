package io.vigil.gateway.admin;

import io.vigil.engine.StageLatencies;
import io.vigil.gateway.ServerLatencies;
import org.HdrHistogram.Histogram;

import java.util.function.LongSupplier;

/**
 * The admin server's one reader of the per-stage latency recorders that {@link ServerLatencies#drainTo} keeps for it:
 * {@code /metrics} ({@link StageLatencyCollector}) and {@code /api/summary} ({@link DashboardSummary}) both
 * {@link #drain()} through it, so each recorded value lands here exactly once and both see every value. It keeps, per
 * stage, a cumulative HdrHistogram since the admin server started and a ring of {@value #WINDOW_SECONDS} one-second
 * slots of what was drained in each second; {@link #recent} adds up the slots of the last {@value #WINDOW_SECONDS}
 * seconds. A value counts in the second it was drained in, not the one it was recorded in: with the dashboard open
 * (a drain a second) the two differ by at most a second; with only a Prometheus scrape every 15 s, the recent window
 * holds the last scrape's whole interval or nothing.
 *
 * <p>Thread-safe (synchronized; the admin thread is its only caller in practice); allocates only on the first use of
 * a slot and in the copies it returns (control plane).
 */
final class StageLatencyHistory {
    /** Where the values come from: {@link ServerLatencies#drainTo}, or a test's recorders. */
    interface Source {
        /** Adds what was recorded for {@code stage} since the previous call to {@code into}. */
        void drainTo(int stage, Histogram into);
    }

    /** Length of the recent window, seconds (also the number of one-second slots). */
    static final int WINDOW_SECONDS = 10;

    private final Source source;
    private final LongSupplier monotonicMs;
    private final Histogram[] cumulative;
    /** [stage][slot]: what was drained in second {@code slotSecond[slot]}; allocated on first use. */
    private final Histogram[][] slots;
    private final long[] slotSecond = new long[WINDOW_SECONDS];
    private final Histogram scratch = newHistogram();

    /**
     * @param stages      how many stages {@code source} has.
     * @param monotonicMs a monotonic millisecond clock (not the wall clock: only differences matter).
     */
    StageLatencyHistory(final Source source, final int stages, final LongSupplier monotonicMs) {
        this.source = source;
        this.monotonicMs = monotonicMs;
        this.cumulative = new Histogram[stages];
        this.slots = new Histogram[stages][WINDOW_SECONDS];
        for (int i = 0; i < stages; i++) {
            cumulative[i] = newHistogram();
        }
        java.util.Arrays.fill(slotSecond, Long.MIN_VALUE);
    }

    /** The server's recorders, on {@link System#nanoTime()}. */
    static StageLatencyHistory of(final ServerLatencies latencies) {
        return new StageLatencyHistory(latencies::drainTo, ServerLatencies.STAGES.length,
            () -> System.nanoTime() / 1_000_000L);
    }

    private static Histogram newHistogram() {
        return new Histogram(StageLatencies.HIGHEST_NS, StageLatencies.METRICS_DIGITS);
    }

    int stages() {
        return cumulative.length;
    }

    /** Takes what every stage recorded since the previous drain into the cumulative histograms and this second's slot. */
    synchronized void drain() {
        final long second = Math.floorDiv(monotonicMs.getAsLong(), 1000L);
        final int slot = (int)Math.floorMod(second, (long)WINDOW_SECONDS);
        final boolean fresh = slotSecond[slot] != second;
        slotSecond[slot] = second;
        for (int stage = 0; stage < cumulative.length; stage++) {
            Histogram target = slots[stage][slot];
            if (target == null) {
                target = newHistogram();
                slots[stage][slot] = target;
            } else if (fresh) {
                target.reset();
            }
            scratch.reset();
            source.drainTo(stage, scratch);
            cumulative[stage].add(scratch);
            target.add(scratch);
        }
    }

    /** A copy of {@code stage}'s values since the start. */
    synchronized Histogram cumulative(final int stage) {
        return cumulative[stage].copy();
    }

    /** {@code stage}'s values drained in the last {@value #WINDOW_SECONDS} seconds (this one included), new. */
    synchronized Histogram recent(final int stage) {
        final long second = Math.floorDiv(monotonicMs.getAsLong(), 1000L);
        final Histogram out = newHistogram();
        for (int slot = 0; slot < WINDOW_SECONDS; slot++) {
            final Histogram values = slots[stage][slot];
            if (values != null && slotSecond[slot] > second - WINDOW_SECONDS && slotSecond[slot] <= second) {
                out.add(values);
            }
        }
        return out;
    }
}
