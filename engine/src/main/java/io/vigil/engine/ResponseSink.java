package io.vigil.engine;

import org.agrona.DirectBuffer;

/**
 * Receives each answer the pipeline produces, after it is in the output journal, to send it to the client.
 *
 * <p>Called on the pipeline thread, once per answered event, in journal order. Implementations must not block for
 * long nor allocate per call; the gateway hands the bytes to its network thread through a ring buffer.
 */
@FunctionalInterface
public interface ResponseSink {
    /** Drops every answer: offline replay. */
    ResponseSink NONE = (sessionId, message, offset, length) -> {
    };

    /**
     * @param sessionId gateway session the answered event came from.
     * @param message   the SBE message (header and body, no SOFH) of a Decision or a Reject.
     */
    void onResponse(long sessionId, DirectBuffer message, int offset, int length);

    /**
     * What the pipeline calls: like {@link #onResponse(long, DirectBuffer, int, int)}, with the tenant and client id
     * of the answered event, so that an answer whose session is gone (the client reconnected, or the server
     * restarted) can reach the current session of the same (tenant, client), and no other.
     *
     * @param tenantId tenant of the answered event (from the input journal).
     * @param clientId client id of the answered event (from the input journal).
     */
    default void onResponse(final long sessionId, final int tenantId, final long clientId, final DirectBuffer message,
        final int offset, final int length) {
        onResponse(sessionId, message, offset, length);
    }

    /**
     * What the pipeline calls: like {@link #onResponse(long, int, long, DirectBuffer, int, int)}, with the answered
     * event's ingest stamp, so that the gateway can tell how long the event took from its arrival to its answer on
     * the socket (the latency SLO).
     *
     * @param ingestTimeNs the event's ingest time from the input journal (epoch ns, {@link EpochClock}).
     */
    default void onResponse(final long sessionId, final int tenantId, final long clientId, final long ingestTimeNs,
        final DirectBuffer message, final int offset, final int length) {
        onResponse(sessionId, tenantId, clientId, message, offset, length);
    }

    /**
     * What the live pipeline calls: like {@link #onResponse(long, int, long, long, DirectBuffer, int, int)}, with
     * what the pipeline measured for the event ({@code trace}, valid during the call only), so that the gateway can
     * keep the stage breakdown of a slow event.
     */
    default void onResponse(final long sessionId, final int tenantId, final long clientId, final long ingestTimeNs,
        final AnswerTrace trace, final DirectBuffer message, final int offset, final int length) {
        onResponse(sessionId, tenantId, clientId, ingestTimeNs, message, offset, length);
    }
}
