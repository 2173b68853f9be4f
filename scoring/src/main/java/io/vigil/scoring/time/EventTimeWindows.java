package io.vigil.scoring.time;

import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

/**
 * A family of event-time windows over per-key state that emits one result per key and window when the watermark
 * passes the window's end: what a feature window (tumbling, session...) implements to feed the window-results journal.
 * How events reach the windows is the implementation's own business (e.g. {@link TumblingCountSum#add}); the engine
 * only drives {@link #advance} with the journaled watermark and checkpoints the state.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>A window {@code [start, end)} holds events with {@code start <= eventTime < end}: an event exactly at the end
 *   belongs to the next window.</li>
 *   <li>{@link #advance} emits every window with {@code end <= watermark} not emitted before, each exactly once, in an
 *   order that depends on the events only (never on hash layout or wall time), so that a replay, or a recovery from
 *   a checkpoint, emits the same records in the same order.</li>
 *   <li>An event for a window already emitted is not added to it (the result is final); the implementation counts
 *   it. A producer with late firings (the declared windows) instead keeps each emitted window until the watermark
 *   passes its end plus the bounded allowed lateness given to {@link #advance(long, long, WindowResultSink)}: an
 *   event for it within that time is added, and the next advance emits the window again with the next firing number
 *   (see {@link WindowResultSink}); only an event for a window purged since is counted.</li>
 * </ul>
 *
 * <p>Implementations are not thread-safe (the pipeline thread owns them); {@link #advance} must not allocate in steady
 * state, the snapshot methods may.
 */
public interface EventTimeWindows {
    /** Stable id written with each result (a producer's identity in the window-results journal). */
    int windowId();

    /** Name written with each result, e.g. {@code account.tumbling.1m}. */
    String name();

    /** Names of the values of each result, in order. */
    List<String> valueNames();

    /** {@link #allowedLatenessNs} of an unbounded lateness (as {@code EventTimeJudge.UNBOUNDED}). */
    long UNBOUNDED = -1;

    /**
     * The watermark is now {@code watermarkNs}: emits each window that ends at or before it.
     *
     * @return results emitted.
     */
    int advance(long watermarkNs, WindowResultSink sink);

    /**
     * The watermark is now {@code watermarkNs} and the allowed lateness in force {@code allowedLatenessNs}
     * ({@link #UNBOUNDED}: none bounded): emits each window that ends at or before the watermark, and, for a producer
     * with late firings, the revised result of each window that a late event changed since its last firing. A
     * producer without late firings ignores the lateness (the default: {@link #advance(long, WindowResultSink)}).
     *
     * @return results emitted.
     */
    default int advance(final long watermarkNs, final long allowedLatenessNs, final WindowResultSink sink) {
        return advance(watermarkNs, sink);
    }

    /** Events that arrived for a window already emitted and no longer kept (not added), since start. */
    long eventsForClosedWindows();

    /** Windows open now (all keys together). */
    long openWindows();

    void writeSnapshot(WritableByteChannel out) throws IOException;

    void readSnapshot(ReadableByteChannel in) throws IOException;

    void clear();
}
