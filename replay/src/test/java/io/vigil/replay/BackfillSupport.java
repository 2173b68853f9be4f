package io.vigil.replay;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs {@code vigil features backfill} in-process and reads what it wrote. */
final class BackfillSupport {
    private BackfillSupport() {
    }

    /** One row of a backfill file. */
    record Row(long index, int tenant, long account, long eventTimeNs, boolean late, boolean tooLate, long latenessNs,
        float[] features) {
    }

    /** A backfill file: its rows, feature names and metadata. */
    record Output(List<Row> rows, List<String> names, Map<String, String> metadata) {
    }

    /** What a run printed and returned. */
    record Run(int exitCode, String output) {
    }

    /** Runs the command with the root's error handling (one line, exit 2 for usage). */
    static Run run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = new CommandLine(new BackfillCommand())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            cmd.getErr().println("vigil features backfill: " + ex.getMessage());
            if (!(ex instanceof IllegalArgumentException)) {
                ex.printStackTrace(cmd.getErr());
            }
            return 2;
        });
        final int code = commandLine.execute(args);
        final String text = out + err.toString();
        System.out.println("$ vigil features backfill " + String.join(" ", args) + "\n" + text + "(exit " + code + ")");
        return new Run(code, text);
    }

    /** Runs the command and asserts it succeeded. */
    static void ok(final String... args) {
        final Run run = run(args);
        assertEquals(0, run.exitCode(), run.output());
    }

    static Output read(final Path file) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
            ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ZstdCodecFactory(ZstdCodecFactory.DEFAULT_LEVEL)).build())) {
            final MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            final int leading = BackfillParquetWriter.LEADING.size();
            for (int i = 0; i < leading; i++) {
                assertEquals(BackfillParquetWriter.LEADING.get(i), schema.getFieldName(i));
            }
            final List<String> names = new ArrayList<>();
            for (int i = leading; i < schema.getFieldCount(); i++) {
                names.add(schema.getFieldName(i));
            }
            final List<Row> rows = new ArrayList<>();
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                final RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
                    .getRecordReader(pages, new GroupRecordConverter(schema));
                for (long r = 0; r < pages.getRowCount(); r++) {
                    final Group g = records.read();
                    final float[] features = new float[names.size()];
                    for (int i = 0; i < features.length; i++) {
                        features[i] = g.getFloat(leading + i, 0);
                    }
                    rows.add(new Row(g.getLong(0, 0), g.getInteger(1, 0), g.getLong(2, 0), g.getLong(3, 0),
                        g.getBoolean(4, 0), g.getBoolean(5, 0), g.getLong(6, 0), features));
                }
            }
            return new Output(rows, names, reader.getFooter().getFileMetaData().getKeyValueMetaData());
        }
    }

    /** Asserts two feature vectors are equal bit for bit. */
    static void assertSameBits(final float[] expected, final float[] actual, final String what) {
        assertEquals(expected.length, actual.length, what + ": width");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + ": feature " + i + " is " + actual[i] + ", expected " + expected[i] +
                    " (bits " + Integer.toHexString(Float.floatToIntBits(actual[i])) + " vs " +
                    Integer.toHexString(Float.floatToIntBits(expected[i])) + ")");
            }
        }
    }
}
