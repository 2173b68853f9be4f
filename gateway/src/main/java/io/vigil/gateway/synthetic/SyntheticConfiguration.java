package io.vigil.gateway.synthetic;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of the built-in synthetic prober (module {@code gateway}); {@link SyntheticContext} reads and checks them.
 * Contributed to {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service. None changes a decision: recorded as local.
 */
public final class SyntheticConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key INTERVAL = KEYS.add("vigil.synthetic.interval", "0",
        "How often the server's built-in prober sends one synthetic transaction end to end through its own TCP gateway (vigil_synthetic_* metrics, the synthetic SLO); 0: no prober. It is left out of the event and decision counts.",
        Key.Recording.LOCAL);
    public static final Key TIMEOUT = KEYS.add("vigil.synthetic.timeout", "5s",
        "A synthetic probe without its Decision this long after it was sent fails (and the prober reconnects).",
        Key.Recording.LOCAL);
    public static final Key TARGET = KEYS.add("vigil.slo.synthetic.target", "0.99",
        "Synthetic SLO (evaluated while the prober runs): fraction of synthetic probes that must succeed (between 0 and 1, exclusive).",
        Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public SyntheticConfiguration() {
        super(KEYS_IN_ORDER, config -> new SyntheticContext(config).conclude());
    }
}
