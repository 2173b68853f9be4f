package io.vigil.scoring.time;

/**
 * Receives the results of closed event-time windows, one call per key and window (the engine's window-results
 * journal is one). Called on the pipeline thread; {@code values} is valid during the call only.
 */
@FunctionalInterface
public interface WindowResultSink {
    /**
     * @param window  the producer (its {@link EventTimeWindows#windowId()}, name and value names).
     * @param startNs inclusive start of the window, event time.
     * @param endNs   exclusive end of the window, event time.
     * @param values  {@code values[0 .. valueCount)} in the order of {@link EventTimeWindows#valueNames()}.
     */
    void onWindow(EventTimeWindows window, int tenant, long key, long startNs, long endNs, double[] values, int valueCount);
}
