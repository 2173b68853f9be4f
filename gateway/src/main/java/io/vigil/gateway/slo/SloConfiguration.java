package io.vigil.gateway.slo;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of the service level objectives and their error budgets (module {@code gateway}); {@link SloContext}
 * reads and checks them. Contributed to {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service. None changes a decision:
 * they are recorded as local, never taken over by a replay.
 */
public final class SloConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key ENABLED = KEYS.add("vigil.slo.enabled", "true",
        "Whether the server evaluates its SLOs (error budgets and burn rates, vigil-slo thread); false: no SLO alerts either.",
        Key.Recording.LOCAL);
    public static final Key LATENCY_TARGET = KEYS.add("vigil.slo.latency.target", "0.999",
        "Latency SLO: fraction of pipeline answers that must reach their socket within the threshold (between 0 and 1, exclusive).",
        Key.Recording.LOCAL);
    public static final Key LATENCY_THRESHOLD = KEYS.add("vigil.slo.latency.threshold", "1ms",
        "Latency SLO threshold: from the event's ingest stamp (taken as its frame is decoded) to its answer written to the socket.",
        Key.Recording.LOCAL);
    public static final Key AVAILABILITY_TARGET = KEYS.add("vigil.slo.availability.target", "0.9999",
        "Availability SLO: fraction of events that must be answered without JOURNAL_UNAVAILABLE or INTERNAL_ERROR (between 0 and 1, exclusive).",
        Key.Recording.LOCAL);
    public static final Key PERIOD = KEYS.add("vigil.slo.period", "30d",
        "Period of the error budget: the budget left is over the last period, or since the server started if that is shorter.",
        Key.Recording.LOCAL);
    public static final Key SAMPLE_INTERVAL = KEYS.add("vigil.slo.sample.interval", "10s",
        "How often the SLO thread samples the counters and evaluates the burn rates (between 1s and 5m).",
        Key.Recording.LOCAL);
    public static final Key READINESS_FAST_BURN = KEYS.add("vigil.slo.readiness.fast.burn", "true",
        "Whether a fast burn (an SLO paging: 1h and 5m above 14.4x, or 6h and 30m above 6x) makes the server report not ready.",
        Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public SloConfiguration() {
        super(KEYS_IN_ORDER, config -> new SloContext(config).conclude());
    }
}
