package io.vigil.gateway.fuzz;

import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An executable model of the gateway's session rules (docs/protocol.md), independent of the server's code paths:
 * given the frames a client sends on one fresh connection, it predicts how many frames the server answers with and
 * whether the server closes the connection after the last of them.
 */
final class SessionModel {
    /** What the server must do with a list of frames. */
    static final class Prediction {
        /** Frames the server must answer (each answered frame gets exactly one frame back). */
        int answers;
        /**
         * Resends of events already journaled on this connection: each is answered again with the recorded answer
         * if the pipeline answered the original by then, or not at all when the original's answer is still on its
         * way (it answers both). So the server sends between {@link #answers} and answers + resends frames.
         */
        int resends;
        /** Whether the server closes the connection after those answers. */
        boolean closes;
        /** Frames that reach the pipeline (journaled events). */
        int journaled;
        /** The immediate answer of each frame, for failure messages: T&lt;template&gt;, R&lt;reason&gt;, or J (journaled). */
        final StringBuilder trace = new StringBuilder();

        @Override
        public String toString() {
 return "answers=" + answers + "(+" + resends + " resends) closes=" + closes + " journaled=" + journaled + "; trace" + trace;
        }
    }

    private final byte[] credential = new byte[LogonDecoder.credentialLength()];
    private final int maxFrameBytes;

    SessionModel(final String credential, final int maxFrameBytes) {
        final byte[] bytes = credential.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, this.credential, 0, bytes.length);
        this.maxFrameBytes = maxFrameBytes;
    }

    /** The frames are sent back to back on one connection, each as written (a frame may be malformed). */
    Prediction predict(final List<byte[]> frames) {
        final Prediction p = new Prediction();
        final byte[] stream = concat(frames);
        final UnsafeBuffer buffer = new UnsafeBuffer(stream);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        boolean loggedOn = false;
        long lastSequence = 0;
        final java.util.Set<Long> journaledSequences = new java.util.HashSet<>();
        int offset = 0;
        while (offset < stream.length) {
            final int result = FrameValidator.frameLength(buffer, offset, stream.length - offset, maxFrameBytes);
            if (result == FrameValidator.NEED_MORE) {
                // a trailing partial frame: the client closes, the server answers nothing more
                return p;
            }
            p.answers++;
            if (result < 0) {
                p.trace.append(" R").append(-result);
                p.closes = true;
                return p;
            }
            final io.vigil.codecs.sbe.RejectReason invalid = FrameValidator.validateMessage(buffer, offset, result);
            if (invalid != null) {
                p.trace.append(" R").append(invalid.value());
            } else {
                final int messageOffset = offset + Framing.SOFH_LENGTH;
                header.wrap(buffer, messageOffset);
                switch (header.templateId()) {
                    case LogonDecoder.TEMPLATE_ID:
                        if (!loggedOn) {
                            if (!credentialMatches(buffer, messageOffset + MessageHeaderDecoder.ENCODED_LENGTH +
                                LogonDecoder.credentialEncodingOffset())) {
                                p.trace.append(" R1");
                                p.closes = true;
                                return p;
                            }
                            p.trace.append(" T2");
                            loggedOn = true;
                        } else {
                            p.trace.append(" R3");
                        }
                        break;
                    case TransactionDecoder.TEMPLATE_ID:
                    case MetricSampleDecoder.TEMPLATE_ID: {
                        // both events start their root block with clientSequence
                        final long sequence = buffer.getLong(messageOffset + MessageHeaderDecoder.ENCODED_LENGTH,
                            MessageHeaderDecoder.BYTE_ORDER);
                        if (loggedOn && sequence < 0) {
                            p.trace.append(" R29");
                        } else if (loggedOn && sequence > lastSequence) {
                            lastSequence = sequence;
                            journaledSequences.add(sequence);
                            p.journaled++;
                            p.trace.append(" J");
                        } else if (loggedOn && journaledSequences.contains(sequence)) {
                            p.answers--;
                            p.resends++;
                            p.trace.append(" D");
                        } else {
                            p.trace.append(loggedOn ? " R11" : " R2");
                        }
                        break;
                    }
                    case LogoutDecoder.TEMPLATE_ID:
                        if (loggedOn) {
                            p.trace.append(" T5");
                            p.closes = true;
                            return p;
                        }
                        p.trace.append(" R2");
                        break;
                    case HeartbeatDecoder.TEMPLATE_ID:
                        p.trace.append(loggedOn ? " T4" : " R2");
                        break;
                    default:
                        p.trace.append(" R10");
                        break;
                }
            }
            offset += result;
        }
        return p;
    }

    private boolean credentialMatches(final UnsafeBuffer buffer, final int offset) {
        for (int i = 0; i < credential.length; i++) {
            if (buffer.getByte(offset + i) != credential[i]) {
                return false;
            }
        }
        return true;
    }

    static byte[] concat(final List<byte[]> frames) {
        int length = 0;
        for (final byte[] f : frames) {
            length += f.length;
        }
        final byte[] out = new byte[length];
        int at = 0;
        for (final byte[] f : frames) {
            System.arraycopy(f, 0, out, at, f.length);
            at += f.length;
        }
        return out;
    }
}
