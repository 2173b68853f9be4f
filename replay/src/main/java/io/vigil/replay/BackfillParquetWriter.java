package io.vigil.replay;

import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureSpec;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type.Repetition;
import org.apache.parquet.schema.Types;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code vigil features backfill} rows as an Apache Parquet file (the Parquet Java library, pages compressed
 * with zstd through {@link ZstdCodecFactory} or not at all, like {@code replay export}). Columns, in order:
 * {@link #LEADING} (input index or row number, tenant, account, event time, late and too-late flags, lateness), then
 * one required float per feature the definition emits, named as the definition names it. The file's key-value
 * metadata: {@code vigil.feature_set} (the definition's version, as {@code replay export} writes it),
 * {@code vigil.feature_set_name}, {@code vigil.feature_set_version}, {@code vigil.feature_set_hash} (its content
 * hash), {@code vigil.writer} and {@code vigil.backfill.input}.
 *
 * <p>Single-threaded.
 */
final class BackfillParquetWriter implements Backfill.RowSink, AutoCloseable {
    /** The columns before the features. */
    static final List<String> LEADING = List.of("input_index", "tenant", "account", "event_time_ns", "late",
        "too_late", "lateness_ns");

    private final ParquetWriter<Backfill.Row> writer;

    /**
     * @param zstdLevel zstd level of the pages, or 0 for none.
     * @param input     what was read (for the metadata).
     */
    BackfillParquetWriter(final Path file, final CompiledFeatures features, final int zstdLevel, final String input)
        throws IOException {
        final FeatureSpec spec = features.spec();
        for (final String name : features.names()) {
            if (LEADING.contains(name)) {
                throw new IllegalArgumentException("feature '" + name + "' has the name of a backfill column");
            }
        }
        final Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("vigil.feature_set", spec.version());
        metadata.put("vigil.feature_set_name", spec.name());
        metadata.put("vigil.feature_set_version", spec.version());
        metadata.put("vigil.feature_set_hash", features.hash());
        metadata.put("vigil.writer", "vigil features backfill");
        metadata.put("vigil.backfill.input", input);
        final MessageType schema = schema(features.names());
        Builder builder = new Builder(new LocalOutputFile(file), new RowWriteSupport(schema, features.names(), metadata))
            .withConf(new PlainParquetConfiguration())
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withDictionaryEncoding(true);
        if (zstdLevel == 0) {
            builder = builder.withCompressionCodec(CompressionCodecName.UNCOMPRESSED);
        } else {
            builder = builder.withCodecFactory(new ZstdCodecFactory(zstdLevel))
                .withCompressionCodec(CompressionCodecName.ZSTD);
        }
        // unique per row or continuous: a dictionary only grows until the writer falls back (see ParquetRowWriter).
        // Features too: most are continuous, and their dictionaries took a third of a backfill's time (JFR, 1 M
        // demo events); tenant, account and the flags keep theirs
        for (final String column : List.of("input_index", "event_time_ns", "lateness_ns")) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        for (final String column : features.names()) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        writer = builder.build();
    }

    static MessageType schema(final List<String> featureNames) {
        final Types.MessageTypeBuilder message = Types.buildMessage();
        message.primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named("input_index");
        message.primitive(PrimitiveTypeName.INT32, Repetition.REQUIRED).named("tenant");
        message.primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named("account");
        message.primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named("event_time_ns");
        message.primitive(PrimitiveTypeName.BOOLEAN, Repetition.REQUIRED).named("late");
        message.primitive(PrimitiveTypeName.BOOLEAN, Repetition.REQUIRED).named("too_late");
        message.primitive(PrimitiveTypeName.INT64, Repetition.REQUIRED).named("lateness_ns");
        for (final String name : featureNames) {
            message.primitive(PrimitiveTypeName.FLOAT, Repetition.REQUIRED).named(name);
        }
        return message.named("vigil_backfill");
    }

    @Override
    public void row(final Backfill.Row row) throws IOException {
        writer.write(row);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    @SuppressWarnings("deprecation")
    private static final class Builder extends ParquetWriter.Builder<Backfill.Row, Builder> {
        private final RowWriteSupport support;

        Builder(final OutputFile file, final RowWriteSupport support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Backfill.Row> getWriteSupport(final ParquetConfiguration conf) {
            return support;
        }

        @Override
        protected WriteSupport<Backfill.Row> getWriteSupport(final org.apache.hadoop.conf.Configuration conf) {
            return support;
        }
    }

    @SuppressWarnings("deprecation")
    private static final class RowWriteSupport extends WriteSupport<Backfill.Row> {
        private final MessageType schema;
        private final String[] names;
        private final Map<String, String> metadata;
        private RecordConsumer consumer;

        RowWriteSupport(final MessageType schema, final List<String> featureNames, final Map<String, String> metadata) {
            this.schema = schema;
            this.names = new ArrayList<>(featureNames).toArray(new String[0]);
            this.metadata = metadata;
        }

        @Override
        public WriteContext init(final ParquetConfiguration configuration) {
            return new WriteContext(schema, metadata);
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
        public void write(final Backfill.Row r) {
            final RecordConsumer c = consumer;
            c.startMessage();
            int64(c, 0, "input_index", r.inputIndex);
            c.startField("tenant", 1);
            c.addInteger(r.tenant);
            c.endField("tenant", 1);
            int64(c, 2, "account", r.account);
            int64(c, 3, "event_time_ns", r.eventTimeNs);
            bool(c, 4, "late", r.late);
            bool(c, 5, "too_late", r.tooLate);
            int64(c, 6, "lateness_ns", r.latenessNs);
            final int first = LEADING.size();
            for (int i = 0; i < names.length; i++) {
                c.startField(names[i], first + i);
                c.addFloat(r.features[i]);
                c.endField(names[i], first + i);
            }
            c.endMessage();
        }

        private static void int64(final RecordConsumer c, final int field, final String name, final long value) {
            c.startField(name, field);
            c.addLong(value);
            c.endField(name, field);
        }

        private static void bool(final RecordConsumer c, final int field, final String name, final boolean value) {
            c.startField(name, field);
            c.addBoolean(value);
            c.endField(name, field);
        }
    }
}
