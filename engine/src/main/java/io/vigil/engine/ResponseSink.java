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
}
