package io.vigil.gateway.alert;

/**
 * A circuit breaker for one webhook receiver: {@link State#CLOSED} lets every attempt through and counts consecutive
 * failures; {@code failureThreshold} of them open it. {@link State#OPEN} lets nothing through until the cool-down has
 * passed; then it is {@link State#HALF_OPEN} and lets exactly one probe through: its success closes the breaker, its
 * failure opens it again for another cool-down. A receiver that is down is thus tried once per cool-down, never
 * hammered.
 *
 * <p>Times are passed in (epoch ms of the {@link io.vigil.gateway.slo.WallClock}), so tests drive it with synthetic
 * time. Thread-safe (synchronized: the delivery thread writes it, snapshots read it). Allocation-free.
 */
public final class CircuitBreaker {
    /** The breaker's states. */
    public enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final int failureThreshold;
    private final long cooldownMs;
    private State state = State.CLOSED;
    private int consecutiveFailures;
    private long openedAtMs;
    private long opened;
    private boolean probing;

    public CircuitBreaker(final int failureThreshold, final long cooldownMs) {
        if (failureThreshold < 1 || cooldownMs < 1) {
            throw new IllegalArgumentException("breaker: " + failureThreshold + " failures, " + cooldownMs + " ms");
        }
        this.failureThreshold = failureThreshold;
        this.cooldownMs = cooldownMs;
    }

    /**
     * Milliseconds to wait before the next attempt may go through at {@code nowMs}: 0 when closed or once the
     * cool-down is over (an open breaker then turns half-open), the rest of the cool-down while open, and
     * {@code Long.MAX_VALUE} while a half-open probe is in flight.
     */
    public synchronized long waitMs(final long nowMs) {
        if (state == State.OPEN) {
            final long left = openedAtMs + cooldownMs - nowMs;
            if (left > 0) {
                return left;
            }
            state = State.HALF_OPEN;
            probing = false;
        }
        if (state == State.HALF_OPEN && probing) {
            return Long.MAX_VALUE;
        }
        return 0;
    }

    /**
     * Whether an attempt may go now; in half-open state only the first caller gets true (the probe) until its result
     * is reported.
     */
    public synchronized boolean tryAcquire(final long nowMs) {
        if (waitMs(nowMs) != 0) {
            return false;
        }
        if (state == State.HALF_OPEN) {
            probing = true;
        }
        return true;
    }

    /** The attempt succeeded: the breaker closes. */
    public synchronized void onSuccess() {
        state = State.CLOSED;
        consecutiveFailures = 0;
        probing = false;
    }

    /** The attempt failed at {@code nowMs}: a failed probe, or the threshold reached, opens the breaker. */
    public synchronized void onFailure(final long nowMs) {
        consecutiveFailures++;
        if (state == State.HALF_OPEN || state == State.CLOSED && consecutiveFailures >= failureThreshold) {
            state = State.OPEN;
            openedAtMs = nowMs;
            opened++;
        }
        probing = false;
    }

    /** The state now, without the open to half-open transition (that happens on the next attempt). */
    public synchronized State state() {
        return state;
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    /** When it last opened, epoch ms; 0 if never. */
    public synchronized long openedAtMs() {
        return openedAtMs;
    }

    /** Times it opened. */
    public synchronized long timesOpened() {
        return opened;
    }

    public int failureThreshold() {
        return failureThreshold;
    }

    public long cooldownMs() {
        return cooldownMs;
    }
}
