package io.vigil.replay;

import io.vigil.scoring.features.FeatureSet;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes feature rows as an Apache Parquet file with the Parquet Java library: one row group per 128 MB, dictionary
 * encoding where it pays ({@link #PLAIN_COLUMNS}), pages compressed with zstd ({@link ZstdCodecFactory}: Parquet's
 * own codecs load Hadoop classes, which the Vigil jar does not carry) or not at all, and the
 * columns of {@link FeatureRow#columns}: lineage as int64 and UTF-8 strings (the feature set's version and content
 * hash in every row), the running feature set's features by name and the scores as float (null where the event has no
 * feature vector). The file's key-value metadata names the feature set ({@code vigil.feature_set}, its hash
 * {@code vigil.feature_set_hash}, its features {@code vigil.feature_names}) and the writer.
 *
 * <p>Single-threaded.
 */
final class ParquetRowWriter implements FeatureExporter.RowWriter {
    /** The schema of an export of the default feature set. */
    static final MessageType SCHEMA = schema(FeatureSet.defaultSet());

    private final ParquetWriter<FeatureRow> writer;

    /**
     * Columns written without a dictionary: unique per row (index, times, sequence) or continuous (most features and
     * the scores). Their dictionaries only grew until the writer fell back to plain encoding, and cost a hash lookup
     * per value meanwhile (a third of the export's time by JFR). The others (types, versions, decisions, counts,
     * flags, account ids) keep theirs.
     */
    static final List<String> PLAIN_COLUMNS = List.of("journal_index", "ingest_time_ns", "event_time_ns",
        "client_sequence", "log_amount", "log_sum_1m", "log_sum_1h", "amount_ewma", "amount_z", "secs_since_prev",
        "velocity_z", "new_merchant_rate", "anomaly_score", "model_score");

    /** Of the default feature set (tests). */
    ParquetRowWriter(final Path file, final int zstdLevel) throws IOException {
        this(file, zstdLevel, FeatureSet.defaultSet());
    }

    /**
     * @param zstdLevel zstd level of the pages, or 0 for none.
     * @param set       the running feature set: its features are the feature columns.
     */
    ParquetRowWriter(final Path file, final int zstdLevel, final FeatureSet set) throws IOException {
        final MessageType schema = schema(set);
        Builder builder = new Builder(new LocalOutputFile(file), schema, set)
            .withConf(new PlainParquetConfiguration())
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withDictionaryEncoding(true);
        if (zstdLevel == 0) {
            builder = builder.withCompressionCodec(CompressionCodecName.UNCOMPRESSED);
        } else {
            builder = builder.withCodecFactory(new ZstdCodecFactory(zstdLevel))
                .withCompressionCodec(CompressionCodecName.ZSTD);
        }
        for (final String column : PLAIN_COLUMNS) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        writer = builder.build();
    }

    private static MessageType schema(final FeatureSet set) {
        final Types.MessageTypeBuilder message = Types.buildMessage();
        for (final String column : FeatureRow.columns(set)) {
            if (set.names().contains(column)) {
                message.primitive(PrimitiveTypeName.FLOAT, Repetition.OPTIONAL).named(column);
                continue;
            }
            switch (column) {
                case "journal_index":
                case "ingest_time_ns":
                case "event_time_ns":
                case "entity_key":
                case "client_sequence":
                case "reasons":
                    message.primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named(column);
                    break;
                case "event_type":
                case "feature_set_version":
                case "feature_set_hash":
                case "decision":
                    message.primitive(PrimitiveTypeName.BINARY, Repetition.REQUIRED)
                        .as(LogicalTypeAnnotation.stringType()).named(column);
                    break;
                case "model_version":
                case "label":
                    message.primitive(PrimitiveTypeName.BINARY, Repetition.OPTIONAL)
                        .as(LogicalTypeAnnotation.stringType()).named(column);
                    break;
                case "anomaly_score":
                case "model_score":
                    message.primitive(PrimitiveTypeName.FLOAT, Repetition.REQUIRED).named(column);
                    break;
                default:
                    message.primitive(PrimitiveTypeName.FLOAT, Repetition.OPTIONAL).named(column);
            }
        }
        return message.named("vigil_features");
    }

