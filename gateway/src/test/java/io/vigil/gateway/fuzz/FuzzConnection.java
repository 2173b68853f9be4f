package io.vigil.gateway.fuzz;

import io.vigil.codecs.FrameValidator;
import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Sends frames on one connection while a reader thread decodes every frame that comes back and notices the close. */
final class FuzzConnection implements AutoCloseable {
    private final Socket socket;
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicBoolean closedByServer = new AtomicBoolean();
    private final Thread reader;
    /** Every frame the server sent, decoded, in arrival order. */
    private final List<SessionModel.Received> received = new ArrayList<>();
    private volatile String brokenFrame;

    FuzzConnection(final int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        reader = new Thread(this::read, "fuzz-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        final byte[] bytes = new byte[1 << 16];
        final UnsafeBuffer view = new UnsafeBuffer(bytes);
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final RejectDecoder reject = new RejectDecoder();
        final DecisionDecoder decision = new DecisionDecoder();
        final LogonAckDecoder logonAck = new LogonAckDecoder();
        final HeartbeatDecoder heartbeat = new HeartbeatDecoder();
        final LogoutDecoder logout = new LogoutDecoder();
        int filled = 0;
        try (InputStream in = socket.getInputStream()) {
            while (true) {
                final int n = in.read(bytes, filled, bytes.length - filled);
                if (n < 0) {
                    closedByServer.set(true);
                    return;
                }
                filled += n;
                int offset = 0;
                int length;
                while ((length = FrameValidator.frameLength(view, offset, filled - offset, bytes.length)) > 0) {
                    if (FrameValidator.validateMessage(view, offset, length) != null) {
                        brokenFrame = "the server sent a frame its own validator refuses at answer " + answers.get();
                    }
                    final int at = offset + Framing.SOFH_LENGTH;
                    header.wrap(view, at);
                    final SessionModel.Received got = new SessionModel.Received();
                    got.templateId = header.templateId();
                    switch (got.templateId) {
                        case RejectDecoder.TEMPLATE_ID:
                            reject.wrapAndApplyHeader(view, at, header);
                            got.sequence = reject.clientSequence();
                            got.value = reject.reasonRaw();
                            got.refTemplateId = reject.refTemplateId();
                            got.journalIndex = reject.journalIndex();
                            break;
                        case DecisionDecoder.TEMPLATE_ID:
                            decision.wrapAndApplyHeader(view, at, header);
                            got.sequence = decision.clientSequence();
                            got.journalIndex = decision.journalIndex();
                            break;
                        case LogonAckDecoder.TEMPLATE_ID:
                            logonAck.wrapAndApplyHeader(view, at, header);
                            got.sequence = logonAck.lastJournaledSequence();
                            got.value = logonAck.maxFrameBytes();
                            break;
                        case HeartbeatDecoder.TEMPLATE_ID:
                            got.value = heartbeat.wrapAndApplyHeader(view, at, header).timestampNs();
                            break;
                        case LogoutDecoder.TEMPLATE_ID:
                            got.value = logout.wrapAndApplyHeader(view, at, header).reason();
                            break;
                        default:
                            break;
                    }
                    synchronized (received) {
                        received.add(got);
                    }
                    answers.incrementAndGet();
                    offset += length;
                }
                if (length < 0) {
                    brokenFrame = "the server sent broken framing after answer " + answers.get();
                    return;
                }
                System.arraycopy(bytes, offset, bytes, 0, filled - offset);
                filled -= offset;
            }
        } catch (final IOException ex) {
            closedByServer.set(true);
        }
    }

    /** Writes the frames back to back; a write into a connection the server closed stops quietly. */
    void send(final List<byte[]> frames) {
        try {
            socket.getOutputStream().write(SessionModel.concat(frames));
            socket.getOutputStream().flush();
        } catch (final IOException ex) {
            // the server closed after a fatal frame: the model predicts that close
        }
    }

    /**
     * Waits until at least {@code min} answers arrived and, if {@code closes}, the server closed; then lets
     * stragglers arrive for a moment. True if the answers end between {@code min} and {@code max}.
     */
    boolean await(final int min, final int max, final boolean closes, final long timeoutMs) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline) {
            if (answers.get() > max) {
                return false;
            }
            if (answers.get() >= min && (!closes || closedByServer.get())) {
                if (answers.get() < max || !closes) {
                    Thread.sleep(10);
                }
                return answers.get() <= max;
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** A copy of the frames received so far. */
    List<SessionModel.Received> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** Why the server's output could not be read as frames, or null. */
    String brokenFrame() {
        return brokenFrame;
    }

    int answers() {
        return answers.get();
    }

    boolean closedByServer() {
        return closedByServer.get();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        try {
            reader.join(2000);
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
