package io.vigil.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A stage's checkpoint section fixed at a batch boundary ({@link Stage#captureSection()}), written afterwards by the
 * checkpoint thread while the pipeline goes on. Its length is known when it is captured, so a checkpoint file can be
 * streamed with its lengths up front.
 *
 * <p>Thread safety: captured on the pipeline thread, then used by one other thread at a time (handed over through
 * something that orders memory, an executor). {@link #close()} may come from any thread and is idempotent.
 */
public interface SectionImage extends AutoCloseable {
    /** Bytes {@link #writeTo} writes. */
    long length();

    /** Writes exactly {@link #length()} bytes, once. Allocates. */
    void writeTo(WritableByteChannel out) throws IOException;

    /** Releases what the capture holds (a copy-on-write snapshot), written or not. */
    @Override
    void close();

    /** An image of bytes already copied out of the stage (small sections). */
    static SectionImage of(final ByteBuffer bytes) {
        final ByteBuffer view = bytes.asReadOnlyBuffer();
        return new SectionImage() {
            @Override
            public long length() {
                return view.remaining();
            }

            @Override
            public void writeTo(final WritableByteChannel out) throws IOException {
                final ByteBuffer remaining = view.duplicate();
                while (remaining.hasRemaining()) {
                    out.write(remaining);
                }
            }

            @Override
            public void close() {
            }
        };
    }
}
