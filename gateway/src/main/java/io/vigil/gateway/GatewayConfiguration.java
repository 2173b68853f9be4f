package io.vigil.gateway;

import io.vigil.engine.VigilConfig;
import io.vigil.engine.VigilConfig.Key;

import java.util.List;

/**
 * The gateway's configuration keys, their defaults and meanings, in one place; {@link GatewayContext} reads and
 * checks them. Contributed to {@link VigilConfig} as a {@link io.vigil.engine.ConfigKeys} service ({@code META-INF/services}), so that
 * every module's key lookup, check for unknown keys and run context know them. The frame limit
 * ({@link VigilConfig#MAX_FRAME_BYTES}) is the engine's: its ring slots are sized by it.
 */
public final class GatewayConfiguration extends GatewayKeys {
    /** The module name in the README's table. */
    public static final String MODULE = "gateway";
    private static final VigilConfig.KeyList KEYS = new VigilConfig.KeyList(MODULE);

    public static final Key BIND_HOST = KEYS.add("vigil.bind.host", "127.0.0.1",
        "Address the TCP gateway listens on.", Key.Recording.LOCAL);
    public static final Key PORT = KEYS.add("vigil.port", "7070",
        "TCP port of the gateway; 0 picks a free port.", Key.Recording.LOCAL);
    public static final Key CREDENTIAL = KEYS.add("vigil.credential", "vigil-demo-secret",
        "Without a credentials file: the one secret every Logon carries (US-ASCII, at most 32 bytes), logging any client id on as tenant 1. Change it for anything but a demo.",
        Key.Recording.SECRET);
    public static final Key CREDENTIALS_FILE = KEYS.add("vigil.credentials.file", "",
        "File of client credentials, one 'clientId tenantId pbkdf2-sha256$iterations$salt$hash' line each (vigil credentials add writes them); each client logs on with its own secret as its own tenant. Empty: vigil.credential for all, as tenant 1.",
        Key.Recording.LOCAL);
    public static final Key ALLOW_INSECURE = KEYS.add("vigil.bind.allow.insecure", "false",
        "true lets the gateway start with the published default credential on an address other than loopback, or with an empty credential anywhere; both are refused otherwise. Never for production.");
    public static final Key HEARTBEAT_INTERVAL = KEYS.add("vigil.heartbeat.interval", "1s",
        "Server heartbeat interval; a connection silent for 3 intervals is closed.");
    public static final Key MAX_CONNECTIONS = KEYS.add("vigil.max.connections", "64",
        "Connections the gateway holds at once; one more is rejected with TOO_MANY_CONNECTIONS and closed.");
    public static final Key FRAME_TIMEOUT = KEYS.add("vigil.frame.timeout", "5s",
        "How long a frame may stay incomplete before the connection is rejected with FRAME_TIMEOUT and closed.");
    public static final Key LOGON_FAILURES_MAX = KEYS.add("vigil.logon.failures.max", "5",
        "Failed Logons from one address within the window after which its connections are refused.");
    public static final Key LOGON_FAILURES_WINDOW = KEYS.add("vigil.logon.failures.window", "1m",
        "Window over which failed Logons are counted, and how long an address stays refused.");
    public static final Key CLIENT_PENDING_BYTES = KEYS.add("vigil.client.pending.bytes", "4m",
        "Answers queued for a client that does not read them, above which the gateway stops reading its events.");
    public static final Key EGRESS_BUFFER_BYTES = KEYS.add("vigil.egress.buffer.bytes", "4m",
        "Ring buffer between the pipeline and the network thread that carries answers.");
    public static final Key RESEND_WINDOW = KEYS.add("vigil.resend.window.events", "65536",
        "A client's latest journaled events that a resend can be answered for from the journals; a resend of an older sequence is rejected with SEQUENCE_NOT_INCREASING.");

    public static final Key ADMIN_ENABLED = KEYS.add("vigil.admin.enabled", "true",
        "Whether vigil run starts the HTTP admin server (dashboard /, /metrics, /health/live, /health/ready, /slo, /alerts, /traces/slow, /drift, /features/{entity-type}/{key}, /api; docs/admin-api.md). vigil demo and vigil bench start it on a free port unless vigil.admin.port is set.",
        Key.Recording.LOCAL);
    public static final Key ADMIN_HOST = KEYS.add("vigil.admin.host", "127.0.0.1",
        "Address the HTTP admin server listens on (no authentication yet: keep it on loopback or a private network).",
        Key.Recording.LOCAL);
    public static final Key ADMIN_PORT = KEYS.add("vigil.admin.port", "7071",
        "TCP port of the HTTP admin server; 0 picks a free port.", Key.Recording.LOCAL);
    public static final Key ADMIN_MAX_CONNECTIONS = KEYS.add("vigil.admin.max.connections", "16",
        "HTTP connections the admin server holds at once; one more is answered 503 and closed.", Key.Recording.LOCAL);
    public static final Key ADMIN_MAX_ACCEPT_RATE = KEYS.add("vigil.admin.max.accept.rate", "200",
        "New HTTP connections a second the admin server accepts (burst as many); faster ones are closed unanswered and accepting pauses, so the kernel drops a flood's further attempts. Keep-alive clients (Prometheus, the dashboard) open one.",
        Key.Recording.LOCAL);
    public static final Key ADMIN_MAX_BODY_BYTES = KEYS.add("vigil.admin.max.body.bytes", "64k",
        "Largest admin request body; a longer one is answered 413 and the connection closed.", Key.Recording.LOCAL);
    public static final Key ADMIN_MAX_HEADER_BYTES = KEYS.add("vigil.admin.max.header.bytes", "8k",
        "Largest admin request header block (the request line may be up to 4k); longer is answered 431 (414 for the line) and closed.",
        Key.Recording.LOCAL);
    public static final Key ADMIN_REQUEST_TIMEOUT = KEYS.add("vigil.admin.request.timeout", "10s",
        "Time an admin request may take to arrive in full, counted from the connection's opening or its previous answer; then a partial request is answered 408 and an idle connection closed.",
        Key.Recording.LOCAL);

    public static final Key ADMIN_NICE = KEYS.add("vigil.admin.nice", "10",
        "Linux nice value of the admin server's thread (0 to 19; 0: the process's own): a flood of admin requests then yields the cores to the gateway and pipeline threads.",
        Key.Recording.LOCAL);

    /** The keys above, in declaration order. */
    static final List<Key> KEYS_IN_ORDER = KEYS.keys();

    /** For {@link java.util.ServiceLoader}; the keys are the constants above. */
    public GatewayConfiguration() {
        super(KEYS_IN_ORDER, config -> new GatewayContext(config).conclude());
    }
}
