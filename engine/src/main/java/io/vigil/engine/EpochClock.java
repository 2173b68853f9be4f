package io.vigil.engine;

/**
 * Epoch nanoseconds derived from {@link System#nanoTime()} and one wall-clock reading at start: monotonic,
 * allocation-free, and on the same time base as the stage stamps. The gateway reads it for ingest times; the
 * pipeline's logic never reads a clock (it takes time from the journal), only its latency stamps do.
 * It is the engine's, not the gateway's, because every writer of input records (the gateway, {@link RulesControl})
 * and the pipeline's {@link StageLatencies}, which turns those stamps back into {@link System#nanoTime()}, must share
 * one base in the process. Thread-safe.
 */
public final class EpochClock {
    private static final long BASE_NS = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

    private EpochClock() {
    }

    /** Now, in epoch nanoseconds. */
    public static long nowNs() {
        return BASE_NS + System.nanoTime();
    }

    /** The {@link System#nanoTime()} value matching an epoch time taken by this process's {@link #nowNs()}. */
    public static long toNanoTime(final long epochNs) {
        return epochNs - BASE_NS;
    }
}