    @Override
    public void write(final FeatureRow row) throws IOException {
        writer.write(row);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    @SuppressWarnings("deprecation")
    private static final class Builder extends ParquetWriter.Builder<FeatureRow, Builder> {
        private final MessageType schema;
        private final FeatureSet set;

        Builder(final OutputFile file, final MessageType schema, final FeatureSet set) {
            super(file);
            this.schema = schema;
            this.set = set;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<FeatureRow> getWriteSupport(final ParquetConfiguration conf) {
            return new RowWriteSupport(schema, set);
        }

        @Override
        protected WriteSupport<FeatureRow> getWriteSupport(final org.apache.hadoop.conf.Configuration conf) {
            return new RowWriteSupport(schema, set);
        }
    }

    @SuppressWarnings("deprecation")
    private static final class RowWriteSupport extends WriteSupport<FeatureRow> {
        private final MessageType schema;
        private final FeatureSet set;
        private final List<String> names;
        private RecordConsumer consumer;

        RowWriteSupport(final MessageType schema, final FeatureSet set) {
            this.schema = schema;
            this.set = set;
            this.names = set.names();
        }

        @Override
        public WriteContext init(final ParquetConfiguration configuration) {
            return new WriteContext(schema, Map.of(
                "vigil.feature_set", set.version(),
                "vigil.feature_set_name", set.name(),
                "vigil.feature_set_hash", set.hash(),
                "vigil.feature_names", String.join(",", names),
                "vigil.writer", "vigil replay export"));
        }

        @Override
        public WriteContext init(final org.apache.hadoop.conf.Configuration configuration) {
            return init(new PlainParquetConfiguration());
        }

        @Override
        public void prepareForWrite(final RecordConsumer recordConsumer) {
            this.consumer = recordConsumer;
        }

        @Override
        public void write(final FeatureRow r) {
            final RecordConsumer c = consumer;
            c.startMessage();
            int field = 0;
            field = int64(c, field, "journal_index", r.journalIndex);
            field = int64(c, field, "ingest_time_ns", r.ingestTimeNs);
            field = int64(c, field, "event_time_ns", r.eventTimeNs);
            field = int64(c, field, "entity_key", r.entityKey);
            field = string(c, field, "event_type", r.eventType);
            field = int64(c, field, "client_sequence", r.clientSequence);
            field = string(c, field, "feature_set_version", r.featureSetVersion);
            field = string(c, field, "feature_set_hash", r.featureSetHash);
            field = string(c, field, "model_version", r.modelVersion);
            for (int i = 0; i < names.size(); i++) {
                if (r.hasFeatures) {
                    float32(c, field, names.get(i), r.features[i]);
                }
                field++;
            }
            field = float32(c, field, "anomaly_score", r.anomalyScore);
            field = float32(c, field, "model_score", r.modelScore);
            field = string(c, field, "decision", r.decision);
            field = int64(c, field, "reasons", r.reasons);
            string(c, field, "label", r.label);
            c.endMessage();
        }

        private static int int64(final RecordConsumer c, final int field, final String name, final long value) {
            c.startField(name, field);
            c.addLong(value);
            c.endField(name, field);
            return field + 1;
        }

        private static int float32(final RecordConsumer c, final int field, final String name, final float value) {
            c.startField(name, field);
            c.addFloat(value);
            c.endField(name, field);
            return field + 1;
        }

        /** UTF-8 of the few distinct strings a column holds (types, versions, decisions, labels), encoded once. */
        private final Map<String, Binary> binaries = new HashMap<>();

        private int string(final RecordConsumer c, final int field, final String name, final String value) {
            if (value != null) {
                c.startField(name, field);
                Binary binary = binaries.get(value);
                if (binary == null) {
                    if (binaries.size() >= 4096) {
                        binaries.clear(); // labels are free text: keep the cache bounded
                    }
                    binary = Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
                    binaries.put(value, binary);
                }
                c.addBinary(binary);
                c.endField(name, field);
            }
            return field + 1;
        }
    }
}
