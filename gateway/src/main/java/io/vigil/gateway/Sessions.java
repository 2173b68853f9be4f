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
    private final Long2LongHashMap lastSequenceByClient = new Long2LongHashMap(64, 0.65f, 0L);
    private final ArrayList<SessionHandler> dirty = new ArrayList<>();
    private long nextSessionId = System.currentTimeMillis() * 1000L;

    long newSessionId() {
        return ++nextSessionId;
    }

    void add(final long sessionId, final SessionHandler session) {
        byId.put(sessionId, session);
    }

    void remove(final long sessionId) {
        byId.remove(sessionId);
    }

    SessionHandler get(final long sessionId) {
        return byId.get(sessionId);
    }

    /**
     * The newest logged-on session of {@code clientId}, or null: where an answer goes when the session of its event
     * is gone (the client reconnected, or the server restarted). Walks the session table: only for such answers.
     */
    SessionHandler current(final long clientId) {
        SessionHandler newest = null;
        long newestId = Long.MIN_VALUE;
        for (final Long2ObjectHashMap<SessionHandler>.EntryIterator it = byId.entrySet().iterator(); it.hasNext(); ) {
            it.next();
            final SessionHandler session = it.getValue();
            if (session.clientId() == clientId && it.getLongKey() > newestId) {
                newestId = it.getLongKey();
                newest = session;
            }
        }
        return newest;
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
