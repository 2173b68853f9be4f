package io.vigil.gateway.synthetic;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;

import java.util.List;

import static io.vigil.gateway.synthetic.SyntheticConfiguration.INTERVAL;
import static io.vigil.gateway.synthetic.SyntheticConfiguration.TARGET;
import static io.vigil.gateway.synthetic.SyntheticConfiguration.TIMEOUT;

/**
 * The synthetic prober's configuration (the keys of {@link SyntheticConfiguration}), read from a {@link VigilConfig},
 * changed by the fluent setters, checked once in {@link #conclude()}; see {@link ConfigContext}. Not thread-safe while
 * being set; immutable once concluded.
 */
public final class SyntheticContext extends ConfigContext {
    private long intervalNs;
    private long timeoutNs;
    private double target;

    public SyntheticContext(final VigilConfig config) {
        super(config);
    }

    /** Reads and checks every key once, then freezes the context. */
    public SyntheticContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return SyntheticConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        intervalNs = v.durationNs(INTERVAL, 0);
        if (v.sound() && intervalNs != 0 && intervalNs < 10_000_000L) {
            v.invalid(INTERVAL, "must be 0 (off) or at least 10ms");
        }
        timeoutNs = v.durationNs(TIMEOUT, 1_000_000L);
        target = v.fraction(TARGET);
        if (v.sound() && !(target > 0 && target < 1)) {
            v.invalid(TARGET, "must be above 0 and below 1 (a target of 1 leaves no error budget)");
        }
    }

    /** Whether the prober runs ({@link SyntheticConfiguration#INTERVAL} is not 0). */
    public boolean enabled() {
        return intervalNs() > 0;
    }

    /** {@link SyntheticConfiguration#INTERVAL}, 0 for off. */
    public long intervalNs() {
        requireConcluded();
        return intervalNs;
    }

    public SyntheticContext intervalNs(final long ns) {
        set(INTERVAL, ns + "ns");
        return this;
    }

    /** {@link SyntheticConfiguration#TIMEOUT}. */
    public long timeoutNs() {
        requireConcluded();
        return timeoutNs;
    }

    public SyntheticContext timeoutNs(final long ns) {
        set(TIMEOUT, ns + "ns");
        return this;
    }

    /** {@link SyntheticConfiguration#TARGET}. */
    public double target() {
        requireConcluded();
        return target;
    }

    public SyntheticContext target(final double target) {
        set(TARGET, Double.toString(target));
        return this;
    }
}
