package io.vigil.engine;

import java.util.List;

/**
 * The engine's supervised agents as the {@link Watchdog} last saw them, and how many stalls and deaths it detected
 * since start: what a readiness probe reports. Immutable and thread-safe.
 */
public final class EngineHealth {
    private final List<AgentHealth> agents;
    private final long stallsDetected;
    private final long deathsDetected;

    EngineHealth(final List<AgentHealth> agents, final long stallsDetected, final long deathsDetected) {
        this.agents = List.copyOf(agents);
        this.stallsDetected = stallsDetected;
        this.deathsDetected = deathsDetected;
    }

    /** True when every agent is {@link AgentHealth.State#RUNNING}. */
    public boolean healthy() {
        for (final AgentHealth agent : agents) {
            if (agent.state() != AgentHealth.State.RUNNING) {
                return false;
            }
        }
        return true;
    }

    public List<AgentHealth> agents() {
        return agents;
    }

    /** The agent with this name, or null. */
    public AgentHealth agent(final String name) {
        for (final AgentHealth agent : agents) {
            if (agent.name().equals(name)) {
                return agent;
            }
        }
        return null;
    }

    /** Times an agent was found stalled since start. */
    public long stallsDetected() {
        return stallsDetected;
    }

    /** Times an agent's thread was found dead since start. */
    public long deathsDetected() {
        return deathsDetected;
    }

    @Override
    public String toString() {
        return (healthy() ? "healthy" : "unhealthy") + " " + agents + ", stalls " + stallsDetected + ", deaths " + deathsDetected;
    }
}
