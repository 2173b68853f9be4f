package io.vigil.gateway.slo;

/**
 * Where the SLO evaluator and the alerting take the time from, in epoch milliseconds: the system clock in a server,
 * a synthetic one in tests (which drive burn-rate windows, breaker cool-downs and alert times with it). Control
 * plane only: the hot path never reads it. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface WallClock {
    /** The system clock. */
    WallClock SYSTEM = System::currentTimeMillis;

    /** Now, in milliseconds since the epoch. */
    long nowMs();
}
