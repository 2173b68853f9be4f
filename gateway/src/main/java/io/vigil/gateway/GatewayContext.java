package io.vigil.gateway;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.ConfigurationException;
import io.vigil.engine.VigilConfig;

import java.nio.file.Path;
import java.util.List;

import static io.vigil.gateway.GatewayConfiguration.ADMIN_ENABLED;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_HOST;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_MAX_BODY_BYTES;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_MAX_CONNECTIONS;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_MAX_ACCEPT_RATE;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_MAX_HEADER_BYTES;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_NICE;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_PORT;
import static io.vigil.gateway.GatewayConfiguration.ADMIN_REQUEST_TIMEOUT;
import static io.vigil.gateway.GatewayConfiguration.ALLOW_INSECURE;
import static io.vigil.gateway.GatewayConfiguration.BIND_HOST;
import static io.vigil.gateway.GatewayConfiguration.CLIENT_PENDING_BYTES;
import static io.vigil.gateway.GatewayConfiguration.CREDENTIAL;
import static io.vigil.gateway.GatewayConfiguration.CREDENTIALS_FILE;
import static io.vigil.gateway.GatewayConfiguration.EGRESS_BUFFER_BYTES;
import static io.vigil.gateway.GatewayConfiguration.FRAME_TIMEOUT;
import static io.vigil.gateway.GatewayConfiguration.HEARTBEAT_INTERVAL;
import static io.vigil.gateway.GatewayConfiguration.LOGON_FAILURES_MAX;
import static io.vigil.gateway.GatewayConfiguration.LOGON_FAILURES_WINDOW;
import static io.vigil.gateway.GatewayConfiguration.MAX_CONNECTIONS;
import static io.vigil.gateway.GatewayConfiguration.PORT;
import static io.vigil.gateway.GatewayConfiguration.RESEND_WINDOW;

/**
 * The gateway's configuration (the keys of {@link GatewayConfiguration}), read from a {@link VigilConfig}, changed
 * by the fluent setters below, and checked once in {@link #conclude()}; see {@link ConfigContext}. {@link VigilServer}
 * takes one, beside the engine's {@link io.vigil.engine.EngineContext}.
 *
 * <p>Whether the credential may be used where the gateway listens (the published default beyond loopback, an empty
 * one anywhere) is decided when the server starts, not here: a replay or a check of a file has no listener.
 */
public final class GatewayContext extends ConfigContext {
    private String bindHost;
    private int port;
    private String credential;
    private Path credentialsFile;
    private boolean allowInsecure;
    private long heartbeatIntervalNs;
    private int maxConnections;
    private long frameTimeoutNs;
    private int logonFailuresMax;
    private long logonFailuresWindowNs;
    private int clientPendingBytes;
    private int egressBufferBytes;
    private int resendWindowEvents;
    private boolean adminEnabled;
    private String adminHost;
    private int adminPort;
    private int adminMaxConnections;
    private int adminMaxAcceptRate;
    private int adminMaxBodyBytes;
    private int adminMaxHeaderBytes;
    private long adminRequestTimeoutNs;
    private int adminNice;

    /** Seeded from {@code config}; set what differs, then {@link #conclude()}. */
    public GatewayContext(final VigilConfig config) {
        super(config);
    }

