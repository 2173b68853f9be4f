package io.vigil.replay;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import io.vigil.scoring.drift.DriftStatistics;
import io.vigil.scoring.drift.EmpiricalCdf;
import io.vigil.scoring.drift.FeatureReference;
import io.vigil.scoring.drift.FeatureReferenceBuilder;
import io.vigil.scoring.features.FeatureSet;
import org.apache.datasketches.kll.KllFloatsSketch;
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
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code vigil drift}: the offline side of feature drift. {@code reference} builds the reference file
 * ({@link FeatureReference}) that {@code vigil.drift.reference} names from a training export: the Parquet or CSV of
 * {@code vigil replay export}, or the CSV of the training data export; {@code compare} prints the PSI and KS of
 * another export against a reference (the same statistics the live drift thread computes). Rows without a feature
 * vector (metric samples, rejected events) are skipped. An export that names another feature set (the Parquet
 * file's {@code vigil.feature_set}, the CSV's {@code feature_set_version} column) is refused.
 *
 * <p>Command-line tool; single-threaded, allocates freely.
 */
@Command(name = "drift", mixinStandardHelpOptions = true,
    description = "Feature drift: build the reference distribution of every feature from a training export, or " +
        "compare an export with a reference (PSI over the reference's deciles, two-sample KS).",
    subcommands = {DriftCommand.Reference.class, DriftCommand.Compare.class})
