package io.vigil.replay;

import io.vigil.scoring.features.spec.FeatureSpec;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil features backfill} of files: point-in-time correctness (a row never reflects a later event: every
 * prefix of the input gives exactly the first rows of the whole, and an event appended after a row, even one
 * earlier in event time for the same account, changes nothing in it), a Parquet input giving the rows of the same
 * CSV, the output's metadata, and bad input named by row and column with nothing written.
 */
@Timeout(120)
class BackfillFileTest {
    private static final String HEADER = "tenant,account,merchant,mcc,amount_minor,channel,country,currency," +
        "event_time_ns,source\n";
    private static final long BASE = 1_767_225_600_000_000_000L;
    private static final long S = 1_000_000_000L;

    @TempDir
    Path dir;

    /** {@code n} events of two sources and two tenants, with out-of-order, late and too-late ones. */
    private static List<String> events(final int n) {
        final SplittableRandom random = new SplittableRandom(5);
        final List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t = BASE + i * 250_000_000L;
            if (i % 13 == 7) {
                t -= 8 * S; // late (bound 2 s, lateness ~6 s within 30 s)
            } else if (i % 29 == 11) {
                t -= 120 * S; // too late
            }
            lines.add((1 + i % 2) + "," + random.nextInt(12) + "," + random.nextInt(9) + ",5411," +
                (100 + random.nextInt(90_000)) + "," + (i % 3 == 0 ? "POS" : "2") + ",DE,EUR," + t + "," + (i % 2));
        }
        return lines;
    }

    private Path csv(final String name, final List<String> lines) throws IOException {
        final Path file = dir.resolve(name);
        Files.writeString(file, HEADER + String.join("\n", lines) + "\n");
        return file;
    }

    private BackfillSupport.Output backfill(final Path input, final String... extra) throws IOException {
        final Path out = dir.resolve(input.getFileName() + ".out.parquet");
        final List<String> args = new ArrayList<>(List.of("--input", input.toString(), "--out", out.toString(),
            "--max-out-of-orderness", "2s", "--allowed-lateness", "30s"));
        args.addAll(List.of(extra));
        BackfillSupport.ok(args.toArray(new String[0]));
        return BackfillSupport.read(out);
    }

    private static void assertSameRows(final List<BackfillSupport.Row> expected, final List<BackfillSupport.Row> actual,
        final int rows) {
        for (int i = 0; i < rows; i++) {
            final BackfillSupport.Row e = expected.get(i);
            final BackfillSupport.Row a = actual.get(i);
            assertEquals(e.index(), a.index());
            assertEquals(e.account(), a.account());
            assertEquals(e.late(), a.late(), "row " + i);
            assertEquals(e.tooLate(), a.tooLate(), "row " + i);
            assertEquals(e.latenessNs(), a.latenessNs(), "row " + i);
            BackfillSupport.assertSameBits(e.features(), a.features(), "row " + (i + 1));
        }
    }

    @Test
    void everyPrefixGivesTheSameRowsAndALaterEventChangesNoEarlierRow() throws Exception {
        final List<String> lines = events(400);
        final BackfillSupport.Output whole = backfill(csv("all.csv", lines));
        assertEquals(400, whole.rows().size());
        assertTrue(whole.rows().stream().anyMatch(BackfillSupport.Row::late), "late rows");
        assertTrue(whole.rows().stream().anyMatch(BackfillSupport.Row::tooLate), "too-late rows");
        for (final BackfillSupport.Row row : whole.rows()) {
            if (row.tooLate()) {
                for (final float f : row.features()) {
                    assertEquals(0f, f, "a too-late row's features are 0, as live zeroes them");
                }
            }
        }
        for (final int k : new int[] {1, 2, 57, 58, 199, 399}) {
            final BackfillSupport.Output prefix = backfill(csv("prefix-" + k + ".csv", lines.subList(0, k)));
            assertEquals(k, prefix.rows().size());
            assertSameRows(whole.rows(), prefix.rows(), k);
        }
        // an event appended at the end, for the account of row 391, a few seconds earlier in event time than that
        // row (late, within the lateness, so it is applied): nothing before it changes
        final int t = 390;
        final BackfillSupport.Row target = whole.rows().get(t);
        assertFalse(target.late() || target.tooLate(), "an on-time target row");
        final String extra = target.tenant() + "," + target.account() + ",3,5411,777700,1,DE,EUR," +
            (target.eventTimeNs() - 5 * S) + ",1";
        final List<String> withExtra = new ArrayList<>(lines);
        withExtra.add(extra);
        final BackfillSupport.Output appended = backfill(csv("appended.csv", withExtra));
        assertEquals(401, appended.rows().size());
        assertSameRows(whole.rows(), appended.rows(), 400);
        assertTrue(appended.rows().get(400).late(), "the appended event is late");
        assertFalse(appended.rows().get(400).tooLate(), "and applied");
        // the same event does change the target row where it comes before it: the check above can fail
        final List<String> before = new ArrayList<>(lines.subList(0, t));
        before.add(extra);
        before.addAll(lines.subList(t, 400));
        final BackfillSupport.Output leaked = backfill(csv("before.csv", before));
        final BackfillSupport.Row moved = leaked.rows().get(t + 1);
        assertEquals(target.account(), moved.account());
        assertEquals(target.eventTimeNs(), moved.eventTimeNs());
        boolean differs = false;
        for (int i = 0; i < moved.features().length; i++) {
            differs |= Float.floatToIntBits(moved.features()[i]) != Float.floatToIntBits(target.features()[i]);
        }
        assertTrue(differs, "the extra event, applied before the target row, changes its features");
    }

    @Test
    void aParquetInputGivesTheRowsOfTheSameCsvAndTheOutputCarriesTheDefinition() throws Exception {
        final List<String> lines = events(300);
        final Path spec = BackfillLiveTest.variantSpec(dir);
        final BackfillSupport.Output fromCsv = backfill(csv("events.csv", lines), "--features", spec.toString());
        final MessageType schema = Types.buildMessage()
            .required(PrimitiveTypeName.INT32).named("tenant")
            .required(PrimitiveTypeName.INT64).named("account")
            .required(PrimitiveTypeName.INT64).named("merchant")
            .required(PrimitiveTypeName.INT32).named("mcc")
            .required(PrimitiveTypeName.INT64).named("amount_minor")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("channel")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("country")
            .required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("currency")
            .required(PrimitiveTypeName.INT64).named("event_time_ns")
            .optional(PrimitiveTypeName.INT64).named("source")
            .named("events");
        for (final CompressionCodecName codec : List.of(CompressionCodecName.UNCOMPRESSED, CompressionCodecName.SNAPPY)) {
            final Path parquet = dir.resolve("events-" + codec + ".parquet");
            writeEvents(parquet, schema, lines, codec);
            final BackfillSupport.Output fromParquet = backfill(parquet, "--features", spec.toString());
            assertEquals(fromCsv.rows().size(), fromParquet.rows().size(), codec.toString());
            assertSameRows(fromCsv.rows(), fromParquet.rows(), fromCsv.rows().size());
            assertEquals(FeatureSpec.load(spec).hash(), fromParquet.metadata().get("vigil.feature_set_hash"));
            assertNotEquals(FeatureSpec.defaultHash(), fromParquet.metadata().get("vigil.feature_set_hash"));
            assertEquals("vigil features backfill", fromParquet.metadata().get("vigil.writer"));
        }
        final Path snappy = dir.resolve("events-SNAPPY.parquet");
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(snappy),
            ParquetReadOptions.builder(new PlainParquetConfiguration()).build())) {
            assertEquals(CompressionCodecName.SNAPPY, reader.getFooter().getBlocks().get(0).getColumns().get(0).getCodec(),
                "the input really is snappy-compressed");
        }
    }

    private static void writeEvents(final Path parquet, final MessageType schema, final List<String> lines,
        final CompressionCodecName codec) throws IOException {
        final SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(parquet))
            .withConf(new PlainParquetConfiguration()).withType(schema)
            .withCodecFactory(new ZstdCodecFactory(ZstdCodecFactory.DEFAULT_LEVEL)).withCompressionCodec(codec)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).build()) {
            for (final String line : lines) {
                final String[] c = line.split(",");
                final Group g = groups.newGroup()
                    .append("tenant", Integer.parseInt(c[0]))
                    .append("account", Long.parseLong(c[1]))
                    .append("merchant", Long.parseLong(c[2]))
                    .append("mcc", Integer.parseInt(c[3]))
                    .append("amount_minor", Long.parseLong(c[4]))
                    .append("channel", c[5])
                    .append("country", c[6])
                    .append("currency", c[7])
                    .append("event_time_ns", Long.parseLong(c[8]));
                if (!c[9].equals("0")) {
                    g.append("source", Long.parseLong(c[9])); // left out (null) for source 0: the default
                }
                writer.write(g);
            }
        }
    }

    @Test
    void aDefinitionOfOtherFeaturesAndWidthIsBackfilledByItsNames() throws Exception {
        final Path spec = dir.resolve("two.yaml");
        Files.writeString(spec, String.join("\n", "name: kpis", "version: k-7", "key: [account]", "windows:",
            "  10s: {type: tumbling, size: 10s}", "features:", "  - name: n_10s", "    aggregate: count",
            "    window: 10s", "  - name: merchant_sum_10s", "    key: [merchant]", "    aggregate: sum",
            "    of: amount", "    window: 10s", ""));
        final BackfillSupport.Output out = backfill(csv("kpis.csv", events(50)), "--features", spec.toString());
        assertEquals(List.of("n_10s", "merchant_sum_10s"), out.names());
        assertEquals("kpis", out.metadata().get("vigil.feature_set_name"));
        assertEquals("k-7", out.metadata().get("vigil.feature_set_version"));
        assertEquals(1f, out.rows().get(0).features()[0], "the first event of its account counts itself");
    }

    @Test
    void rowsTheLivePipelineRejectsHaveNoRowAndChangeNoState() throws Exception {
        final List<String> lines = new ArrayList<>(events(20));
        final List<String> withBad = new ArrayList<>(lines);
        withBad.add(5, "1,3,3,5411,0,POS,DE,EUR," + (BASE + 3 * S) + ",1"); // amount 0: INVALID_AMOUNT
        withBad.add(9, "1,3,3,5411,100,POS,de,EUR," + (BASE + 3 * S) + ",1"); // lower-case country: INVALID_FIELD
        final BackfillSupport.Output clean = backfill(csv("clean.csv", lines));
        final Path out = dir.resolve("bad.out.parquet");
        final BackfillSupport.Run run = BackfillSupport.run("--input", csv("withbad.csv", withBad).toString(), "--out",
            out.toString(), "--max-out-of-orderness", "2s", "--allowed-lateness", "30s");
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("row 6 rejected by validation (INVALID_AMOUNT)"), run.output());
        assertTrue(run.output().contains("row 10 rejected by validation (INVALID_FIELD)"), run.output());
        assertTrue(run.output().contains("2 rejected by validation"), run.output());
        final List<BackfillSupport.Row> rows = BackfillSupport.read(out).rows();
        assertEquals(clean.rows().size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            BackfillSupport.assertSameBits(clean.rows().get(i).features(), rows.get(i).features(), "row " + i);
        }
    }

    @Test
    void badInputIsNamedByRowAndColumnAndWritesNothing() throws Exception {
        final List<String> good = events(5);
        final Path out = dir.resolve("never.parquet");
        bad(csvText("no-currency.csv", "tenant,account,merchant,mcc,amount_minor,channel,country,event_time_ns\n1,2,3,4,5,0,DE,6\n"),
            out, 1, "no column currency");
        bad(csv("amount.csv", List.of(good.get(0), good.get(1), good.get(2).replaceFirst(",5411,[0-9]+,", ",5411,12x,"))),
            out, 1, "row 3 column amount_minor: not an integer: '12x'");
        bad(csv("country.csv", List.of(good.get(0).replace(",DE,", ",DEU,"))), out, 1,
            "row 1 column country: expected 2 letters");
        bad(csv("channel.csv", List.of(good.get(0), good.get(1).replace(",2,DE,", ",BUS,DE,").replace(",POS,DE,", ",BUS,DE,"))),
            out, 1, "row 2 column channel: not a channel: 'BUS'");
        bad(csv("time.csv", List.of(good.get(0).replaceFirst(",[0-9]+,0$", ",yesterday,0"))), out, 1,
            "row 1 column event_time_ns: not an integer: 'yesterday'");
        bad(csv("empty-cell.csv", List.of(good.get(0).replaceFirst("^1,[0-9]+,", "1,,"))), out, 1,
            "row 1 column account: empty");
        bad(csv("cells.csv", List.of(good.get(0), "1,2,3")), out, 1, "row 2: 3 cells, the header has 10");
        bad(csvText("empty.csv", ""), out, 1, "empty");
        final Path doubles = dir.resolve("doubles.parquet");
        final MessageType schema = Types.buildMessage()
            .required(PrimitiveTypeName.INT32).named("tenant").required(PrimitiveTypeName.INT64).named("account")
            .required(PrimitiveTypeName.INT64).named("merchant").required(PrimitiveTypeName.INT32).named("mcc")
            .required(PrimitiveTypeName.DOUBLE).named("amount_minor").required(PrimitiveTypeName.INT32).named("channel")
            .required(PrimitiveTypeName.BINARY).named("country").required(PrimitiveTypeName.BINARY).named("currency")
            .required(PrimitiveTypeName.INT64).named("event_time_ns").named("events");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(doubles))
            .withConf(new PlainParquetConfiguration()).withType(schema).build()) {
            writer.write(new SimpleGroupFactory(schema).newGroup().append("tenant", 1).append("account", 2L)
                .append("merchant", 3L).append("mcc", 5411).append("amount_minor", 1.5).append("channel", 0)
                .append("country", "DE").append("currency", "EUR").append("event_time_ns", BASE));
        }
        bad(doubles, out, 1, "column amount_minor is DOUBLE, expected INT32 or INT64");
        final Path notParquet = csvText("fake.parquet", "tenant\n1\n");
        bad(notParquet, out, 1, "not a Parquet file");
        bad(dir.resolve("missing.csv"), out, 1, "no such file");
        bad(csvText("events.txt", HEADER), out, 2, "cannot tell the format");
        final Path spec = dir.resolve("bad.yaml");
        Files.writeString(spec, "name: x\nversion: 1\nfeatures:\n  - name: n\n    aggregate: cnt\n");
        final BackfillSupport.Run invalid = BackfillSupport.run("--input", csv("ok.csv", good).toString(), "--features",
            spec.toString(), "--out", out.toString());
        assertEquals(1, invalid.exitCode(), invalid.output());
        assertTrue(invalid.output().contains("invalid feature definition: feature 'n': unknown aggregation 'cnt'"),
            invalid.output());
        assertFalse(Files.exists(out), "nothing written");
    }

    private Path csvText(final String name, final String text) throws IOException {
        final Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private static void bad(final Path input, final Path out, final int exit, final String message) {
        final BackfillSupport.Run run = BackfillSupport.run("--input", input.toString(), "--out", out.toString());
        assertEquals(exit, run.exitCode(), run.output());
        assertTrue(run.output().contains(message), "expected '" + message + "' in: " + run.output());
        assertFalse(Files.exists(out), "nothing written for " + input);
        try (var siblings = Files.list(out.getParent())) {
            assertTrue(siblings.noneMatch(p -> p.getFileName().toString().contains(".partial-")), "no partial file left");
        } catch (final IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    @Test
    void aDefinitionsAllowedLatenessIsTheFilesDefaultAndAConflictingOptionIsRefused() throws Exception {
        final String base = String.join("\n", "name: kpis", "version: k-1", "key: [account]", "windows:",
            "  all: {type: since_first_seen}", "features:", "  - name: n", "    aggregate: count", "    window: all", "");
        final Path declared = Files.writeString(dir.resolve("declared.yaml"), base + "allowed_lateness: 10s\n");
        final Path open = Files.writeString(dir.resolve("open.yaml"), base);
        // the third event is 45 s behind the watermark (200 s - 5 s): too late for 10 s, late for unbounded
        final Path input = csv("late.csv", List.of(
            "1,42,7,5411,1000,POS,DE,EUR," + (BASE + 100 * S) + ",0",
            "1,42,7,5411,1000,POS,DE,EUR," + (BASE + 200 * S) + ",0",
            "1,42,7,5411,1000,POS,DE,EUR," + (BASE + 150 * S) + ",0"));
        final Path out = dir.resolve("late.parquet");
        BackfillSupport.ok("--input", input.toString(), "--features", declared.toString(), "--out", out.toString());
        final BackfillSupport.Row tooLate = BackfillSupport.read(out).rows().get(2);
        assertTrue(tooLate.tooLate(), "beyond the definition's 10 s");
        BackfillSupport.ok("--input", input.toString(), "--features", open.toString(), "--out", out.toString());
        final BackfillSupport.Row late = BackfillSupport.read(out).rows().get(2);
        assertTrue(late.late() && !late.tooLate(), "no declaration: vigil.lateness.allowed, unbounded by default");
        assertEquals(45 * S, late.latenessNs());
        assertEquals(3f, late.features()[0], "applied");
        final BackfillSupport.Run conflict = BackfillSupport.run("--input", input.toString(), "--features",
            declared.toString(), "--allowed-lateness", "1m", "--out", out.toString());
        assertEquals(2, conflict.exitCode(), conflict.output());
        assertTrue(conflict.output().contains("conflicts with allowed_lateness 10s"), conflict.output());
    }
}
