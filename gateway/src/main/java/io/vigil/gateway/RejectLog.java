package io.vigil.gateway;

import io.vigil.codecs.sbe.RejectReason;
import org.slf4j.Logger;

/**
 * What the gateway refused, counted by reason, and its log lines rate-limited by reason, so that a flood of hostile
 * input cannot become a flood of blocking log writes on the network thread.
 *
 * <p>Per reason: the first occurrence is logged in full by the caller ({@link #shouldLog} says true), later ones in
 * the same {@link #LOG_INTERVAL_NS} are only counted, and once the interval has passed one summary line says how
 * many were left out (written by the next occurrence or by {@link #sweep}, whichever comes first). So each reason
 * writes at most two lines per interval, whatever the rate.
 *
 * <p>Counts: every frame the gateway rejected ({@link #record}), and closes explained by a reason that is not a
 * Reject (the Logout of an idle close), by {@link RejectReason} value, plus connection errors. They are plain
 * fields written by the network thread only; another thread reads them approximately (no tearing of longs on a
 * 64-bit JVM, no ordering), which suits counters until they move into the counters file.
 *
 * <p>Not thread-safe: the gateway's one event loop thread. Allocation-free after construction, except when a line
 * is logged.
 */
final class RejectLog {
    /** Shortest time between two lines of the same reason. */
    static final long LOG_INTERVAL_NS = 10_000_000_000L;
    /** Slot of connection errors (I/O exceptions and the like), after the reject reasons. */
    private static final int CONNECTION_ERROR = maxReasonValue() + 1;

    private final Logger log;
    private final long[] counts = new long[CONNECTION_ERROR + 1];
    private final long[] suppressed = new long[CONNECTION_ERROR + 1];
    private final long[] lastLineNs = new long[CONNECTION_ERROR + 1];
    private final boolean[] lineWritten = new boolean[CONNECTION_ERROR + 1];
    private long total;

    RejectLog(final Logger log) {
        this.log = log;
    }

    private static int maxReasonValue() {
        int max = 0;
        for (final RejectReason reason : RejectReason.values()) {
            if (reason != RejectReason.NULL_VAL) {
                max = Math.max(max, reason.value());
            }
        }
        return max;
    }

    /** Counts one occurrence of {@code reason}: a rejected frame, or a close it explains. */
    void record(final RejectReason reason) {
        counts[reason.value()]++;
        total++;
    }

    /** Counts a connection error (an exception on a connection). */
    void recordConnectionError() {
        counts[CONNECTION_ERROR]++;
    }

    /**
     * Whether the caller should log its line for {@code reason} now: true for the first occurrence in an interval;
     * false, and counted as left out, otherwise.
     */
    boolean shouldLog(final RejectReason reason, final long nowNs) {
        return admit(reason.value(), nowNs);
    }

    /** As {@link #shouldLog} for a connection error. */
    boolean shouldLogConnectionError(final long nowNs) {
        return admit(CONNECTION_ERROR, nowNs);
    }

    private boolean admit(final int slot, final long nowNs) {
        if (lineWritten[slot] && nowNs - lastLineNs[slot] < LOG_INTERVAL_NS) {
            suppressed[slot]++;
            return false;
        }
        summarise(slot, nowNs);
        lineWritten[slot] = true;
        lastLineNs[slot] = nowNs;
        return true;
    }

    /** Periodic, on the network thread: writes the summary of every reason whose interval has passed. */
    void sweep(final long nowNs) {
        for (int slot = 0; slot < suppressed.length; slot++) {
            if (suppressed[slot] > 0 && nowNs - lastLineNs[slot] >= LOG_INTERVAL_NS) {
                summarise(slot, nowNs);
                lastLineNs[slot] = nowNs;
            }
        }
    }

    private void summarise(final int slot, final long nowNs) {
        if (suppressed[slot] > 0) {
            log.warn("{}: {} more in the last {} s, not logged one by one ({} since start)", name(slot), suppressed[slot],
                Math.max(1, (nowNs - lastLineNs[slot]) / 1_000_000_000L), counts[slot]);
            suppressed[slot] = 0;
        }
    }

    private static String name(final int slot) {
        if (slot == CONNECTION_ERROR) {
            return "connection errors";
        }
        final RejectReason reason = RejectReason.get(slot);
        return reason.name();
    }

    /** Frames rejected (and closes explained) with {@code reason} since start. */
    long count(final RejectReason reason) {
        return counts[reason.value()];
    }

    /** Every frame rejected, and close explained, since start. */
    long total() {
        return total;
    }

    /** Connection errors since start. */
    long connectionErrors() {
        return counts[CONNECTION_ERROR];
    }

    /** Lines left out since the last line of {@code reason}, not yet summarised. */
    long suppressed(final RejectReason reason) {
        return suppressed[reason.value()];
    }
}
