package io.vigil.gateway.resp;

import io.vigil.engine.ConfigContext;
import io.vigil.engine.VigilConfig;

import java.util.List;

import static io.vigil.gateway.resp.RespConfiguration.ENABLED;
import static io.vigil.gateway.resp.RespConfiguration.HOST;
import static io.vigil.gateway.resp.RespConfiguration.IDLE_TIMEOUT;
import static io.vigil.gateway.resp.RespConfiguration.MAX_ARGUMENTS;
import static io.vigil.gateway.resp.RespConfiguration.MAX_ARGUMENT_BYTES;
import static io.vigil.gateway.resp.RespConfiguration.MAX_CONNECTIONS;
import static io.vigil.gateway.resp.RespConfiguration.MAX_PENDING_BYTES;
import static io.vigil.gateway.resp.RespConfiguration.PORT;

/**
 * The RESP feature server's configuration (the keys of {@link RespConfiguration}), read from a {@link VigilConfig},
 * changed by the fluent setters, checked once in {@link #conclude()}; see {@link ConfigContext}. Not thread-safe
 * while being set; immutable once concluded.
 */
public final class RespContext extends ConfigContext {
    private boolean enabled;
    private String host;
    private int port;
    private int maxConnections;
    private int maxArguments;
    private int maxArgumentBytes;
    private int maxPendingBytes;
    private long idleTimeoutNs;

    public RespContext(final VigilConfig config) {
        super(config);
    }

    /** Reads and checks every key once, then freezes the context. */
    public RespContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return RespConfiguration.KEYS_IN_ORDER;
    }

    @Override
    protected void read(final Values v) {
        enabled = v.bool(ENABLED);
        host = v.string(HOST);
        port = v.integer(PORT, 0, 65_535);
        maxConnections = v.integer(MAX_CONNECTIONS, 1);
        maxArguments = v.integer(MAX_ARGUMENTS, 4, 1 << 20);
        maxArgumentBytes = v.integer(MAX_ARGUMENT_BYTES, 64, 1 << 26);
        maxPendingBytes = v.integer(MAX_PENDING_BYTES, 1024);
        idleTimeoutNs = v.durationNs(IDLE_TIMEOUT, 0);
    }

    /** {@link RespConfiguration#ENABLED}. */
    public boolean enabled() {
        requireConcluded();
        return enabled;
    }

    public RespContext enabled(final boolean enabled) {
        set(ENABLED, Boolean.toString(enabled));
        return this;
    }

    /** {@link RespConfiguration#HOST}. */
    public String host() {
        requireConcluded();
        return host;
    }

    public RespContext host(final String host) {
        set(HOST, host);
        return this;
    }

    /** {@link RespConfiguration#PORT}. */
    public int port() {
        requireConcluded();
        return port;
    }

    public RespContext port(final int port) {
        set(PORT, Integer.toString(port));
        return this;
    }

    /** {@link RespConfiguration#MAX_CONNECTIONS}. */
    public int maxConnections() {
        requireConcluded();
        return maxConnections;
    }

    /** {@link RespConfiguration#MAX_ARGUMENTS}. */
    public int maxArguments() {
        requireConcluded();
        return maxArguments;
    }

    public RespContext maxArguments(final int arguments) {
        set(MAX_ARGUMENTS, Integer.toString(arguments));
        return this;
    }

    /** {@link RespConfiguration#MAX_ARGUMENT_BYTES}. */
    public int maxArgumentBytes() {
        requireConcluded();
        return maxArgumentBytes;
    }

    public RespContext maxArgumentBytes(final int bytes) {
        set(MAX_ARGUMENT_BYTES, Integer.toString(bytes));
        return this;
    }

    /** {@link RespConfiguration#MAX_PENDING_BYTES}. */
    public int maxPendingBytes() {
        requireConcluded();
        return maxPendingBytes;
    }

    /** {@link RespConfiguration#IDLE_TIMEOUT}; 0: never. */
    public long idleTimeoutNs() {
        requireConcluded();
        return idleTimeoutNs;
    }
}
