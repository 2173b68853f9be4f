package io.vigil.scoring.time;

/**
 * Receives the results of closed event-time windows, one call per key, window and firing (the engine's window-results
 * journal is one). Called on the pipeline thread; {@code values} is valid during the call only.
 */
@FunctionalInterface
public interface WindowResultSink {
    /**
     * An on-time result (firing 0), or a sink that does not tell firings apart.
     *
     * @param window  the producer (its {@link EventTimeWindows#windowId()}, name and value names).
     * @param startNs inclusive start of the window, event time.
     * @param endNs   exclusive end of the window, event time.
     * @param values  {@code values[0 .. valueCount)} in the order of {@link EventTimeWindows#valueNames()}.
     */
    void onWindow(EventTimeWindows window, int tenant, long key, long startNs, long endNs, double[] values, int valueCount);

    /**
     * A result with its firing number: 0 for the first result of the window, 1, 2... for each late firing (a revised
     * result after late events within the allowed lateness; it replaces the earlier ones: for a session, every earlier
     * result of the same producer and key whose window lies within this one's). The default passes it to
     * {@link #onWindow(EventTimeWindows, int, long, long, long, double[], int)}.
     */
    default void onWindow(final EventTimeWindows window, final int tenant, final long key, final long startNs,
                          final long endNs, final double[] values, final int valueCount, final int firing) {
        onWindow(window, tenant, key, startNs, endNs, values, valueCount);
    }
}
