package io.vigil.replay;

import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.FeatureSpec;
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
 * <p>Not thread-safe: one thread writes the rows and closes it (the Parquet encoding runs on the writer thread of
 * {@link ParquetColumns} where there are two processors).
 */
final class BackfillParquetWriter implements Backfill.RowSink, AutoCloseable {
    /** The columns before the features. */
    static final List<String> LEADING = List.of("input_index", "tenant", "account", "event_time_ns", "late",
        "too_late", "lateness_ns");
    private static final int LEADING_COUNT = 7;

    private final ParquetColumns file;
    private final int width;

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
        // unique per row or continuous: a dictionary only grows until the writer falls back (see ParquetRowWriter).
        // Features too: most are continuous, and their dictionaries took a third of a backfill's time (JFR, 1 M
        // demo events); tenant, account and the flags keep theirs
        final List<String> plain = new ArrayList<>(List.of("input_index", "event_time_ns", "lateness_ns"));
        plain.addAll(features.names());
        this.width = features.names().size();
        this.file = new ParquetColumns(file, schema(features.names()), zstdLevel, plain, metadata);
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
    public void row(final Backfill.Row r) throws IOException {
        final ParquetColumns f = file;
        try {
            f.putLong(0, r.inputIndex);
            f.putInt(1, r.tenant);
            f.putLong(2, r.account);
            f.putLong(3, r.eventTimeNs);
            f.putBoolean(4, r.late);
            f.putBoolean(5, r.tooLate);
            f.putLong(6, r.latenessNs);
            final float[] features = r.features;
            for (int i = 0; i < width; i++) {
                f.putFloat(LEADING_COUNT + i, features[i]);
            }
        } catch (final RuntimeException ex) {
            f.fail();
            throw ex;
        }
        f.endRow();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
