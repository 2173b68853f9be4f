package io.vigil.replay;

import io.vigil.scoring.features.FeatureSet;
import org.apache.parquet.io.api.Binary;
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
 * Writes feature rows as an Apache Parquet file with the Parquet Java library's column writers
 * ({@link ParquetColumns}: each cell straight to its column, no record layer): one row group per 128 MB, dictionary
 * encoding where it pays ({@link #PLAIN_COLUMNS}), pages compressed with zstd ({@link ZstdCodecFactory}: Parquet's
 * own codecs load Hadoop classes, which the Vigil jar does not carry) or not at all, and the
 * columns of {@link FeatureRow#columns}: lineage as int64 and UTF-8 strings (the feature set's version and content
 * hash in every row), the running feature set's features by name and the scores as float (null where the event has no
 * feature vector). The file's key-value metadata names the feature set ({@code vigil.feature_set}, its hash
 * {@code vigil.feature_set_hash}, its features {@code vigil.feature_names}) and the writer.
 *
 * <p>Not thread-safe: one thread writes the rows and closes it (the Parquet encoding runs on the writer thread of
 * {@link ParquetColumns} where there are two processors).
 */
final class ParquetRowWriter implements FeatureExporter.RowWriter {
    /** The schema of an export of the default feature set. */
    static final MessageType SCHEMA = schema(FeatureSet.defaultSet());

    private final ParquetColumns file;
    private final int width;
    /** Column indexes (schema order) of the fixed columns; the features follow {@link #MODEL_VERSION}. */
    private static final int JOURNAL_INDEX = 0, INGEST_TIME = 1, EVENT_TIME = 2, ENTITY_KEY = 3, EVENT_TYPE = 4,
        CLIENT_SEQUENCE = 5, FEATURE_SET_VERSION = 6, FEATURE_SET_HASH = 7, MODEL_VERSION = 8;
    private final int anomalyScore;
    /** Per string column: the last string written and its UTF-8 (rows repeat a few constant strings). */
    private final String[] lastString;
    private final Binary[] lastBinary;
    /** UTF-8 of the few distinct strings a column holds (types, versions, decisions, labels), encoded once. */
    private final Map<String, Binary> binaries = new HashMap<>();

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
        final List<String> names = set.names();
        this.width = names.size();
        this.anomalyScore = MODEL_VERSION + 1 + width;
        this.lastString = new String[anomalyScore + 5];
        this.lastBinary = new Binary[anomalyScore + 5];
        this.file = new ParquetColumns(file, schema(set), zstdLevel, PLAIN_COLUMNS, Map.of(
            "vigil.feature_set", set.version(),
            "vigil.feature_set_name", set.name(),
            "vigil.feature_set_hash", set.hash(),
            "vigil.feature_names", String.join(",", names),
            "vigil.writer", "vigil replay export"));
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
    public void write(final FeatureRow r) throws IOException {
        final ParquetColumns f = file;
        try {
            f.putLong(JOURNAL_INDEX, r.journalIndex);
            f.putLong(INGEST_TIME, r.ingestTimeNs);
            f.putLong(EVENT_TIME, r.eventTimeNs);
            f.putLong(ENTITY_KEY, r.entityKey);
            string(EVENT_TYPE, r.eventType, 0);
            f.putLong(CLIENT_SEQUENCE, r.clientSequence);
            string(FEATURE_SET_VERSION, r.featureSetVersion, 0);
            string(FEATURE_SET_HASH, r.featureSetHash, 0);
            string(MODEL_VERSION, r.modelVersion, 1);
            final int first = MODEL_VERSION + 1;
            if (r.hasFeatures) {
                final float[] features = r.features;
                for (int i = 0; i < width; i++) {
                    f.putFloat(first + i, features[i]);
                }
            } else {
                for (int i = 0; i < width; i++) {
                    f.putNull(first + i);
                }
            }
            final int a = anomalyScore;
            f.putFloat(a, r.anomalyScore);
            f.putFloat(a + 1, r.modelScore);
            string(a + 2, r.decision, 0);
            f.putLong(a + 3, r.reasons);
            string(a + 4, r.label, 1);
        } catch (final RuntimeException ex) {
            f.fail();
            throw ex;
        }
        f.endRow();
    }

    /** @param maxDefinition 0 for a required column (never null), 1 for an optional one. */
    private void string(final int column, final String value, final int maxDefinition) {
        if (value == null) {
            if (maxDefinition == 0) {
                throw new NullPointerException("column " + column + " is required");
            }
            file.putNull(column);
            return;
        }
        Binary binary;
        if (value == lastString[column]) {
            binary = lastBinary[column];
        } else {
            binary = binaries.get(value);
            if (binary == null) {
                if (binaries.size() >= 4096) {
                    binaries.clear(); // labels are free text: keep the cache bounded
                }
                binary = Binary.fromConstantByteArray(value.getBytes(StandardCharsets.UTF_8));
                binaries.put(value, binary);
            }
            lastString[column] = value;
            lastBinary[column] = binary;
        }
        file.putBinary(column, binary);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
