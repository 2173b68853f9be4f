package io.vigil.engine;

/**
 * What the {@link Watchdog} last saw of one supervised agent (the tailer, the pipeline). Immutable and thread-safe.
 */
public final class AgentHealth {
    /** States of an agent. */
    public enum State {
        /** Its duty cycles advance, or it has nothing to do. */
        RUNNING,
        /** It has work but its heartbeat has not advanced for the stall timeout. */
        STALLED,
        /** Its thread ended while the engine was running. */
        DEAD,
        /** The engine closed it. */
        STOPPED
    }

    private final String name;
    private final State state;
    private final long heartbeat;
    private final long errors;
    private final String lastError;

    AgentHealth(final String name, final State state, final long heartbeat, final long errors, final String lastError) {
        this.name = name;
        this.state = state;
        this.heartbeat = heartbeat;
        this.errors = errors;
        this.lastError = lastError;
    }

    /** The agent's thread name ({@link Engine#TAILER_THREAD}, {@link Engine#PIPELINE_THREAD}). */
    public String name() {
        return name;
    }

    public State state() {
        return state;
    }

    /** Duty cycles begun. */
    public long heartbeat() {
        return heartbeat;
    }

    /** Exceptions its duty cycles threw (each one survived, but for an Error). */
    public long errors() {
        return errors;
    }

    /** The last exception or error, as class: message, or null. */
    public String lastError() {
        return lastError;
    }

    @Override
    public String toString() {
        return name + " " + state + " (heartbeat " + heartbeat + ", errors " + errors +
            (lastError == null ? "" : ", last: " + lastError) + ")";
    }
}