    /**
     * Reads and checks every gateway key once, then freezes the context; again, it does nothing.
     *
     * @throws ConfigurationException naming every bad key.
     */
    public GatewayContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return GatewayConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        bindHost = v.string(BIND_HOST);
        port = v.integer(PORT, 0, 65_535);
        credential = v.string(CREDENTIAL);
        final String file = v.string(CREDENTIALS_FILE);
        credentialsFile = file.isEmpty() ? null : Path.of(file);
        allowInsecure = v.bool(ALLOW_INSECURE);
        heartbeatIntervalNs = v.durationNs(HEARTBEAT_INTERVAL, 1);
        maxConnections = v.integer(MAX_CONNECTIONS, 1);
        frameTimeoutNs = v.durationNs(FRAME_TIMEOUT, 1);
        logonFailuresMax = v.integer(LOGON_FAILURES_MAX, 1);
        logonFailuresWindowNs = v.durationNs(LOGON_FAILURES_WINDOW, 1);
        clientPendingBytes = v.integer(CLIENT_PENDING_BYTES, 1);
        egressBufferBytes = v.integer(EGRESS_BUFFER_BYTES, 1);
        resendWindowEvents = v.integer(RESEND_WINDOW, 1);
        adminEnabled = v.bool(ADMIN_ENABLED);
        adminHost = v.string(ADMIN_HOST);
        adminPort = v.integer(ADMIN_PORT, 0, 65_535);
        adminMaxConnections = v.integer(ADMIN_MAX_CONNECTIONS, 1);
        adminMaxAcceptRate = v.integer(ADMIN_MAX_ACCEPT_RATE, 1);
        adminMaxBodyBytes = v.integer(ADMIN_MAX_BODY_BYTES, 0);
        adminMaxHeaderBytes = v.integer(ADMIN_MAX_HEADER_BYTES, 256);
        adminRequestTimeoutNs = v.durationNs(ADMIN_REQUEST_TIMEOUT, 1_000_000);
        adminNice = v.integer(ADMIN_NICE, 0, 19);
        if (v.sound() && adminEnabled && adminPort != 0 && adminPort == port) {
            v.problem(ADMIN_PORT.name() + "=" + adminPort + " is also " + PORT.name() +
                ": the admin server and the TCP gateway need ports of their own");
        }
    }

    // --- accessors (after conclude) and setters (before it) ---

    /** {@link GatewayConfiguration#BIND_HOST}. */
    public String bindHost() {
        requireConcluded();
        return bindHost;
    }

    public GatewayContext bindHost(final String host) {
        set(BIND_HOST, host);
        return this;
    }

    /** {@link GatewayConfiguration#PORT}; 0 picks a free one. */
    public int port() {
        requireConcluded();
        return port;
    }

    public GatewayContext port(final int port) {
        set(PORT, Integer.toString(port));
        return this;
    }

    /** The shared secret without a credentials file ({@link GatewayConfiguration#CREDENTIAL}). */
    public String credential() {
        requireConcluded();
        return credential;
    }

    public GatewayContext credential(final String secret) {
        set(CREDENTIAL, secret);
        return this;
    }

    /** {@link GatewayConfiguration#CREDENTIALS_FILE}, null for the shared secret. */
    public Path credentialsFile() {
        requireConcluded();
        return credentialsFile;
    }

    public GatewayContext credentialsFile(final Path file) {
        set(CREDENTIALS_FILE, file == null ? "" : file.toString());
        return this;
    }

    /** {@link GatewayConfiguration#ALLOW_INSECURE}. */
    public boolean allowInsecure() {
        requireConcluded();
        return allowInsecure;
    }

    public GatewayContext allowInsecure(final boolean allow) {
        set(ALLOW_INSECURE, Boolean.toString(allow));
        return this;
    }

    /** {@link GatewayConfiguration#HEARTBEAT_INTERVAL}. */
    public long heartbeatIntervalNs() {
        requireConcluded();
        return heartbeatIntervalNs;
    }

    public GatewayContext heartbeatIntervalNs(final long ns) {
        set(HEARTBEAT_INTERVAL, ns + "ns");
        return this;
    }

    /** {@link GatewayConfiguration#MAX_CONNECTIONS}. */
    public int maxConnections() {
        requireConcluded();
        return maxConnections;
    }

    public GatewayContext maxConnections(final int connections) {
        set(MAX_CONNECTIONS, Integer.toString(connections));
        return this;
    }

    /** {@link GatewayConfiguration#FRAME_TIMEOUT}. */
    public long frameTimeoutNs() {
        requireConcluded();
        return frameTimeoutNs;
    }

    public GatewayContext frameTimeoutNs(final long ns) {
        set(FRAME_TIMEOUT, ns + "ns");
        return this;
    }

    /** {@link GatewayConfiguration#LOGON_FAILURES_MAX}. */
    public int logonFailuresMax() {
        requireConcluded();
        return logonFailuresMax;
    }

    public GatewayContext logonFailuresMax(final int failures) {
        set(LOGON_FAILURES_MAX, Integer.toString(failures));
        return this;
    }

    /** {@link GatewayConfiguration#LOGON_FAILURES_WINDOW}. */
    public long logonFailuresWindowNs() {
        requireConcluded();
        return logonFailuresWindowNs;
    }

    public GatewayContext logonFailuresWindowNs(final long ns) {
        set(LOGON_FAILURES_WINDOW, ns + "ns");
        return this;
    }

    /** {@link GatewayConfiguration#CLIENT_PENDING_BYTES}. */
    public int clientPendingBytes() {
        requireConcluded();
        return clientPendingBytes;
    }

    public GatewayContext clientPendingBytes(final int bytes) {
        set(CLIENT_PENDING_BYTES, Integer.toString(bytes));
        return this;
    }

    /** {@link GatewayConfiguration#EGRESS_BUFFER_BYTES}. */
    public int egressBufferBytes() {
        requireConcluded();
        return egressBufferBytes;
    }

    public GatewayContext egressBufferBytes(final int bytes) {
        set(EGRESS_BUFFER_BYTES, Integer.toString(bytes));
        return this;
    }

    /** {@link GatewayConfiguration#RESEND_WINDOW}. */
    public int resendWindowEvents() {
        requireConcluded();
        return resendWindowEvents;
    }

    public GatewayContext resendWindowEvents(final int events) {
        set(RESEND_WINDOW, Integer.toString(events));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_ENABLED}. */
    public boolean adminEnabled() {
        requireConcluded();
        return adminEnabled;
    }

    public GatewayContext adminEnabled(final boolean enabled) {
        set(ADMIN_ENABLED, Boolean.toString(enabled));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_HOST}. */
    public String adminHost() {
        requireConcluded();
        return adminHost;
    }

    public GatewayContext adminHost(final String host) {
        set(ADMIN_HOST, host);
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_PORT}; 0 picks a free one. */
    public int adminPort() {
        requireConcluded();
        return adminPort;
    }

    public GatewayContext adminPort(final int port) {
        set(ADMIN_PORT, Integer.toString(port));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_MAX_CONNECTIONS}. */
    public int adminMaxConnections() {
        requireConcluded();
        return adminMaxConnections;
    }

    public GatewayContext adminMaxConnections(final int connections) {
        set(ADMIN_MAX_CONNECTIONS, Integer.toString(connections));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_MAX_ACCEPT_RATE}. */
    public int adminMaxAcceptRate() {
        requireConcluded();
        return adminMaxAcceptRate;
    }

    public GatewayContext adminMaxAcceptRate(final int connectionsPerSecond) {
        set(ADMIN_MAX_ACCEPT_RATE, Integer.toString(connectionsPerSecond));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_MAX_BODY_BYTES}. */
    public int adminMaxBodyBytes() {
        requireConcluded();
        return adminMaxBodyBytes;
    }

    public GatewayContext adminMaxBodyBytes(final int bytes) {
        set(ADMIN_MAX_BODY_BYTES, Integer.toString(bytes));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_MAX_HEADER_BYTES}. */
    public int adminMaxHeaderBytes() {
        requireConcluded();
        return adminMaxHeaderBytes;
    }

    public GatewayContext adminMaxHeaderBytes(final int bytes) {
        set(ADMIN_MAX_HEADER_BYTES, Integer.toString(bytes));
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_REQUEST_TIMEOUT}. */
    public long adminRequestTimeoutNs() {
        requireConcluded();
        return adminRequestTimeoutNs;
    }

    public GatewayContext adminRequestTimeoutNs(final long ns) {
        set(ADMIN_REQUEST_TIMEOUT, ns + "ns");
        return this;
    }

    /** {@link GatewayConfiguration#ADMIN_NICE}. */
    public int adminNice() {
        requireConcluded();
        return adminNice;
    }

    public GatewayContext adminNice(final int nice) {
        set(ADMIN_NICE, Integer.toString(nice));
        return this;
    }
}
