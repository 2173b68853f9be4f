package io.vigil.replay;

import io.vigil.scoring.features.FeatureSet;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The column writer path of the Parquet exports, read back with the Parquet library's own reader: an export of rows
 * with and without features (null feature cells), with and without a model version and a label, over several batches
 * of the writer thread, gives every cell back with the schema and key-value metadata; a flat file of every column
 * type gives the same rows written by the writer thread and by the caller; failures leave no readable file.
 */
class ParquetColumnsTest {
    @TempDir
    Path dir;

    /** More than two batches, and not a multiple of one. */
    private static final int ROWS = 2 * ParquetColumns.BATCH_ROWS + 1234;

    @Test
    void shouldReadBackAnExportWithNullFeaturesAndOptionalStringsCellByCell() throws Exception {
        final FeatureSet set = FeatureSet.defaultSet();
        final Path file = dir.resolve("export.parquet");
        final List<FeatureRow> written = new ArrayList<>();
        try (ParquetRowWriter writer = new ParquetRowWriter(file, ZstdCodecFactory.DEFAULT_LEVEL, set)) {
            for (int i = 0; i < ROWS; i++) {
                final FeatureRow r = row(i, set);
                writer.write(r);
                written.add(r);
            }
        }
        final List<String> columns = FeatureRow.columns(set);
        try (ParquetFileReader reader = open(file)) {
            final MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            assertEquals(ParquetRowWriter.SCHEMA, schema);
            final Map<String, String> meta = reader.getFooter().getFileMetaData().getKeyValueMetaData();
            assertEquals(set.version(), meta.get("vigil.feature_set"));
            assertEquals(set.name(), meta.get("vigil.feature_set_name"));
            assertEquals(set.hash(), meta.get("vigil.feature_set_hash"));
            assertEquals(String.join(",", set.names()), meta.get("vigil.feature_names"));
            assertEquals("vigil replay export", meta.get("vigil.writer"));
            assertEquals(5, meta.size(), meta.toString());
            for (final BlockMetaData block : reader.getFooter().getBlocks()) {
                for (final ColumnChunkMetaData chunk : block.getColumns()) {
                    final boolean plain = ParquetRowWriter.PLAIN_COLUMNS.contains(chunk.getPath().toDotString());
                    assertEquals(!plain, chunk.hasDictionaryPage(), chunk.getPath() + ": dictionary page");
                }
            }
            final List<Group> rows = rows(reader, schema);
            assertEquals(ROWS, rows.size());
            for (int i = 0; i < ROWS; i++) {
                final FeatureRow r = written.get(i);
                final Group g = rows.get(i);
                assertEquals(r.journalIndex, g.getLong("journal_index", 0));
                assertEquals(r.ingestTimeNs, g.getLong("ingest_time_ns", 0));
                assertEquals(r.eventTimeNs, g.getLong("event_time_ns", 0));
                assertEquals(r.entityKey, g.getLong("entity_key", 0));
                assertEquals(r.eventType, g.getString("event_type", 0));
                assertEquals(r.clientSequence, g.getLong("client_sequence", 0));
                assertEquals(set.version(), g.getString("feature_set_version", 0));
                assertEquals(set.hash(), g.getString("feature_set_hash", 0));
                assertEquals(r.modelVersion, optionalString(g, "model_version"), "row " + i);
                for (int f = 0; f < set.width(); f++) {
                    final String name = set.names().get(f);
                    if (r.hasFeatures) {
                        assertEquals(Float.floatToRawIntBits(r.features[f]), Float.floatToRawIntBits(g.getFloat(name, 0)),
                            "row " + i + " " + name);
                    } else {
                        assertEquals(0, g.getFieldRepetitionCount(name), "row " + i + " " + name + " is null");
                    }
                }
                assertEquals(r.anomalyScore, g.getFloat("anomaly_score", 0));
                assertEquals(r.modelScore, g.getFloat("model_score", 0));
                assertEquals(r.decision, g.getString("decision", 0));
                assertEquals(r.reasons, g.getLong("reasons", 0));
                assertEquals(r.label, optionalString(g, "label"), "row " + i);
            }
            assertEquals(columns.size(), schema.getFieldCount());
        }
    }

    /** Every 7th row has no features (a metric sample), every 5th no label, a few are rejects with their own text. */
    private static FeatureRow row(final int i, final FeatureSet set) {
        final FeatureRow r = new FeatureRow(set.width());
        r.journalIndex = 1_000_000L + i;
        r.ingestTimeNs = 1_700_000_000_000_000_000L + 1_000L * i;
        r.eventTimeNs = r.ingestTimeNs - i % 13;
        r.entityKey = i % 97;
        r.clientSequence = i;
        r.featureSetVersion = set.version();
        r.featureSetHash = set.hash();
        r.hasFeatures = i % 7 != 3;
        r.eventType = r.hasFeatures ? "transaction" : "metric";
        r.modelVersion = r.hasFeatures ? "fraud-mlp-1" : null;
        for (int f = 0; f < r.features.length; f++) {
            // continuous where the export writes no dictionary, a few values (counts, flags) where it writes one
            final boolean continuous = ParquetRowWriter.PLAIN_COLUMNS.contains(set.names().get(f));
            r.features[f] = r.hasFeatures ? (continuous ? (float)Math.sin(i * 0.37 + f) : i % 4) : 0;
        }
        r.anomalyScore = (float)(i % 100) / 100;
        r.modelScore = (float)Math.cos(i);
        r.decision = i % 101 == 0 ? new String("REJECT:" + (i % 3)) : i % 2 == 0 ? "APPROVE" : "REVIEW";
        r.reasons = i % 11;
        r.label = !r.hasFeatures || i % 5 == 0 ? null : i % 50 == 1 ? "FRAUD" : "LEGIT";
        return r;
    }

