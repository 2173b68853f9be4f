package io.vigil.gateway.trace;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of slow-event traces (module {@code gateway}); {@link TraceContext} reads and checks them. Contributed to
 * {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service. None changes a decision: recorded as local.
 */
public final class TraceConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key ENABLED = KEYS.add("vigil.trace.enabled", "false",
        "Whether the gateway keeps the stage breakdown of slow and sampled events (GET /traces/slow, vigil trace). Off by default: on, each answer carries its stage times to the network thread, which costs ~10% of the saturated throughput (docs/performance.md); false: the network thread does nothing for traces.",
        Key.Recording.LOCAL);
    public static final Key SLOW_THRESHOLD = KEYS.add("vigil.trace.slow.threshold", "1ms",
        "An event whose answer reaches its socket this long or longer after its ingest stamp is kept as a slow trace (0: every event).",
        Key.Recording.LOCAL);
    public static final Key SAMPLE_EVERY = KEYS.add("vigil.trace.sample.every", "10000",
        "Besides the slow ones, one answer in this many is kept as a sampled trace; 0: no sampling.",
        Key.Recording.LOCAL);
    public static final Key KEEP = KEYS.add("vigil.trace.keep", "1024",
        "How many recent traces the server keeps in memory for GET /traces/slow (the oldest go first).",
        Key.Recording.LOCAL);
    public static final Key OTLP_FILE = KEYS.add("vigil.trace.otlp.file", "",
        "File the server appends every kept trace to as OpenTelemetry spans, in OTLP/JSON, one export request per line (what the OpenTelemetry Collector's otlpjsonfile receiver reads); empty: none.",
        Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public TraceConfiguration() {
        super(KEYS_IN_ORDER, config -> new TraceContext(config).conclude());
    }
}
