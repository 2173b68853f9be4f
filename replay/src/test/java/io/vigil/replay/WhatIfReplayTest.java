package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.model.OnnxModel;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What-if replays with another model, the diff of their decisions, and the feature export. */
@Timeout(180)
class WhatIfReplayTest {
    private static final int EVENTS = 20_000;

    @TempDir
    static Path dir;
    static Path recorded;

    @BeforeAll
    static void recordLiveRun() throws Exception {
        recorded = dir.resolve("recorded");
        LiveRun.record(recorded, Workload.endingNow(23, EVENTS, 24 * Workload.HOUR_NS), EVENTS, Map.of());
    }

    /**
     * The bundled model with its standardisation scales halved (so every standardised feature doubles) and the version
     * "fraud-mlp-1" renamed: a different model of the same shape, made by editing two fields of the ONNX protobuf.
     */
    static Path otherModel() throws IOException {
        final byte[] bytes;
        try (InputStream in = OnnxModel.class.getResourceAsStream(OnnxModel.DEFAULT_RESOURCE)) {
            bytes = in.readAllBytes();
        }
        final int scale = indexOf(bytes, "B\u0005scaleJ8".getBytes(StandardCharsets.ISO_8859_1)) + 9;
        final ByteBuffer floats = ByteBuffer.wrap(bytes, scale, 56).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < TransactionFeatures.WIDTH; i++) {
            floats.putFloat(scale + 4 * i, floats.getFloat(scale + 4 * i) * 0.5f);
        }
        final byte[] version = "fraud-mlp-1".getBytes(StandardCharsets.US_ASCII);
        final int at = indexOf(bytes, version);
        bytes[at + version.length - 1] = '9';
        return Files.write(dir.resolve("fraud-mlp-9.onnx"), bytes);
    }

    private static int indexOf(final byte[] haystack, final byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not in the model file");
    }

    /** Actions of every Decision in an output journal, by input index; rejects as "REJECT". */
    private static Map<Long, String> outcomes(final Path dataDir) {
        final Map<Long, String> outcomes = new HashMap<>();
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(512);
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final DecisionDecoder decision = new DecisionDecoder();
            while (reader.read(record)) {
                header.wrap(record.payload(), 0);
                outcomes.put(record.refIndex, header.templateId() == DecisionDecoder.TEMPLATE_ID ?
                    decision.wrapAndApplyHeader(record.payload(), 0, header).action().name() : "REJECT");
            }
        }
        return outcomes;
    }

    @Test
    void shouldChangeDecisionsWithAnotherModelAndDiffThemExactly() throws Exception {
        final Path model = otherModel();
        final Path whatIf = dir.resolve("what-if");
        final ReplayCli run = ReplayCli.run("run", "--data", recorded.toString(), "--out", whatIf.toString(),
            "--model", model.toString());
        assertEquals(0, run.exitCode, run.output);
        assertTrue(run.output.contains("model fraud-mlp-9"), run.output);

        final Map<Long, String> before = outcomes(recorded);
        final Map<Long, String> after = outcomes(whatIf);
        assertEquals(EVENTS, before.size());
        assertEquals(before.keySet(), after.keySet(), "the what-if answers every recorded event");
        final Map<String, Integer> transitions = new TreeMap<>();
        for (final Map.Entry<Long, String> e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey()))) {
                transitions.merge(e.getValue() + " -> " + after.get(e.getKey()), 1, Integer::sum);
            }
        }
        final int changed = transitions.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(changed > 0, "halving the scales changes decisions");

        final ReplayCli diff = ReplayCli.run("diff", recorded.toString(), whatIf.toString());
        assertEquals(0, diff.exitCode, diff.output);
        assertTrue(diff.output.contains(String.format("compared %,d answers", EVENTS)), diff.output);
        assertTrue(diff.output.contains(String.format("  %,d decisions changed", changed)), diff.output);
        for (final Map.Entry<String, Integer> e : transitions.entrySet()) {
            final Matcher line = Pattern.compile("\n  " + Pattern.quote(e.getKey()) + " +([0-9,]+)\n").matcher(diff.output);
            assertTrue(line.find(), "diff lists " + e.getKey() + ":\n" + diff.output);
            assertEquals(e.getValue().intValue(), Integer.parseInt(line.group(1).replace(",", "")), e.getKey());
        }
        assertTrue(diff.output.contains("e.g. input index"), diff.output);
    }

    @Test
    void shouldReproduceTheRecordedDecisionsWithTheSameModel() {
        final Path same = dir.resolve("same-model");
        assertEquals(0, ReplayCli.run("run", "--data", recorded.toString(), "--out", same.toString()).exitCode);
        final ReplayCli diff = ReplayCli.run("diff", recorded.toString(), same.toString());
        assertTrue(diff.output.contains("  0 decisions changed"), diff.output);
        assertTrue(diff.output.contains("0 more with the same outcome but other scores"), diff.output);
    }

    @Test
    void shouldExportTheFeatureVectorsThePipelineComputedWithLineage() throws Exception {
        final Path csv = dir.resolve("features.csv");
        final ReplayCli export = ReplayCli.run("export", "--data", recorded.toString(), "--format", "csv",
            "--out", csv.toString());
        assertEquals(0, export.exitCode, export.output);
        final List<String> lines = Files.readAllLines(csv);
        assertEquals(EVENTS + 1, lines.size(), "a header and one row per event");
        final List<String> header = List.of(lines.get(0).split(","));
        assertEquals(FeatureRow.COLUMNS, header);

        // recompute the features from the input journal with TransactionFeatures alone, and read the recorded answers
        final TransactionFeatures features = new TransactionFeatures(1024);
        final float[] vector = new float[TransactionFeatures.WIDTH];
        final Map<Long, String> outcomes = outcomes(recorded);
        int transactions = 0;
        int labelled = 0;
        try (Journals journals = Journals.openReadOnly(recorded, Journals.rollCycle("FAST_HOURLY"));
             JournalReader input = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(512);
            final MessageHeaderDecoder messageHeader = new MessageHeaderDecoder();
            final TransactionDecoder tx = new TransactionDecoder();
            for (int row = 1; row <= EVENTS; row++) {
                assertTrue(input.read(record));
                while (record.source == RecordHeader.SOURCE_ADMIN) {
                    assertTrue(input.read(record)); // a control record (the gateway's watermark ticks): no row
                }
                final String[] cells = lines.get(row).split(",", -1);
                assertEquals(Long.toString(record.index), cells[header.indexOf("journal_index")]);
                assertEquals(Long.toString(record.timeNs), cells[header.indexOf("ingest_time_ns")]);
                assertEquals(TransactionFeatures.VERSION, cells[header.indexOf("feature_set_version")]);
                final String decision = cells[header.indexOf("decision")];
                final String recordedOutcome = outcomes.get(record.index);
                assertEquals(recordedOutcome, decision.startsWith("REJECT") ? "REJECT" : decision, "row " + row);
                messageHeader.wrap(record.payload(), 0);
                if (messageHeader.templateId() != TransactionDecoder.TEMPLATE_ID || decision.startsWith("REJECT")) {
                    assertEquals("", cells[header.indexOf("log_amount")]);
                    continue;
                }
                tx.wrapAndApplyHeader(record.payload(), 0, messageHeader);
                features.onTransaction(record.tenantId, tx.accountId(), tx.merchantId(), tx.mcc(), tx.amountMinor(), tx.channelRaw(),
                    tx.eventTimeNs(), vector, 0);
                for (int i = 0; i < TransactionFeatures.WIDTH; i++) {
                    assertEquals(Float.floatToRawIntBits(vector[i]),
                        Float.floatToRawIntBits(Float.parseFloat(cells[header.indexOf(TransactionFeatures.name(i))])),
                        "row " + row + " feature " + TransactionFeatures.name(i));
                }
                assertEquals(Long.toString(tx.accountId()), cells[header.indexOf("entity_key")]);
                assertEquals("fraud-mlp-1", cells[header.indexOf("model_version")]);
                assertEquals(tx.label().name(), cells[header.indexOf("label")]);
                labelled += "FRAUD".equals(cells[header.indexOf("label")]) ? 1 : 0;
                transactions++;
            }
        }
        assertTrue(transactions > EVENTS / 2, "most rows are decided transactions: " + transactions);
        assertTrue(labelled > 0, "labels are exported");
    }

    @Test
    void shouldExportParquetThatTheParquetLibraryReadsBackAsTheCsvRows() throws Exception {
        final Path csv = dir.resolve("rows.csv");
        final Path parquet = dir.resolve("rows.parquet");
        assertEquals(0, ReplayCli.run("export", "--data", recorded.toString(), "--out", csv.toString()).exitCode);
        final ReplayCli export = ReplayCli.run("export", "--data", recorded.toString(), "--format", "parquet",
            "--out", parquet.toString());
        assertEquals(0, export.exitCode, export.output);
        final List<String> lines = Files.readAllLines(csv);
        final List<String> columns = FeatureRow.COLUMNS;
        int rows = 0;
        // the pages are zstd (the default): read them with the same Hadoop-free codec (Parquet's own needs Hadoop)
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(parquet),
            ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ZstdCodecFactory(ZstdCodecFactory.DEFAULT_LEVEL)).build())) {
            final MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            assertEquals(TransactionFeatures.VERSION,
                reader.getFooter().getFileMetaData().getKeyValueMetaData().get("vigil.feature_set"));
            assertEquals(io.vigil.scoring.features.spec.FeatureSpec.defaultHash(),
                reader.getFooter().getFileMetaData().getKeyValueMetaData().get("vigil.feature_set_hash"));
            assertEquals(columns.size(), schema.getFieldCount());
            assertTrue(columns.containsAll(ParquetRowWriter.PLAIN_COLUMNS), "plain columns name real columns");
            for (final var chunk : reader.getFooter().getBlocks().get(0).getColumns()) {
                assertEquals(org.apache.parquet.hadoop.metadata.CompressionCodecName.ZSTD, chunk.getCodec(), chunk.getPath().toString());
                final boolean plain = ParquetRowWriter.PLAIN_COLUMNS.contains(chunk.getPath().toDotString());
                assertEquals(!plain, chunk.hasDictionaryPage(), chunk.getPath() + ": dictionary page");
            }
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                final RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
                    .getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    final Group group = records.read();
                    rows++;
                    final String[] cells = lines.get(rows).split(",", -1);
                    for (int c = 0; c < columns.size(); c++) {
                        final String name = columns.get(c);
                        final String expected = cells[c];
                        if (group.getFieldRepetitionCount(name) == 0) {
                            assertEquals("", expected, "row " + rows + " " + name + " is null in Parquet");
                            continue;
                        }
                        final String actual;
                        switch (schema.getType(name).asPrimitiveType().getPrimitiveTypeName()) {
                            case INT64:
                                actual = Long.toString(group.getLong(name, 0));
                                break;
                            case FLOAT:
                                actual = Float.toString(group.getFloat(name, 0));
                                break;
                            default:
                                actual = group.getString(name, 0);
                        }
                        assertEquals(expected, actual, "row " + rows + " column " + name);
                    }
                }
            }
        }
        assertEquals(EVENTS, rows);
    }
}