    @Test
    void shouldWriteTheSameRowsOnTheWriterThreadAsOnTheCallers() throws Exception {
        final MessageType schema = Types.buildMessage()
            .primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named("l")
            .primitive(PrimitiveTypeName.INT32, Repetition.REQUIRED).named("i")
            .primitive(PrimitiveTypeName.BOOLEAN, Repetition.REQUIRED).named("b")
            .primitive(PrimitiveTypeName.FLOAT, Repetition.OPTIONAL).named("f")
            .primitive(PrimitiveTypeName.BINARY, Repetition.OPTIONAL).as(LogicalTypeAnnotation.stringType()).named("s")
            .named("flat");
        final List<List<String>> results = new ArrayList<>();
        for (final boolean thread : new boolean[] {true, false}) {
            final Path file = dir.resolve("flat-" + thread + ".parquet");
            try (ParquetColumns columns = new ParquetColumns(file, schema, 0, List.of("l"), Map.of("k", "v"), thread)) {
                for (int r = 0; r < ROWS; r++) {
                    columns.putLong(0, -r * 1_000_003L);
                    columns.putInt(1, r % 3);
                    columns.putBoolean(2, r % 2 == 0);
                    if (r % 4 == 0) {
                        columns.putNull(3);
                    } else {
                        columns.putFloat(3, r / 7f);
                    }
                    if (r % 6 == 0) {
                        columns.putNull(4);
                    } else {
                        columns.putBinary(4, Binary.fromConstantByteArray(("s" + r % 9).getBytes(StandardCharsets.UTF_8)));
                    }
                    columns.endRow();
                }
            }
            try (ParquetFileReader reader = open(file)) {
                assertEquals(schema, reader.getFooter().getFileMetaData().getSchema());
                assertEquals("v", reader.getFooter().getFileMetaData().getKeyValueMetaData().get("k"));
                final List<String> rows = new ArrayList<>();
                int r = 0;
                for (final Group g : rows(reader, schema)) {
                    assertEquals(-r * 1_000_003L, g.getLong("l", 0));
                    assertEquals(r % 3, g.getInteger("i", 0));
                    assertEquals(r % 2 == 0, g.getBoolean("b", 0));
                    assertEquals(r % 4 == 0 ? 0 : 1, g.getFieldRepetitionCount("f"), "row " + r);
                    if (r % 4 != 0) {
                        assertEquals(r / 7f, g.getFloat("f", 0));
                    }
                    assertEquals(r % 6 == 0 ? null : "s" + r % 9, optionalString(g, "s"), "row " + r);
                    rows.add(g.toString());
                    r++;
                }
                assertEquals(ROWS, r);
                results.add(rows);
            }
        }
        assertEquals(results.get(0), results.get(1));
    }

    @Test
    void shouldRefuseANullInARequiredColumnAndLeaveNoReadableFileAfterAWriterFailure() throws Exception {
        final MessageType schema = Types.buildMessage()
            .primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named("l")
            .primitive(PrimitiveTypeName.BINARY, Repetition.REQUIRED).named("s")
            .named("flat");
        for (final boolean thread : new boolean[] {true, false}) {
            final Path file = dir.resolve("failed-" + thread + ".parquet");
            final ParquetColumns columns = new ParquetColumns(file, schema, 3, List.of(), Map.of(), thread);
            assertThrows(IllegalArgumentException.class, () -> columns.putNull(1));
            // a required string never set: the encoding of its batch fails, on the writer thread or the caller's
            final Exception failure = assertThrows(Exception.class, () -> {
                for (int r = 0; r < 3 * ParquetColumns.BATCH_ROWS; r++) {
                    columns.putLong(0, r);
                    columns.endRow();
                }
                columns.close();
            });
            assertTrue(String.valueOf(failure.getMessage()).contains("no value"), String.valueOf(failure));
            try {
                columns.close(); // a close after the failure writes no footer (it may throw the failure again)
            } catch (final Exception expected) {
                // the writer thread's failure, once more
            }
            assertThrows(Exception.class, () -> open(file).close(), "no footer");
        }
    }

    private static String optionalString(final Group g, final String name) {
        return g.getFieldRepetitionCount(name) == 0 ? null : g.getString(name, 0);
    }

    private static ParquetFileReader open(final Path file) throws IOException {
        return ParquetFileReader.open(new LocalInputFile(file), ParquetReadOptions.builder(new PlainParquetConfiguration())
            .withCodecFactory(new ZstdCodecFactory(ZstdCodecFactory.DEFAULT_LEVEL)).build());
    }

    private static List<Group> rows(final ParquetFileReader reader, final MessageType schema) throws IOException {
        final List<Group> rows = new ArrayList<>();
        PageReadStore pages;
        while ((pages = reader.readNextRowGroup()) != null) {
            final RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
                .getRecordReader(pages, new GroupRecordConverter(schema));
            for (long i = 0; i < pages.getRowCount(); i++) {
                rows.add(records.read());
            }
        }
        assertNull(reader.readNextRowGroup());
        return rows;
    }
}