public final class DriftCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Receives the rows of an export, one feature vector at a time. */
    @FunctionalInterface
    interface RowSink {
        void row(float[] vector);
    }

    /** What a read found. */
    record ReadResult(long rows, long skipped, String featureSet) {
    }

    @Command(name = "reference", mixinStandardHelpOptions = true,
        description = "Build a feature reference (JSON) from a training export (.parquet or .csv).")
    public static final class Reference implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--input", required = true, description = "The export: .parquet or .csv with a header row.")
        Path input;

        @Option(names = "--out", required = true, description = "Reference file to write (JSON).")
        Path out;

        @Option(names = "--features", description = "The feature definition the export was computed with (default: " +
            "the built-in one): its features are the reference's.")
        Path features;

        @Option(names = "--k", defaultValue = "" + FeatureReferenceBuilder.DEFAULT_K,
            description = "k of the KLL sketches (default ${DEFAULT-VALUE}).")
        int k;

        @Override
        public Integer call() throws IOException {
            final FeatureSet set = featureSet(features);
            final List<String> names = set.names();
            final FeatureReferenceBuilder builder = new FeatureReferenceBuilder(set.version(),
                FeatureReference.featureSetHash(set.version(), names), names, k);
            final ReadResult read = readExport(input, set, vector -> builder.addRow(vector, 0));
            if (read.rows() == 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), input + ": no row with a feature vector");
            }
            final FeatureReference reference = builder.build(input.getFileName().toString());
            reference.write(out);
            final PrintWriter w = spec.commandLine().getOut();
            w.printf("drift reference %s -> %s: feature set %s (hash %s), %,d rows (%,d without features skipped)%n",
                input, out, reference.featureSet(), reference.featureSetHash().substring(0, 12), read.rows(), read.skipped());
            for (final FeatureReference.Feature f : reference.features()) {
                w.printf(Locale.ROOT, "  %-24s min %12.4f  max %12.4f  %d bins%n", f.name(), f.min(), f.max(),
                    f.binShares().length);
            }
            w.flush();
            return 0;
        }
    }

    @Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Print each feature's PSI and KS of an export (.parquet or .csv) against a reference.")
    public static final class Compare implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--reference", required = true, description = "Reference file (vigil drift reference).")
        Path referenceFile;

        @Option(names = "--input", required = true, description = "The export to compare.")
        Path input;

        @Option(names = "--features", description = "The feature definition the export was computed with (default: " +
            "the built-in one).")
        Path features;

        @Override
        public Integer call() throws IOException {
            final FeatureReference reference = FeatureReference.read(referenceFile);
            final FeatureSet set = featureSet(features);
            final List<String> names = set.names();
            try {
                reference.requireFeatureSet(set.version(), names);
            } catch (final IllegalArgumentException ex) {
                throw new CommandLine.ParameterException(spec.commandLine(), referenceFile + ": " + ex.getMessage());
            }
            final KllFloatsSketch[] sketches = new KllFloatsSketch[names.size()];
            for (int i = 0; i < sketches.length; i++) {
                sketches[i] = KllFloatsSketch.newHeapInstance(FeatureReferenceBuilder.DEFAULT_K);
            }
            final ReadResult read = readExport(input, set, vector -> {
                for (int i = 0; i < vector.length; i++) {
                    sketches[i].update(vector[i]);
                }
            });
            final PrintWriter w = spec.commandLine().getOut();
            w.printf("drift compare %s against %s: %,d rows%n", input, referenceFile, read.rows());
            w.printf("  %-24s %10s %10s%n", "feature", "psi", "ks");
            for (int i = 0; i < sketches.length; i++) {
                final FeatureReference.Feature f = reference.features().get(i);
                final double psi = sketches[i].isEmpty() ? Double.NaN :
                    DriftStatistics.psi(f.binShares(), f.cutPoints(), sketches[i]);
                final double ks = sketches[i].isEmpty() ? Double.NaN : f.cdf().ks(EmpiricalCdf.of(sketches[i]));
                w.printf(Locale.ROOT, "  %-24s %10.4f %10.4f%n", f.name(), psi, ks);
            }
            w.flush();
            return 0;
        }
    }

    /** The feature set of a definition file, the built-in default for null. */
    static FeatureSet featureSet(final Path spec) {
        return FeatureSet.ofNullable(spec == null ? null : io.vigil.scoring.features.spec.FeatureSpec.load(spec));
    }

    /** Reads the feature columns of {@code set} from a Parquet or CSV export, row by row. */
    static ReadResult readExport(final Path file, final FeatureSet set, final RowSink sink) throws IOException {
        final List<String> names = set.names();
        final String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        final ReadResult result = name.endsWith(".parquet") ? readParquet(file, names, sink) : readCsv(file, names, sink);
        if (result.featureSet() != null && !result.featureSet().equals(set.version())) {
            throw new IOException(file + " holds features of feature set '" + result.featureSet() + "', not of '" +
                set.version() + "' (pass --features with the definition it was computed with)");
        }
        return result;
    }

    private static ReadResult readParquet(final Path file, final List<String> names, final RowSink sink)
        throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
            ParquetReadOptions.builder(new PlainParquetConfiguration())
                .withCodecFactory(new ZstdCodecFactory(ZstdCodecFactory.DEFAULT_LEVEL)).build())) {
            final MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            final String featureSet = reader.getFooter().getFileMetaData().getKeyValueMetaData().get("vigil.feature_set");
            final List<Type> fields = new ArrayList<>();
            for (final String column : names) {
                if (!schema.containsField(column)) {
                    throw new IOException(file + ": no column " + column);
                }
                fields.add(schema.getType(column));
            }
            final MessageType projection = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(projection);
            final boolean[] isDouble = new boolean[names.size()];
            for (int i = 0; i < isDouble.length; i++) {
                isDouble[i] = fields.get(i).asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.DOUBLE;
            }
            final float[] vector = new float[names.size()];
            long rows = 0;
            long skipped = 0;
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                final RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection, schema)
                    .getRecordReader(pages, new GroupRecordConverter(projection));
                for (long r = 0; r < pages.getRowCount(); r++) {
                    final Group group = records.read();
                    boolean complete = true;
                    for (int i = 0; i < vector.length && complete; i++) {
                        if (group.getFieldRepetitionCount(i) == 0) {
                            complete = false;
                        } else {
                            vector[i] = isDouble[i] ? (float)group.getDouble(i, 0) : group.getFloat(i, 0);
                        }
                    }
                    if (complete) {
                        sink.row(vector);
                        rows++;
                    } else {
                        skipped++;
                    }
                }
            }
            return new ReadResult(rows, skipped, featureSet);
        }
    }

    private static ReadResult readCsv(final Path file, final List<String> names, final RowSink sink) throws IOException {
        final CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             MappingIterator<String[]> lines = mapper.readerFor(String[].class).readValues(in)) {
            if (!lines.hasNext()) {
                throw new IOException(file + ": empty");
            }
            final List<String> header = List.of(lines.next());
            final int[] columns = new int[names.size()];
            for (int i = 0; i < columns.length; i++) {
                columns[i] = header.indexOf(names.get(i));
                if (columns[i] < 0) {
                    throw new IOException(file + ": no column " + names.get(i) + " in its header");
                }
            }
            final int featureSetColumn = header.indexOf("feature_set_version");
            String featureSet = null;
            final float[] vector = new float[names.size()];
            long rows = 0;
            long skipped = 0;
            long line = 1;
            while (lines.hasNext()) {
                final String[] cells = lines.next();
                line++;
                boolean complete = true;
                for (int i = 0; i < columns.length && complete; i++) {
                    final String cell = columns[i] < cells.length ? cells[columns[i]].trim() : "";
                    if (cell.isEmpty()) {
                        complete = false;
                    } else {
                        try {
                            vector[i] = Float.parseFloat(cell);
                        } catch (final NumberFormatException ex) {
                            throw new IOException(file + " line " + line + ": " + names.get(i) + " is not a number: '" +
                                cell + "'");
                        }
                    }
                }
                if (featureSetColumn >= 0 && featureSetColumn < cells.length && !cells[featureSetColumn].isEmpty()) {
                    featureSet = cells[featureSetColumn];
                }
                if (complete) {
                    sink.row(vector);
                    rows++;
                } else {
                    skipped++;
                }
            }
            return new ReadResult(rows, skipped, featureSet);
        }
    }
}
