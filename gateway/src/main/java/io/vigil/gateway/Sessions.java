package io.vigil.gateway;

import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;

/**
 * The gateway's session table and per-client state, keyed by (tenant, client id): the same client id under two
 * tenants is two clients, with their own sequences, sessions and answers.
 *
 * <p>Not thread-safe: owned by the one network thread (the event loop). Allocates only when a session is added or
 * a new (tenant, client) is seen.
 */
final class Sessions {
    /** One client's state: its highest journaled sequence and its newest logged-on session. */
    static final class Client {
        final int tenantId;
        final long clientId;
        /** Highest client sequence journaled, 0 if none. */
        long lastSequence;
        /** The newest logged-on session, or null. */
        SessionHandler current;

        Client(final int tenantId, final long clientId) {
            this.tenantId = tenantId;
            this.clientId = clientId;
        }
    }

    private final Long2ObjectHashMap<SessionHandler> byId = new Long2ObjectHashMap<>();
    private final TenantClientMap<Client> clients = new TenantClientMap<>();
    private final ArrayList<SessionHandler> dirty = new ArrayList<>();
    private long nextSessionId = System.currentTimeMillis() * 1000L;

    long newSessionId() {
        return ++nextSessionId;
    }

    /** The state of (tenant, client), created on first use. */
    Client client(final int tenantId, final long clientId) {
        Client client = clients.get(tenantId, clientId);
        if (client == null) {
            client = new Client(tenantId, clientId);
            clients.put(tenantId, clientId, client);
        }
        return client;
    }

    /**
     * Registers a logged-on session as its client's current one.
     *
     * @return the session it replaces as the client's current one (still open), or null.
     */
    SessionHandler add(final long sessionId, final SessionHandler session, final Client client) {
        byId.put(sessionId, session);
        final SessionHandler previous = client.current;
        client.current = session;
        return previous == session ? null : previous;
    }

    void remove(final long sessionId) {
        final SessionHandler session = byId.remove(sessionId);
        if (session != null && session.client() != null && session.client().current == session) {
            session.client().current = null;
        }
    }

    SessionHandler get(final long sessionId) {
        return byId.get(sessionId);
    }

    /**
     * The newest logged-on session of (tenant, client), or null: where an answer goes when the client has logged on
     * again since its event (a reconnect, a restart), even if the old connection is not closed yet.
     */
    SessionHandler current(final int tenantId, final long clientId) {
        final Client client = clients.get(tenantId, clientId);
        return client == null ? null : client.current;
    }

    int size() {
        return byId.size();
    }

    /** (tenant, client) pairs known: seen in the journals or logged on since start. */
    int clients() {
        return clients.size();
    }

    /** Highest client sequence journaled for (tenant, client), 0 if none. */
    long lastSequence(final int tenantId, final long clientId) {
        final Client client = clients.get(tenantId, clientId);
        return client == null ? 0 : client.lastSequence;
    }

    void markDirty(final SessionHandler session) {
        dirty.add(session);
    }

    void flushDirty() {
        for (int i = 0, n = dirty.size(); i < n; i++) {
            dirty.get(i).flushNow();
        }
        dirty.clear();
    }
}
