package io.vigil.engine;

import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watches the engine's supervised agents from a thread of its own ({@link #THREAD}): an agent whose thread ended while
 * the engine runs is DEAD; one whose heartbeat has not advanced for the stall timeout while it has work is STALLED
 * (a duty cycle runs whether or not there is work, and the idle strategies park at most a millisecond, so a heartbeat
 * that stops means the thread is stuck inside a step: a blocked write, a loop, a checkpoint longer than the timeout).
 * Each change of state is logged once (ERROR when an agent stalls or dies, INFO when it recovers) and counted; the
 * latest view is {@link #health()}.
 *
 * <p>Thread-safe: {@link #health()} from any thread. Control plane: allocates and reads the clock freely.
 */
final class Watchdog implements AutoCloseable {
    /** Name of the watchdog's thread. */
    static final String THREAD = "vigil-watchdog";
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    private final SupervisedAgent[] agents;
    private final AgentRunner[] runners;
    private final long stallTimeoutNs;
    private final long[] lastHeartbeat;
    private final long[] lastProgressNs;
    private final AgentHealth.State[] states;
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong deaths = new AtomicLong();
    private final Thread thread;
    private volatile boolean closing;
    private volatile EngineHealth health;

    Watchdog(final List<SupervisedAgent> agents, final List<AgentRunner> runners, final long stallTimeoutNs) {
        this.agents = agents.toArray(new SupervisedAgent[0]);
        this.runners = runners.toArray(new AgentRunner[0]);
        this.stallTimeoutNs = stallTimeoutNs;
        this.lastHeartbeat = new long[this.agents.length];
        this.lastProgressNs = new long[this.agents.length];
        this.states = new AgentHealth.State[this.agents.length];
        final long now = System.nanoTime();
        for (int i = 0; i < this.agents.length; i++) {
            lastProgressNs[i] = now;
            states[i] = AgentHealth.State.RUNNING;
        }
        publish();
        thread = new Thread(this::run, THREAD);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        final long intervalMs = Math.max(5, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(stallTimeoutNs) / 4));
        while (!closing) {
            try {
                Thread.sleep(intervalMs);
            } catch (final InterruptedException ex) {
                return;
            }
            check();
        }
    }

    /** Looks at every agent once (the watchdog thread does so periodically). */
    synchronized void check() {
        if (closing) {
            return;
        }
        final long now = System.nanoTime();
        for (int i = 0; i < agents.length; i++) {
            final SupervisedAgent agent = agents[i];
            final long heartbeat = agent.heartbeat();
            final AgentHealth.State state;
            if (runners[i].isClosed()) {
                state = AgentHealth.State.DEAD;
            } else if (heartbeat != lastHeartbeat[i] || !agent.hasWork()) {
                lastHeartbeat[i] = heartbeat;
                lastProgressNs[i] = now;
                state = AgentHealth.State.RUNNING;
            } else {
                state = now - lastProgressNs[i] >= stallTimeoutNs ? AgentHealth.State.STALLED : AgentHealth.State.RUNNING;
            }
            if (state != states[i]) {
                report(agent, states[i], state, now - lastProgressNs[i]);
                states[i] = state;
            }
        }
        publish();
    }

    private void report(final SupervisedAgent agent, final AgentHealth.State from, final AgentHealth.State to,
        final long sinceProgressNs) {
        switch (to) {
            case DEAD:
                deaths.incrementAndGet();
                LOG.error("agent {} is dead: its thread ended ({}); the engine no longer makes progress there",
                    agent.roleName(), agent.lastError() == null ? "interrupted, or stopped without an error" : agent.lastError().toString());
                break;
            case STALLED:
                stalls.incrementAndGet();
                LOG.error("agent {} is stalled: no duty cycle for {} ms while it has work", agent.roleName(),
                    TimeUnit.NANOSECONDS.toMillis(sinceProgressNs));
                break;
            default:
                LOG.info("agent {} is {} again (was {})", agent.roleName(), to, from);
        }
    }

    private void publish() {
        final List<AgentHealth> view = new ArrayList<>(agents.length);
        for (int i = 0; i < agents.length; i++) {
            final Throwable error = agents[i].lastError();
            view.add(new AgentHealth(agents[i].roleName(), closing ? AgentHealth.State.STOPPED : states[i],
                agents[i].heartbeat(), agents[i].errors(), error == null ? null : error.toString()));
        }
        health = new EngineHealth(view, stalls.get(), deaths.get());
    }

    /** The latest view of the agents. */
    EngineHealth health() {
        return health;
    }

    /** Stops watching (the engine is closing its agents): every agent then reads STOPPED. */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(1));
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            publish();
        }
    }
}
