package io.vigil.gateway.resp;

import io.vigil.gateway.GatewayKeys;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;
import io.vigil.gateway.GatewayConfiguration;

import java.util.List;

/**
 * The keys of the RESP (Redis protocol) feature server (module {@code gateway}); {@link RespContext} reads and checks
 * them. Contributed to {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service. None changes a decision: recorded as
 * local.
 */
public final class RespConfiguration extends GatewayKeys {
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(GatewayConfiguration.MODULE);

    public static final Key ENABLED = KEYS.add("vigil.resp.enabled", "false",
        "Whether the server answers the Redis protocol (RESP2/RESP3, read-only: HGETALL account:42, HMGET, GET, EXISTS, ...) with the accounts' latest features, on a thread of its own (docs/feature-serving.md).",
        Key.Recording.LOCAL);
    public static final Key HOST = KEYS.add("vigil.resp.host", "127.0.0.1",
        "Address the RESP feature server listens on.", Key.Recording.LOCAL);
    public static final Key PORT = KEYS.add("vigil.resp.port", "7379",
        "TCP port of the RESP feature server; 0 picks a free port.", Key.Recording.LOCAL);
    public static final Key MAX_CONNECTIONS = KEYS.add("vigil.resp.max.connections", "256",
        "RESP connections held at once; one more is answered -ERR max number of clients reached and closed.",
        Key.Recording.LOCAL);
    public static final Key MAX_ARGUMENTS = KEYS.add("vigil.resp.max.arguments", "1024",
        "Most arguments of one RESP command (HMGET's field names included); a longer command is answered -ERR and the connection closed.",
        Key.Recording.LOCAL);
    public static final Key MAX_ARGUMENT_BYTES = KEYS.add("vigil.resp.max.argument.bytes", "4k",
        "Longest RESP argument (bulk string), and longest inline command line; longer is answered -ERR and the connection closed.",
        Key.Recording.LOCAL);
    public static final Key MAX_PENDING_BYTES = KEYS.add("vigil.resp.max.pending.bytes", "1m",
        "Replies queued for a RESP client that does not read them, above which the server stops reading its commands.",
        Key.Recording.LOCAL);
    public static final Key IDLE_TIMEOUT = KEYS.add("vigil.resp.idle.timeout", "5m",
        "A RESP connection that sends nothing this long is closed; 0: never.", Key.Recording.LOCAL);

    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public RespConfiguration() {
        super(KEYS_IN_ORDER, config -> new RespContext(config).conclude());
    }
}
