package io.vigil.gateway.client;

import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.HeartbeatEncoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonEncoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.LogoutEncoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleEncoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionEncoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Java client of Vigil's TCP protocol, shared by the demo, the tests and users.
 *
 * <p>{@link #connect} opens the socket, {@link #logon} opens the session and starts a receiver thread that hands
 * every Decision and Reject to the {@link Listener}, in order, and a heartbeat thread. Sends are thread-safe (a
 * lock serialises them with heartbeats); by default each send is written at once, with {@link #autoFlush(boolean)}
 * false they are buffered until {@link #flush()} or until the buffer fills. Allocation-free per event.
 */
public final class VigilClient implements AutoCloseable {
    /** Receives answers on the client's receiver thread. Implementations must be quick. */
    public interface Listener {
        void onDecision(DecisionDecoder decision);

        void onReject(RejectDecoder reject);

        /**
         * The connection ended; {@code cause} is null after an orderly Logout the client asked for, and names the
         * reason when the server ended the session itself (idle, shutting down).
         */
        default void onClosed(final Throwable cause) {
        }
    }

    /** The server refused the Logon. */
    public static final class LogonRejectedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final RejectReason reason;

        LogonRejectedException(final RejectReason reason) {
            super("logon rejected: " + reason);
            this.reason = reason;
        }

        public RejectReason reason() {
            return reason;
        }
    }

    private static final int BUFFER_BYTES = 64 * 1024;

    private final SocketChannel channel;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final UnsafeBuffer send = new UnsafeBuffer(sendBuffer);
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private final UnsafeBuffer receive = new UnsafeBuffer(receiveBuffer);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final TransactionEncoder transactionEncoder = new TransactionEncoder();
    private final MetricSampleEncoder metricEncoder = new MetricSampleEncoder();
    private final HeartbeatEncoder heartbeatEncoder = new HeartbeatEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final DecisionDecoder decisionDecoder = new DecisionDecoder();
    private final RejectDecoder rejectDecoder = new RejectDecoder();
    private final LogonAckDecoder logonAckDecoder = new LogonAckDecoder();
    private final LogoutDecoder logoutDecoder = new LogoutDecoder();
    private volatile int logoutReason = -1;
    private final CountDownLatch closed = new CountDownLatch(1);
    private boolean autoFlush = true;
    private int sendPosition;
    private volatile long lastSendNs = System.nanoTime();
    private volatile boolean running;
    private Listener listener;
    private Thread receiver;
    private Thread heartbeat;
    private long sessionId;
    private long lastJournaledSequence;
    private int heartbeatIntervalMs;

    private VigilClient(final SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to a Vigil gateway. */
    public static VigilClient connect(final String host, final int port) throws IOException {
        final SocketChannel channel = SocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            channel.connect(new InetSocketAddress(host, port));
        } catch (final IOException ex) {
            channel.close();
            throw ex;
        }
        return new VigilClient(channel);
    }

    /**
     * Logs on and starts delivering answers to {@code listener}. With a credentials file on the server the answer
     * takes milliseconds (the secret's salted hash is checked).
     *
     * @param credential the client's secret (or the server's shared one), at most 32 US-ASCII bytes.
     * @param tenantId   the tenant of the credential; another one is refused with TENANT_MISMATCH.
     * @return the highest client sequence of ({@code tenantId}, {@code clientId}) the server has journaled, 0 if
     *         none: continue after it.
     * @throws LogonRejectedException when the server rejects the Logon (BAD_CREDENTIAL, TENANT_MISMATCH, ...; the
     *                                server then closes the connection).
     */
    public long logon(final String credential, final int tenantId, final long clientId, final long nextExpectedSequence,
        final Listener listener) throws IOException {
        this.listener = listener;
        sendLock.lock();
        try {
            final LogonEncoder logon = new LogonEncoder().wrapAndApplyHeader(send, sendPosition + Framing.SOFH_LENGTH, headerEncoder);
            final byte[] secret = credential.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            if (secret.length > LogonEncoder.credentialLength()) {
                throw new IllegalArgumentException("credential longer than " + LogonEncoder.credentialLength() + " bytes");
            }
            for (int i = 0; i < LogonEncoder.credentialLength(); i++) {
                logon.credential(i, i < secret.length ? secret[i] : 0);
            }
            logon.tenantId(tenantId).clientId(clientId).nextExpectedSequence(nextExpectedSequence).heartbeatIntervalMs(0);
            commit(logon.encodedLength());
            flushLocked();
        } finally {
            sendLock.unlock();
        }
        // read the answer synchronously, before the receiver thread exists
        while (true) {
            final int frame = nextFrame();
            if (frame < 0) {
                throw new IOException("connection closed during logon");
            }
            headerDecoder.wrap(receive, Framing.SOFH_LENGTH);
            final int template = headerDecoder.templateId();
            if (template == LogonAckDecoder.TEMPLATE_ID) {
                logonAckDecoder.wrapAndApplyHeader(receive, Framing.SOFH_LENGTH, headerDecoder);
                sessionId = logonAckDecoder.sessionId();
                lastJournaledSequence = logonAckDecoder.lastJournaledSequence();
                heartbeatIntervalMs = (int)logonAckDecoder.heartbeatIntervalMs();
                consume(frame);
                break;
            }
            if (template == RejectDecoder.TEMPLATE_ID) {
                final RejectReason reason = rejectDecoder.wrapAndApplyHeader(receive, Framing.SOFH_LENGTH, headerDecoder).reason();
                consume(frame);
                channel.close();
                throw new LogonRejectedException(reason);
            }
            consume(frame);
        }
        running = true;
        receiver = new Thread(this::receive, "vigil-client-receiver");
        receiver.setDaemon(true);
        receiver.start();
        heartbeat = new Thread(this::heartbeat, "vigil-client-heartbeat");
        heartbeat.setDaemon(true);
        heartbeat.start();
        return lastJournaledSequence;
    }

    /**
     * The reason of the server's Logout once one came ({@link Framing#LOGOUT_NORMAL}, or
     * {@link Framing#LOGOUT_SESSION_REPLACED} when a newer Logon of the same tenant and client id replaced this
     * session), -1 before.
     */
    public int logoutReason() {
        return logoutReason;
    }

    /** Session id the server assigned at Logon. */
    public long sessionId() {
        return sessionId;
    }

    /** Highest sequence of this client id the server had journaled at Logon. */
    public long lastJournaledSequence() {
        return lastJournaledSequence;
    }

    /** Whether each send is written to the socket at once (default true). */
    public VigilClient autoFlush(final boolean autoFlush) {
        this.autoFlush = autoFlush;
        return this;
    }

    /** Sends a Transaction. {@code currency} is an ISO 4217 code, {@code country} ISO 3166 alpha-2. */
    public void sendTransaction(final long clientSequence, final long eventTimeNs, final long accountId,
        final long merchantId, final int mcc, final long amountMinor, final CharSequence currency,
        final CharSequence country, final Channel channel, final Label label) throws IOException {
        sendLock.lock();
        try {
            ensureRoom(Framing.MIN_FRAME_LENGTH + TransactionEncoder.BLOCK_LENGTH);
            final TransactionEncoder tx = transactionEncoder.wrapAndApplyHeader(send, sendPosition + Framing.SOFH_LENGTH, headerEncoder)
                .clientSequence(clientSequence)
                .eventTimeNs(eventTimeNs)
                .accountId(accountId)
                .merchantId(merchantId)
                .mcc(mcc)
                .amountMinor(amountMinor);
            for (int i = 0; i < TransactionEncoder.currencyLength(); i++) {
                tx.currency(i, (byte)(i < currency.length() ? currency.charAt(i) : 0));
            }
            for (int i = 0; i < TransactionEncoder.countryLength(); i++) {
                tx.country(i, (byte)(i < country.length() ? country.charAt(i) : 0));
            }
            tx.channel(channel).label(label);
            commit(tx.encodedLength());
            if (autoFlush) {
                flushLocked();
            }
        } finally {
            sendLock.unlock();
        }
    }

    /** Sends a MetricSample. */
    public void sendMetric(final long clientSequence, final long eventTimeNs, final long seriesId, final double value)
        throws IOException {
        sendLock.lock();
        try {
            ensureRoom(Framing.MIN_FRAME_LENGTH + MetricSampleEncoder.BLOCK_LENGTH);
            final MetricSampleEncoder sample = metricEncoder.wrapAndApplyHeader(send, sendPosition + Framing.SOFH_LENGTH, headerEncoder)
                .clientSequence(clientSequence)
                .eventTimeNs(eventTimeNs)
                .seriesId(seriesId)
                .value(value);
            commit(sample.encodedLength());
            if (autoFlush) {
                flushLocked();
            }
        } finally {
            sendLock.unlock();
        }
    }

    /** Sends arbitrary bytes as they are (tests of hostile input). */
    public void sendRaw(final DirectBuffer bytes, final int offset, final int length) throws IOException {
        sendLock.lock();
        try {
            flushLocked();
            int done = 0;
            while (done < length) {
                final int chunk = Math.min(length - done, BUFFER_BYTES);
                bytes.getBytes(offset + done, send, 0, chunk);
                sendPosition = chunk;
                flushLocked();
                done += chunk;
            }
        } finally {
            sendLock.unlock();
        }
    }

    /** Sends a Logout; the server answers with Logout and closes. */
    public void logout() throws IOException {
        sendLock.lock();
        try {
            ensureRoom(Framing.MIN_FRAME_LENGTH + LogoutEncoder.BLOCK_LENGTH);
            commit(new LogoutEncoder().wrapAndApplyHeader(send, sendPosition + Framing.SOFH_LENGTH, headerEncoder)
                .reason(0).encodedLength());
            flushLocked();
        } finally {
            sendLock.unlock();
        }
    }

    /** Writes everything buffered. */
    public void flush() throws IOException {
        sendLock.lock();
        try {
            flushLocked();
        } finally {
            sendLock.unlock();
        }
    }

    private void ensureRoom(final int bytes) throws IOException {
        if (sendPosition + bytes > BUFFER_BYTES) {
            flushLocked();
        }
    }

    private void commit(final int bodyLength) {
        sendPosition += Framing.writeSofh(send, sendPosition, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
    }

    private void flushLocked() throws IOException {
        if (sendPosition == 0) {
            return;
        }
        sendBuffer.clear().limit(sendPosition);
        while (sendBuffer.hasRemaining()) {
            channel.write(sendBuffer);
        }
        sendPosition = 0;
        lastSendNs = System.nanoTime();
    }

    /** Reads until one whole frame sits at the start of the receive buffer; returns its length, or -1 at EOF. */
    private int nextFrame() throws IOException {
        while (true) {
            final int available = receiveBuffer.position();
            final int length = FrameValidator.frameLength(receive, 0, available, BUFFER_BYTES);
            if (length > 0) {
                return length;
            }
            if (length < 0) {
                throw new IOException("broken framing from the server: " + RejectReason.get(-length));
            }
            if (channel.read(receiveBuffer) < 0) {
                return -1;
            }
        }
    }

    private void consume(final int frameLength) {
        final int remaining = receiveBuffer.position() - frameLength;
        receive.putBytes(0, receive, frameLength, remaining);
        receiveBuffer.position(remaining);
    }

    private void receive() {
        Throwable cause = null;
        try {
            while (running) {
                final int frame = nextFrame();
                if (frame < 0) {
                    if (running) {
                        cause = new IOException("connection closed by the server");
                    }
                    break;
                }
                if (FrameValidator.validateMessage(receive, 0, frame) == null) {
                    headerDecoder.wrap(receive, Framing.SOFH_LENGTH);
                    switch (headerDecoder.templateId()) {
                        case DecisionDecoder.TEMPLATE_ID:
                            listener.onDecision(decisionDecoder.wrapAndApplyHeader(receive, Framing.SOFH_LENGTH, headerDecoder));
                            break;
                        case RejectDecoder.TEMPLATE_ID:
                            listener.onReject(rejectDecoder.wrapAndApplyHeader(receive, Framing.SOFH_LENGTH, headerDecoder));
                            break;
                        case LogoutDecoder.TEMPLATE_ID: {
                            final int reason = logoutDecoder.wrapAndApplyHeader(receive, Framing.SOFH_LENGTH, headerDecoder).reason();
                            logoutReason = reason;
                            if (reason != 0 && running) {
                                cause = new IOException("the server ended the session: " + reasonName(reason));
                            }
                            running = false;
                            break;
                        }
                        case HeartbeatDecoder.TEMPLATE_ID:
                        default:
                            break;
                    }
                }
                consume(frame);
            }
        } catch (final IOException | RuntimeException ex) {
            if (running) {
                cause = ex;
            }
        } finally {
            running = false;
            closed.countDown();
            listener.onClosed(cause);
        }
    }

    private static String reasonName(final int reason) {
        for (final RejectReason known : RejectReason.values()) {
            if (known.value() == reason && known != RejectReason.NULL_VAL) {
                return known.name();
            }
        }
        return "reason " + reason;
    }

    private void heartbeat() {
        final long intervalNs = TimeUnit.MILLISECONDS.toNanos(Math.max(heartbeatIntervalMs, 1));
        try {
            while (running) {
                Thread.sleep(Math.max(1, heartbeatIntervalMs / 2));
                if (System.nanoTime() - lastSendNs >= intervalNs && sendLock.tryLock()) {
                    try {
                        if (sendPosition == 0 || autoFlush) {
                            ensureRoom(Framing.MIN_FRAME_LENGTH + HeartbeatEncoder.BLOCK_LENGTH);
                            commit(heartbeatEncoder.wrapAndApplyHeader(send, sendPosition + Framing.SOFH_LENGTH, headerEncoder)
                                .timestampNs(System.currentTimeMillis() * 1_000_000L).encodedLength());
                        }
                        flushLocked();
                    } finally {
                        sendLock.unlock();
                    }
                }
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (final IOException ex) {
            // the receiver reports the closed connection
        }
    }

    /** Waits until the server closed the session (after {@link #logout()}), or the timeout passed. */
    public boolean awaitClosed(final long timeout, final TimeUnit unit) throws InterruptedException {
        return closed.await(timeout, unit);
    }

    /** Whether the session is up. */
    public boolean isConnected() {
        return running && channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        running = false;
        channel.close();
        try {
            if (receiver != null) {
                receiver.join(2000);
            }
            if (heartbeat != null) {
                heartbeat.interrupt();
                heartbeat.join(2000);
            }
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
