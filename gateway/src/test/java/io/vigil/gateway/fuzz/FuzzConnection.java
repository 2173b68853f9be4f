package io.vigil.gateway.fuzz;

import io.vigil.codecs.FrameValidator;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Sends frames on one connection while a reader thread counts the frames that come back and notices the close. */
final class FuzzConnection implements AutoCloseable {
    private final Socket socket;
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicBoolean closedByServer = new AtomicBoolean();
    private final Thread reader;
    /** Template id (and, for a Reject, its reason) of every answer, in arrival order, for failure messages. */
    private final java.util.List<String> received = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

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
                    final int template = view.getShort(offset + 8, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
                    received.add(template == 3 ? "R" + view.getShort(offset + 14 + 8, java.nio.ByteOrder.LITTLE_ENDIAN) : "T" + template);
                    answers.incrementAndGet();
                    offset += length;
                }
                if (length < 0) {
                    throw new IllegalStateException("the server sent a broken frame");
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
            // the server closed after a fatal frame: expected by the model when it predicts a close
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
                if (answers.get() < max) {
                    Thread.sleep(10);
                }
                return answers.get() <= max;
            }
            Thread.sleep(1);
        }
        return false;
    }

    String received() {
        synchronized (received) {
            return String.join(" ", received);
        }
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
