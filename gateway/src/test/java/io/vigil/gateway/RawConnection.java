package io.vigil.gateway;

import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.LogonEncoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** A bare socket speaking the protocol byte by byte, for tests of the session rules and hostile input. */
final class RawConnection implements AutoCloseable {
    final SocketChannel channel;
    private final ReadableByteChannel in;
    private final ByteBuffer receive = ByteBuffer.allocate(64 * 1024);
    private final UnsafeBuffer receiveView = new UnsafeBuffer(receive.array());
    final UnsafeBuffer frame = new UnsafeBuffer(new byte[1024]);
    final MessageHeaderDecoder header = new MessageHeaderDecoder();
    final RejectDecoder reject = new RejectDecoder();

    RawConnection(final int port) throws IOException {
        channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.socket().setSoTimeout(5000);
        in = Channels.newChannel(channel.socket().getInputStream());
    }

    void send(final byte[] bytes) throws IOException {
        channel.write(ByteBuffer.wrap(bytes));
    }

    void send(final UnsafeBuffer buffer, final int length) throws IOException {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        send(bytes);
    }

    /** Encodes a Logon frame into {@link #frame}; returns its length. */
    int logon(final String credential, final long clientId) {
        return logon(credential, 1, clientId);
    }

    /** Encodes a Logon frame claiming {@code tenantId} into {@link #frame}; returns its length. */
    int logon(final String credential, final int tenantId, final long clientId) {
        final LogonEncoder logon = new LogonEncoder().wrapAndApplyHeader(frame, Framing.SOFH_LENGTH, new MessageHeaderEncoder());
        final byte[] secret = credential.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < LogonEncoder.credentialLength(); i++) {
            logon.credential(i, i < secret.length ? secret[i] : 0);
        }
        logon.tenantId(tenantId).clientId(clientId).nextExpectedSequence(1).heartbeatIntervalMs(0);
        return Framing.writeSofh(frame, 0, MessageHeaderEncoder.ENCODED_LENGTH + logon.encodedLength());
    }

    /** Encodes a valid Transaction frame into {@link #frame}; returns its length. */
    int transaction(final long sequence, final long eventTimeNs, final long amountMinor, final String currency) {
        final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(frame, Framing.SOFH_LENGTH, new MessageHeaderEncoder())
            .clientSequence(sequence).eventTimeNs(eventTimeNs).accountId(7).merchantId(9).mcc(5411).amountMinor(amountMinor)
            .currency(currency).country("DE").channel(io.vigil.codecs.sbe.Channel.POS).label(io.vigil.codecs.sbe.Label.UNKNOWN);
        return Framing.writeSofh(frame, 0, MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
    }

    /**
     * Reads the next frame; returns its template id with {@link #header} wrapped over it, or -1 when the server
     * closed the connection.
     */
    int readFrame() throws IOException {
        while (true) {
            final int length = FrameValidator.frameLength(receiveView, 0, receive.position(), 64 * 1024);
            if (length > 0) {
                frame.putBytes(0, receiveView, 0, length);
                receiveView.putBytes(0, receiveView, length, receive.position() - length);
                receive.position(receive.position() - length);
                header.wrap(frame, Framing.SOFH_LENGTH);
                return header.templateId();
            }
            try {
                if (in.read(receive) < 0) {
                    return -1;
                }
            } catch (final SocketTimeoutException ex) {
                throw new IOException("no frame from the server within 5 s", ex);
            }
        }
    }

    /** Reads frames until a Reject and decodes it into {@link #reject}. */
    RejectDecoder readReject() throws IOException {
        int template;
        while ((template = readFrame()) != RejectDecoder.TEMPLATE_ID) {
            if (template < 0) {
                throw new IOException("closed before a Reject");
            }
        }
        return reject.wrapAndApplyHeader(frame, Framing.SOFH_LENGTH, header);
    }

    /** Reads frames until a Logout; returns its reason. */
    int readLogoutReason() throws IOException {
        int template;
        while ((template = readFrame()) != io.vigil.codecs.sbe.LogoutDecoder.TEMPLATE_ID) {
            if (template < 0) {
                throw new IOException("closed before a Logout");
            }
        }
        return new io.vigil.codecs.sbe.LogoutDecoder().wrapAndApplyHeader(frame, Framing.SOFH_LENGTH, header).reason();
    }

    /** True if the server closes the connection (reading past anything it still sends) within the timeout. */
    boolean closedByServer() throws IOException {
        try {
            while (true) {
                if (readFrame() < 0) {
                    return true;
                }
            }
        } catch (final IOException ex) {
            return ex.getMessage() != null && ex.getMessage().contains("Connection reset");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
