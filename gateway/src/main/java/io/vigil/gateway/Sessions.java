package io.vigil.gateway;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;

/**
 * The gateway's session table and per-client sequence high-water marks.
 *
 * <p>Not thread-safe: owned by the one network thread (the event loop). Allocates only when a session is added or
 * a new client id is seen.
 */
final class Sessions {
    private final Long2ObjectHashMap<SessionHandler> byId = new Long2ObjectHashMap<>();
    /** Each client's newest logged-on session. */
    private final Long2ObjectHashMap<SessionHandler> currentByClient = new Long2ObjectHashMap<>();
    private final Long2LongHashMap lastSequenceByClient = new Long2LongHashMap(64, 0.65f, 0L);
    private final ArrayList<SessionHandler> dirty = new ArrayList<>();
    private long nextSessionId = System.currentTimeMillis() * 1000L;

    long newSessionId() {
        return ++nextSessionId;
    }

    void add(final long sessionId, final SessionHandler session) {
        byId.put(sessionId, session);
        currentByClient.put(session.clientId(), session);
    }

    void remove(final long sessionId) {
        final SessionHandler session = byId.remove(sessionId);
        if (session != null && currentByClient.get(session.clientId()) == session) {
            currentByClient.remove(session.clientId());
        }
    }

    SessionHandler get(final long sessionId) {
        return byId.get(sessionId);
    }

    /**
     * The newest logged-on session of {@code clientId}, or null: where an answer goes when the client has logged on
     * again since its event (a reconnect, a restart), even if the old connection is not known to be dead yet.
     */
    SessionHandler current(final long clientId) {
        return currentByClient.get(clientId);
    }

    int size() {
        return byId.size();
    }

    /** Highest client sequence journaled for a client id, 0 if none. */
    long lastSequence(final long clientId) {
        return lastSequenceByClient.get(clientId);
    }

    void lastSequence(final long clientId, final long sequence) {
        lastSequenceByClient.put(clientId, sequence);
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
