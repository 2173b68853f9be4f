package io.vigil.gateway;

import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.RejectCounts;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.journal.JournalWriter;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.function.LongSupplier;

/**
 * The gateway network thread's counters: events in and the input index with a release store per append (the cost
 * of a plain store), everything else tallied in plain fields and published at the sweep (every 100 ms): rejects by
 * reason, dead letters and journal failures as atomic adds of what changed (the pipeline adds to them too), the
 * rest as release stores.
 *
 * <p>Not thread-safe: the gateway's event loop thread only. Allocation-free.
 */
final class GatewayCounters {
    private final VigilCounters counters;
    private final AtomicCounter eventsIn;
    private final AtomicCounter inputIndex;
    private final AtomicCounter deadLetters;
    private final AtomicCounter errors;
    private final AtomicCounter pauses;
    private final AtomicCounter connections;
    private final AtomicCounter lag;
    private final AtomicCounter journalUnavailable;
    private final AtomicCounter sweeps;
    private long sweepCount;
    private final RejectCounts rejects = new RejectCounts();
    private long eventsInCount;
    private long deadLettersOfReplacedWriters;
    private long deadLettersPublished;
    private long errorsPublished;

    GatewayCounters(final VigilCounters counters) {
        this.counters = counters;
        this.eventsIn = counters.counter(CounterType.EVENTS_IN);
        this.inputIndex = counters.counter(CounterType.INPUT_INDEX);
        this.deadLetters = counters.counter(CounterType.DEAD_LETTERS);
        this.errors = counters.counter(CounterType.ERRORS);
        this.pauses = counters.counter(CounterType.BACKPRESSURE_PAUSES);
        this.connections = counters.counter(CounterType.CONNECTIONS);
        this.lag = counters.counter(CounterType.PIPELINE_LAG);
        this.journalUnavailable = counters.counter(CounterType.JOURNAL_UNAVAILABLE);
        this.sweeps = counters.counter(CounterType.GATEWAY_SWEEPS);
    }

    /** An event was journaled at {@code index}. */
    void appended(final long index) {
        eventsIn.setRelease(++eventsInCount);
        inputIndex.setRelease(index);
    }

    /** A control record (a watermark tick) was appended: the input index moves, the events in do not. */
    void appendedControl(final long index) {
        inputIndex.setRelease(index);
    }

    void rejected(final RejectReason reason) {
        rejects.increment(reason.value());
    }

    /** The dead-letter writer is being replaced (journals reopened): what it appended stays counted. */
    void deadLetterWriterReplaced(final JournalWriter old) {
        deadLettersOfReplacedWriters += old.appended();
    }

    /** At the sweep: publishes what changed since the last one. */
    void publish(final GatewayCore core, final LongSupplier backlog) {
        rejects.publish(counters);
        final long deadLettersNow = deadLettersOfReplacedWriters + core.deadLetters.appended();
        if (deadLettersNow != deadLettersPublished) {
            deadLetters.getAndAdd(deadLettersNow - deadLettersPublished);
            deadLettersPublished = deadLettersNow;
        }
        final long errorsNow = core.journalFailures();
        if (errorsNow != errorsPublished) {
            errors.getAndAdd(errorsNow - errorsPublished);
            errorsPublished = errorsNow;
        }
        pauses.setRelease(core.pauses());
        connections.setRelease(core.connections.size());
        journalUnavailable.setRelease(core.journalProblem() == null ? 0 : 1);
        sweeps.setRelease(++sweepCount);
        try {
            lag.setRelease(backlog.getAsLong());
        } catch (final RuntimeException ex) {
            // the journals are being reopened after a storage failure: the lag is reported again afterwards
        }
    }
}
