package io.vigil.gateway.slo;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.vigil.gateway.slo.SloConfiguration.AVAILABILITY_TARGET;
import static io.vigil.gateway.slo.SloConfiguration.ENABLED;
import static io.vigil.gateway.slo.SloConfiguration.LATENCY_TARGET;
import static io.vigil.gateway.slo.SloConfiguration.LATENCY_THRESHOLD;
import static io.vigil.gateway.slo.SloConfiguration.PERIOD;
import static io.vigil.gateway.slo.SloConfiguration.READINESS_FAST_BURN;
import static io.vigil.gateway.slo.SloConfiguration.SAMPLE_INTERVAL;

/**
 * The SLO configuration (the keys of {@link SloConfiguration}), read from a {@link VigilConfig}, changed by the
 * fluent setters, checked once in {@link #conclude()}; see {@link ConfigContext}. Not thread-safe while being set;
 * immutable once concluded.
 */
public final class SloContext extends ConfigContext {
    private boolean enabled;
    private double latencyTarget;
    private long latencyThresholdNs;
    private double availabilityTarget;
    private long periodMs;
    private long sampleIntervalMs;
    private boolean readinessFastBurn;

    public SloContext(final VigilConfig config) {
        super(config);
    }

    /** Reads and checks every key once, then freezes the context. */
    public SloContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return SloConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        enabled = v.bool(ENABLED);
        latencyTarget = target(v, LATENCY_TARGET);
        latencyThresholdNs = v.durationNs(LATENCY_THRESHOLD, 1);
        availabilityTarget = target(v, AVAILABILITY_TARGET);
        periodMs = TimeUnit.NANOSECONDS.toMillis(v.durationNs(PERIOD, TimeUnit.HOURS.toNanos(1)));
        sampleIntervalMs = TimeUnit.NANOSECONDS.toMillis(v.durationNs(SAMPLE_INTERVAL, TimeUnit.SECONDS.toNanos(1)));
        if (sampleIntervalMs > TimeUnit.MINUTES.toMillis(5)) {
            v.invalid(SAMPLE_INTERVAL, "must be at most 5m (the shortest burn-rate window)");
        }
        readinessFastBurn = v.bool(READINESS_FAST_BURN);
    }

    private static double target(final Values v, final VigilConfig.Key key) {
        final double target = v.fraction(key);
        if (v.sound() && !(target > 0 && target < 1)) {
            v.invalid(key, "must be above 0 and below 1 (a target of 1 leaves no error budget)");
        }
        return target;
    }

    public boolean enabled() {
        requireConcluded();
        return enabled;
    }

    public SloContext enabled(final boolean enabled) {
        set(ENABLED, Boolean.toString(enabled));
        return this;
    }

    public double latencyTarget() {
        requireConcluded();
        return latencyTarget;
    }

    public SloContext latencyTarget(final double target) {
        set(LATENCY_TARGET, Double.toString(target));
        return this;
    }

    public long latencyThresholdNs() {
        requireConcluded();
        return latencyThresholdNs;
    }

    public SloContext latencyThresholdNs(final long ns) {
        set(LATENCY_THRESHOLD, ns + "ns");
        return this;
    }

    public double availabilityTarget() {
        requireConcluded();
        return availabilityTarget;
    }

    public SloContext availabilityTarget(final double target) {
        set(AVAILABILITY_TARGET, Double.toString(target));
        return this;
    }

    public long periodMs() {
        requireConcluded();
        return periodMs;
    }

    public SloContext periodMs(final long ms) {
        set(PERIOD, ms + "ms");
        return this;
    }

    public long sampleIntervalMs() {
        requireConcluded();
        return sampleIntervalMs;
    }

    public SloContext sampleIntervalMs(final long ms) {
        set(SAMPLE_INTERVAL, ms + "ms");
        return this;
    }

    public boolean readinessFastBurn() {
        requireConcluded();
        return readinessFastBurn;
    }

    public SloContext readinessFastBurn(final boolean affects) {
        set(READINESS_FAST_BURN, Boolean.toString(affects));
        return this;
    }
}
