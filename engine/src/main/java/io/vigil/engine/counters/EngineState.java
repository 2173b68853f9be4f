package io.vigil.engine.counters;

/**
 * Values of the {@link CounterType#ENGINE_STATE} counter. Immutable; thread-safe.
 */
public enum EngineState {
    /** The process is opening its journals and loading the checkpoint. */
    STARTING(0),
    /** Replaying events answered before a restart to rebuild the state; new events wait behind them. */
    RECOVERING(1),
    /** Deciding new events. */
    LIVE(2),
    /** The engine stopped (shutdown, or the journals are being reopened after a storage failure). */
    STOPPED(3);

    private final long code;

    EngineState(final long code) {
        this.code = code;
    }

    /** The counter value. */
    public long code() {
        return code;
    }

    /** The state a counter value stands for, or null for an unknown value. */
    public static EngineState of(final long code) {
        for (final EngineState state : values()) {
            if (state.code == code) {
                return state;
            }
        }
        return null;
    }
}
