package io.vigil.gateway;

import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.HeartbeatEncoder;
import io.vigil.codecs.sbe.LogonAckEncoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutEncoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.WatermarkTickEncoder;
import io.vigil.engine.Engine;
import io.vigil.engine.EpochClock;
import io.vigil.engine.WatermarkControl;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.RecordHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.function.LongSupplier;

/**
 * State every session of the gateway shares: journal writers, session table, codecs and scratch buffers.
 *
 * <p>Not thread-safe: used only by the gateway's one event loop thread. Allocates at construction only.
 */
final class GatewayCore {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayCore.class);

    final int maxFrameBytes;
    final int heartbeatIntervalMs;
    /** Swapped (on the event loop) when the journals are reopened after a storage failure. */
    JournalWriter input;
    JournalWriter deadLetters;
    final Sessions sessions = new Sessions();
    /** Who a Logon is: its tenant, from the credential, never from the Logon's claim. */
    final Authenticator authenticator;

    final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    final TransactionDecoder transactionDecoder = new TransactionDecoder();
    final MetricSampleDecoder metricDecoder = new MetricSampleDecoder();
    final LogonDecoder logonDecoder = new LogonDecoder();
    final HeartbeatDecoder heartbeatDecoder = new HeartbeatDecoder();
    final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    final LogonAckEncoder logonAckEncoder = new LogonAckEncoder();
    final RejectEncoder rejectEncoder = new RejectEncoder();
    final HeartbeatEncoder heartbeatEncoder = new HeartbeatEncoder();
    final LogoutEncoder logoutEncoder = new LogoutEncoder();
    /** Scratch for outgoing frames: SOFH at 0, message after it. */
    final UnsafeBuffer out = new UnsafeBuffer(new byte[256]);

    /** Rejects and explained closes by reason, and the rate limit of their log lines. */
    final RejectLog rejects = new RejectLog(LOG);
    /** Answers resent events from the journals; set before the server binds. */
    ResendLookup resends;
    /** Per-stage latency recorders of the engine, set before the server binds; null: not recorded. */
    ServerLatencies latencies;
    /** Slow-event traces: the gateway stages of each journaled event; null when traces are off. */
    TraceRecorder traces;
    /** Every open connection, logged on or not, for sweeps and backpressure. */
    final ArrayList<SessionHandler> connections = new ArrayList<>();
    final int maxConnections;
    final long frameTimeoutNs;
    final LogonGuard logonGuard;
    private LongSupplier backlog = () -> 0;
    private long pauseAtBacklog = Long.MAX_VALUE;
    private long resumeAtBacklog;
    private boolean readingPaused;
    private long pauses;
    private long lastAppendedIndex = -1;
    private long journalFailures;
    private boolean inputFailureLogged;
    private boolean deadLetterFailureLogged;
    private long lastIngestNs;
    private volatile String journalProblem;
    private final UnsafeBuffer tickBuffer = new UnsafeBuffer(new byte[WatermarkControl.LENGTH]);
    private final WatermarkTickEncoder tickEncoder = new WatermarkTickEncoder();
    private WatermarkControl.Policy tickPolicy;
    private long tickIntervalNs;
    private long lastTickNs = Long.MIN_VALUE;
    private long lastEventIngestNs = Long.MIN_VALUE;
    private boolean eventSinceTick;
    private long ticks;
    /** The running engine when it takes its events inline from this thread ({@link Engine#feedsInline()}), else null. */
    private Engine inlineFeed;
    private final GatewayCounters counters;

    GatewayCore(final int maxFrameBytes, final int heartbeatIntervalMs, final Authenticator authenticator,
        final JournalWriter input, final JournalWriter deadLetters, final int maxConnections, final long frameTimeoutNs,
        final LogonGuard logonGuard, final VigilCounters counters) {
        this.counters = new GatewayCounters(counters);
        this.maxConnections = maxConnections;
        this.frameTimeoutNs = frameTimeoutNs;
        this.logonGuard = logonGuard;
        this.maxFrameBytes = maxFrameBytes;
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.input = input;
        this.deadLetters = deadLetters;
        this.authenticator = authenticator;
    }

    /**
     * Ingest time for the next journaled event: the epoch clock, but never below the last one (also across a restart
     * with the wall clock stepped back), so ingest times never decrease along the input journal (time searches rely
     * on it).
     */
    long ingestTimeNs() {
        final long now = EpochClock.nowNs();
        lastIngestNs = now > lastIngestNs ? now : lastIngestNs + 1;
        return lastIngestNs;
    }

    /** Seeds {@link #ingestTimeNs()} with the newest ingest time already journaled. */
    void lastIngestNs(final long ingestNs) {
        lastIngestNs = Math.max(lastIngestNs, ingestNs);
    }

    void journalFailure(final JournalWriter writer) {
        journalFailures++;
        final Throwable failure = writer.lastFailure();
        final String problem = failure == null ? "unknown" : failure.toString();
        final boolean first = writer == input ? !inputFailureLogged : !deadLetterFailureLogged;
        if (writer == input) {
            inputFailureLogged = true;
        } else {
            deadLetterFailureLogged = true;
        }
        if (first) {
            LOG.error("journal append failed ({}): new events are rejected with JOURNAL_UNAVAILABLE until space returns, " +
                "when the journals are reopened by themselves: every acknowledged event is kept and will be processed", problem, failure);
        }
        if (writer == input) {
            journalProblem = problem;
        }
    }

    long journalFailures() {
        return journalFailures;
    }

    /** After the journals were reopened: appends go to the new writers, and failures are logged afresh. */
    void journalsReopened(final JournalWriter newInput, final JournalWriter newDeadLetters) {
        counters.deadLetterWriterReplaced(deadLetters);
        input = newInput;
        deadLetters = newDeadLetters;
        inputFailureLogged = false;
        deadLetterFailureLogged = false;
        journalProblem = null;
    }

    /** The journal problem that stopped appends, or null while the journals are writable; any thread. */
    String journalProblem() {
        return journalProblem;
    }

    /**
     * Backpressure from the pipeline: reading from every connection stops while {@code pauseAt} or more journaled
     * events wait for the pipeline, and resumes once they are down to {@code resumeAt}. Unread bytes wait in the socket buffers and, past
     * them, in the clients: the gateway never buffers without bound.
     */
    void backpressure(final LongSupplier backlog, final long pauseAt, final long resumeAt) {
        this.backlog = backlog;
        this.pauseAtBacklog = pauseAt;
        this.resumeAtBacklog = resumeAt;
    }

    /**
     * Called after each read batch, once its events are journaled and fed: runs them through the pipeline on this
     * thread when the engine's pipeline thread is idle ({@link Engine#runInline}); their answers are then handed to
     * this event loop and written in the same turn.
     */
    void runInline() {
        if (inlineFeed != null) {
            inlineFeed.runInline();
        }
    }

    /** Called after each read batch: pauses reading when the pipeline is too far behind. */
    void checkBackpressure() {
        if (!readingPaused && backlog.getAsLong() >= pauseAtBacklog) {
            readingPaused = true;
            pauses++;
            for (int i = 0, n = connections.size(); i < n; i++) {
                connections.get(i).updateAutoRead();
            }
        }
    }

    /** Called after answers were delivered, and by the sweep: resumes reading once the pipeline caught up. */
    void maybeResume() {
        if (readingPaused && backlog.getAsLong() <= resumeAtBacklog) {
            readingPaused = false;
            for (int i = 0, n = connections.size(); i < n; i++) {
                connections.get(i).updateAutoRead();
            }
        }
    }

    /** Input index of the last event this gateway journaled, -1 if none yet. */
    long lastAppendedIndex() {
        return lastAppendedIndex;
    }

    void appended(final long index) {
        lastAppendedIndex = index;
        lastEventIngestNs = lastIngestNs;
        eventSinceTick = true;
        counters.appended(index);
        if (inlineFeed != null) {
            inlineFeed.journaled(index);
        }
    }

    /**
     * Watermark ticks ({@link WatermarkControl}) with {@code policy}, one every {@code intervalNs} at the sweep while
     * events are journaled and until the idle timeout has passed since the last one (then a tick can change nothing:
     * every source is idle or about to be observed so by the next event's tick); 0: none. Set before the server binds.
     */
    void watermarkTicks(final WatermarkControl.Policy policy, final long intervalNs) {
        this.tickPolicy = policy;
        this.tickIntervalNs = intervalNs;
    }

    /**
     * Appends a watermark tick if one is due ({@code force}: now, the one at start), on the event loop like every other
     * append of the gateway, so that its ingest time keeps the input journal's order. Allocation-free.
     *
     * @return the tick's input index, or -1 if none was appended.
     */
    long watermarkTick(final boolean force) {
        if (tickPolicy == null || tickIntervalNs <= 0) {
            return -1;
        }
        final long nowNs = EpochClock.nowNs();
        if (!force) {
            if (nowNs - lastTickNs < tickIntervalNs) {
                return -1;
            }
            final boolean recent = lastEventIngestNs != Long.MIN_VALUE &&
                nowNs - lastEventIngestNs <= tickPolicy.idleTimeoutNs() + tickIntervalNs;
            if (!eventSinceTick && !recent) {
                return -1;
            }
        }
        final long ingestNs = ingestTimeNs();
        final int length = WatermarkControl.encode(ingestNs, tickPolicy.maxOutOfOrdernessNs(), tickPolicy.idleTimeoutNs(),
            tickPolicy.allowedLatenessNs(), tickBuffer, 0, tickEncoder, headerEncoder);
        final long index = input.append(ingestNs, 0, 0, 0, RecordHeader.NO_INDEX, 0, WatermarkTickEncoder.TEMPLATE_ID,
            RecordHeader.SOURCE_ADMIN, tickBuffer, 0, length);
        lastTickNs = nowNs;
        if (index == JournalWriter.FAILED) {
            journalFailure(input);
            return -1;
        }
        eventSinceTick = false;
        ticks++;
        lastAppendedIndex = index;
        counters.appendedControl(index);
        if (inlineFeed != null) {
            inlineFeed.journaled(index);
        }
        return index;
    }

    /** Watermark ticks appended since start. */
    long watermarkTicks() {
        return ticks;
    }

    /** The engine now running: its ring is fed from here after each append if it feeds inline. The event loop. */
    void engine(final Engine engine) {
        inlineFeed = engine.feedsInline() ? engine : null;
    }

    /** A Reject is being sent (any reason, whether the frame is dead-lettered or not). */
    void countReject(final RejectReason reason) {
        counters.rejected(reason);
    }

    boolean readingPaused() {
        return readingPaused;
    }

    /** Times reading was paused for backpressure since start. */
    long pauses() {
        return pauses;
    }

    /** Periodic duty on the event loop: frame timeouts, and resuming reads if no answer did. */
    void sweep() {
        final long nowNs = System.nanoTime();
        // a check may close its connection, which removes it from the list: walk a copy (every 100 ms, not per event)
        for (final SessionHandler connection : connections.toArray(new SessionHandler[0])) {
            try {
                connection.checkFrameTimeout(nowNs);
            } catch (final RuntimeException ex) {
                LOG.warn("sweep of a connection failed", ex);
            }
        }
        rejects.sweep(nowNs);
        maybeResume();
        publishCounters();
        // after the counters: the pipeline has a sweep's time to take the tick before the lag is published again
        if (journalProblem == null) {
            watermarkTick(false);
        }
    }

    /** Publishes the gateway's counters (the sweep, and once more at close). */
    void publishCounters() {
        counters.publish(this, backlog);
    }
}
