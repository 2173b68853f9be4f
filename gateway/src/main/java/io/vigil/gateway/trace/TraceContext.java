package io.vigil.gateway.trace;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;

import java.nio.file.Path;
import java.util.List;

import static io.vigil.gateway.trace.TraceConfiguration.ENABLED;
import static io.vigil.gateway.trace.TraceConfiguration.KEEP;
import static io.vigil.gateway.trace.TraceConfiguration.OTLP_FILE;
import static io.vigil.gateway.trace.TraceConfiguration.SAMPLE_EVERY;
import static io.vigil.gateway.trace.TraceConfiguration.SLOW_THRESHOLD;

/**
 * The slow-event trace configuration (the keys of {@link TraceConfiguration}), read from a {@link VigilConfig},
 * changed by the fluent setters, checked once in {@link #conclude()}; see {@link ConfigContext}. Not thread-safe while
 * being set; immutable once concluded.
 */
public final class TraceContext extends ConfigContext {
    private boolean enabled;
    private long slowThresholdNs;
    private int sampleEvery;
    private int keep;
    private Path otlpFile;

    public TraceContext(final VigilConfig config) {
        super(config);
    }

    /** Reads and checks every key once, then freezes the context. */
    public TraceContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return TraceConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        enabled = v.bool(ENABLED);
        slowThresholdNs = v.durationNs(SLOW_THRESHOLD, 0);
        sampleEvery = v.integer(SAMPLE_EVERY, 0);
        keep = v.integer(KEEP, 1, 1_000_000);
        final String file = v.string(OTLP_FILE);
        otlpFile = file.isEmpty() ? null : Path.of(file);
    }

    /** {@link TraceConfiguration#ENABLED}. */
    public boolean enabled() {
        requireConcluded();
        return enabled;
    }

    public TraceContext enabled(final boolean enabled) {
        set(ENABLED, Boolean.toString(enabled));
        return this;
    }

    /** {@link TraceConfiguration#SLOW_THRESHOLD}. */
    public long slowThresholdNs() {
        requireConcluded();
        return slowThresholdNs;
    }

    public TraceContext slowThresholdNs(final long ns) {
        set(SLOW_THRESHOLD, ns + "ns");
        return this;
    }

    /** {@link TraceConfiguration#SAMPLE_EVERY}; 0: no sampling. */
    public int sampleEvery() {
        requireConcluded();
        return sampleEvery;
    }

    public TraceContext sampleEvery(final int every) {
        set(SAMPLE_EVERY, Integer.toString(every));
        return this;
    }

    /** {@link TraceConfiguration#KEEP}. */
    public int keep() {
        requireConcluded();
        return keep;
    }

    public TraceContext keep(final int traces) {
        set(KEEP, Integer.toString(traces));
        return this;
    }

    /** {@link TraceConfiguration#OTLP_FILE}, null for none. */
    public Path otlpFile() {
        requireConcluded();
        return otlpFile;
    }

    public TraceContext otlpFile(final Path file) {
        set(OTLP_FILE, file == null ? "" : file.toString());
        return this;
    }
}
