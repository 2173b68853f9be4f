package io.vigil.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A channel over a heap byte buffer: stages write checkpoint sections into it and read them back from it. Writing
 * grows the buffer (doubling, up to 2 GB). Not thread-safe; allocates when it grows.
 */
final class SnapshotChannel implements ReadableByteChannel, WritableByteChannel {
    private ByteBuffer buffer;

    SnapshotChannel(final ByteBuffer buffer) {
        this.buffer = buffer;
    }

    ByteBuffer buffer() {
        return buffer;
    }

    /** Makes room for {@code bytes} more at the position. */
    void ensure(final int bytes) {
        if (buffer.remaining() < bytes) {
            final long wanted = Math.max((long)buffer.capacity() * 2, (long)buffer.position() + bytes);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("checkpoint larger than 2 GB");
            }
            final ByteBuffer bigger = ByteBuffer.allocate((int)wanted).order(ByteOrder.LITTLE_ENDIAN);
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
    }

    void flip() {
        buffer.flip();
    }

    @Override
    public int read(final ByteBuffer dst) {
        if (!buffer.hasRemaining()) {
            return -1;
        }
        return transfer(buffer, dst);
    }

    /** Moves as many bytes as {@code dst} has room for from {@code src}, advancing both; returns how many. */
    static int transfer(final ByteBuffer src, final ByteBuffer dst) {
        final int n = Math.min(dst.remaining(), src.remaining());
        dst.put(dst.position(), src, src.position(), n);
        dst.position(dst.position() + n);
        src.position(src.position() + n);
        return n;
    }

    @Override
    public int write(final ByteBuffer src) {
        final int n = src.remaining();
        ensure(n);
        buffer.put(src);
        return n;
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
