package io.vigil.gateway.drift;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of feature drift monitoring (module {@code gateway}); {@link DriftContext} reads and checks them. Drift is
 * off unless {@link #REFERENCE} names a reference file. None changes a decision: all are recorded as local.
 */
public final class DriftConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key REFERENCE = KEYS.add("vigil.drift.reference", "",
        "Feature reference file (JSON, built by `vigil drift reference` from a training export); empty: feature drift is not measured. A reference of another feature set is refused at start.",
        Key.Recording.LOCAL);
    public static final Key WINDOW = KEYS.add("vigil.drift.window", "10m",
        "Event time the recent window spans (0: no time limit, then vigil.drift.window.vectors must be set).",
        Key.Recording.LOCAL);
    public static final Key WINDOW_VECTORS = KEYS.add("vigil.drift.window.vectors", "0",
        "Most sampled vectors the recent window holds (0: no count limit).", Key.Recording.LOCAL);
    public static final Key PANES = KEYS.add("vigil.drift.window.panes", "10",
        "Panes the window slides by: it drops its oldest pane when the newest spans window/panes of event time or holds window.vectors/panes vectors (1: tumbling).",
        Key.Recording.LOCAL);
    public static final Key MIN_SAMPLES = KEYS.add("vigil.drift.min.samples", "1000",
        "Vectors the window must hold before PSI and KS are reported and can alert.", Key.Recording.LOCAL);
    public static final Key SAMPLE_ONE_IN = KEYS.add("vigil.drift.sample.one.in", "10",
        "The pipeline hands one transaction's feature vector in this many to the drift thread (1: every one; at saturation on 2 cores every one cost ~15% of the throughput, one in 10 nothing measurable: docs/feature-drift.md).",
        Key.Recording.LOCAL);
    public static final Key RING_CAPACITY = KEYS.add("vigil.drift.ring.capacity", "4m",
        "Bytes of the ring that carries vectors from the pipeline to the drift thread (rounded up to a power of two); when full, vectors are dropped and counted, the pipeline never waits.",
        Key.Recording.LOCAL);
    public static final Key DRAIN_INTERVAL = KEYS.add("vigil.drift.drain.interval", "20ms",
        "How often the drift thread drains the ring into the window's sketches.", Key.Recording.LOCAL);
    public static final Key EVALUATION_INTERVAL = KEYS.add("vigil.drift.evaluation.interval", "10s",
        "How often the drift thread compares the window with the reference and publishes PSI and KS.",
        Key.Recording.LOCAL);
    public static final Key PSI_WARNING = KEYS.add("vigil.drift.psi.warning", "0.1",
        "FeatureDrift fires with severity warning for a feature whose PSI is above this.", Key.Recording.LOCAL);
    public static final Key PSI_CRITICAL = KEYS.add("vigil.drift.psi.critical", "0.25",
        "FeatureDrift fires with severity critical for a feature whose PSI is above this (at least the warning threshold).",
        Key.Recording.LOCAL);
    public static final Key SKETCH_K = KEYS.add("vigil.drift.sketch.k", "200",
        "k of the window's KLL sketches (8 to 65535): about 1.7/k rank error per pane, memory ~ k per feature and pane.",
        Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public DriftConfiguration() {
        super(KEYS_IN_ORDER, config -> new DriftContext(config).conclude());
    }
}
