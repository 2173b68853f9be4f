package io.vigil.gateway.mirror;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of the Redis mirror of the published features (module {@code gateway}); {@link MirrorContext} reads and
 * checks them. Contributed to {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service. None changes a decision.
 */
public final class MirrorConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key REDIS_URL = KEYS.add("vigil.mirror.redis.url", "",
        "Redis the latest features are mirrored to (redis://[user:password@]host:port[/db]), on a thread of its own, each hash written only if its event index is newer than the one Redis holds (docs/feature-serving.md); empty: no mirror.",
        Key.Recording.SECRET);
    public static final Key KEY_PREFIX = KEYS.add("vigil.mirror.key.prefix", "vigil:",
        "Prefix of the mirrored keys: <prefix><tenant>:account:<id>.", Key.Recording.LOCAL);
    public static final Key BATCH_KEYS = KEYS.add("vigil.mirror.batch.keys", "512",
        "Keys the mirror writes in one pipelined round trip at most.", Key.Recording.LOCAL);
    public static final Key INTERVAL = KEYS.add("vigil.mirror.interval", "10ms",
        "Pause of the mirror after a pass over the keys that found nothing to write (and the least time between reconnection attempts is 100 times this, at least 1s).",
        Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public MirrorConfiguration() {
        super(KEYS_IN_ORDER, config -> new MirrorContext(config).conclude());
    }
}
