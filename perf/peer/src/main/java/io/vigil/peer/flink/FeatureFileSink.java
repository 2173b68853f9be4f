package io.vigil.peer.flink;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes the feature rows, one file per subtask ({@code features-<subtask>.bin} in a directory), each row an int64
 * journal index and the 14 features' raw float bits as int32, big-endian. For the comparison with Vigil; the timed
 * runs use a discarding sink. The sink is serializable; each writer is used by its subtask's thread.
 */
public final class FeatureFileSink implements Sink<FeatureRecord> {
    private static final long serialVersionUID = 1L;
    public static final int ROW_BYTES = 8 + 4 * AccountState.WIDTH;
    private final String directory;

    public FeatureFileSink(final String directory) {
        this.directory = directory;
    }

    @Override
    public SinkWriter<FeatureRecord> createWriter(final WriterInitContext context) throws IOException {
        final Path dir = Path.of(directory);
        Files.createDirectories(dir);
        final DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(
            dir.resolve("features-" + context.getTaskInfo().getIndexOfThisSubtask() + ".bin").toFile()), 1 << 16));
        return new SinkWriter<>() {
            @Override
            public void write(final FeatureRecord row, final Context context) throws IOException {
                out.writeLong(row.journalIndex);
                for (final float f : row.features) {
                    out.writeInt(Float.floatToRawIntBits(f));
                }
            }

            @Override
            public void flush(final boolean endOfInput) throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
