package io.vigil.engine;

import com.lmax.disruptor.Sequence;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A duty-cycle {@link Agent} the {@link Watchdog} supervises: every duty cycle advances its heartbeat (a padded
 * Disruptor {@link Sequence}, one ordered store per cycle), and its {@link ErrorHandler} counts and logs what a duty
 * cycle threw; the {@link org.agrona.concurrent.AgentRunner} then runs the next cycle (an {@link Error} ends the
 * thread, which the watchdog reports).
 *
 * <p>The heartbeat and {@link #hasWork()} are written by the agent's thread and read by the watchdog's; the error
 * handler runs on the agent's thread. Allocation-free per duty cycle.
 */
abstract class SupervisedAgent implements Agent, ErrorHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SupervisedAgent.class);

    private final String name;
    private final Sequence heartbeat = new Sequence(0);
    private final AtomicLong errors = new AtomicLong();
    private volatile Throwable lastError;
    private PipelineCounters errorCounter;
    private long cycles;

    SupervisedAgent(final String name) {
        this.name = name;
    }

    @Override
    public String roleName() {
        return name;
    }

    /** Call first in every duty cycle. */
    protected final void beat() {
        heartbeat.set(++cycles);
    }

    /** Duty cycles begun; safe from any thread. */
    final long heartbeat() {
        return heartbeat.get();
    }

    /** True while the agent has work waiting (a stopped heartbeat then means it is stuck); any thread. */
    abstract boolean hasWork();

    /** Exceptions its duty cycles threw; safe from any thread. */
    final long errors() {
        return errors.get();
    }

    /** The last exception or error a duty cycle threw, or null; safe from any thread. */
    final Throwable lastError() {
        return lastError;
    }

    /** Where failures are counted as well (the counters file's errors); null for nowhere. Set before the agent runs. */
    final void errorCounter(final PipelineCounters counters) {
        this.errorCounter = counters;
    }

    @Override
    public void onError(final Throwable throwable) {
        lastError = throwable;
        if (errorCounter != null) {
            errorCounter.error();
        }
        final long count = errors.incrementAndGet();
        if (throwable instanceof Error) {
            LOG.error("agent {} failed with an error; its thread ends", name, throwable);
        } else if (Long.bitCount(count) == 1) {
            LOG.error("agent {}: a duty cycle failed; it goes on ({} failures so far)", name, count, throwable);
        }
    }
}
