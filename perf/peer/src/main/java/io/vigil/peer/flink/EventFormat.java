package io.vigil.peer.flink;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.SimpleStreamFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

/**
 * The {@link EventFile} as a Flink {@code FileSource} format: not splittable, so one reader reads the file from its
 * start, in journal order (per-account order is what the features depend on). Instances are serializable and
 * stateless; each reader is used by one source thread.
 */
public final class EventFormat extends SimpleStreamFormat<Event> {
    private static final long serialVersionUID = 1L;

    @Override
    public StreamFormat.Reader<Event> createReader(final Configuration config, final FSDataInputStream stream)
        throws IOException {
        final DataInputStream in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
        EventFile.readHeader(in);
        final java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate(EventFile.RECORD_BYTES);
        return new StreamFormat.Reader<>() {
            @Override
            public Event read() throws IOException {
                return EventFile.read(in, record);
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    @Override
    public TypeInformation<Event> getProducedType() {
        return TypeInformation.of(Event.class);
    }
}
