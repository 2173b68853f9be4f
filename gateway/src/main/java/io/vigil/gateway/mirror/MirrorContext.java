package io.vigil.gateway.mirror;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;

import java.net.URI;
import java.util.List;

import static io.vigil.gateway.mirror.MirrorConfiguration.BATCH_KEYS;
import static io.vigil.gateway.mirror.MirrorConfiguration.INTERVAL;
import static io.vigil.gateway.mirror.MirrorConfiguration.KEY_PREFIX;
import static io.vigil.gateway.mirror.MirrorConfiguration.REDIS_URL;

/**
 * The Redis mirror's configuration (the keys of {@link MirrorConfiguration}), read from a {@link VigilConfig},
 * changed by the fluent setters, checked once in {@link #conclude()}; see {@link ConfigContext}. Not thread-safe while
 * being set; immutable once concluded.
 */
public final class MirrorContext extends ConfigContext {
    private URI redisUrl;
    private String keyPrefix;
    private int batchKeys;
    private long intervalNs;

    public MirrorContext(final VigilConfig config) {
        super(config);
    }

    /** Reads and checks every key once, then freezes the context. */
    public MirrorContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return MirrorConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        final String url = v.string(REDIS_URL);
        redisUrl = null;
        if (!url.isEmpty()) {
            try {
                redisUrl = URI.create(url);
                if (!"redis".equals(redisUrl.getScheme()) && !"rediss".equals(redisUrl.getScheme()) ||
                    redisUrl.getHost() == null) {
                    v.invalid(REDIS_URL, "a Redis URL is redis://[user:password@]host:port[/db]");
                }
            } catch (final IllegalArgumentException ex) {
                v.invalid(REDIS_URL, "not a URL: " + ex.getMessage());
            }
        }
        keyPrefix = v.string(KEY_PREFIX);
        batchKeys = v.integer(BATCH_KEYS, 1, 1 << 16);
        intervalNs = v.durationNs(INTERVAL, 1_000_000);
    }

    /** True when {@link MirrorConfiguration#REDIS_URL} names a Redis. */
    public boolean enabled() {
        requireConcluded();
        return redisUrl != null;
    }

    /** {@link MirrorConfiguration#REDIS_URL}, null for none. */
    public URI redisUrl() {
        requireConcluded();
        return redisUrl;
    }

    public MirrorContext redisUrl(final String url) {
        set(REDIS_URL, url);
        return this;
    }

    /** {@link MirrorConfiguration#KEY_PREFIX}. */
    public String keyPrefix() {
        requireConcluded();
        return keyPrefix;
    }

    /** {@link MirrorConfiguration#BATCH_KEYS}. */
    public int batchKeys() {
        requireConcluded();
        return batchKeys;
    }

    public MirrorContext batchKeys(final int keys) {
        set(BATCH_KEYS, Integer.toString(keys));
        return this;
    }

    /** {@link MirrorConfiguration#INTERVAL}. */
    public long intervalNs() {
        requireConcluded();
        return intervalNs;
    }
}
