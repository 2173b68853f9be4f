package io.vigil.replay;

import io.vigil.engine.VigilConfig;
import io.vigil.gateway.drift.DriftConfiguration;
import io.vigil.gateway.drift.DriftContext;
import io.vigil.scoring.drift.FeatureReference;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.model.TrainingDataExport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil drift reference} and {@code compare} over the exports a live run gives: the Parquet and the CSV of
 * {@code vigil replay export} make the same reference, the server's drift configuration accepts it, and an export
 * compared with its own reference shows no drift.
 */
@Timeout(180)
class DriftReferenceTest {
    private static final int EVENTS = 5_000;

    @TempDir
    static Path dir;
    static Path recorded;
    static Path parquet;
    static Path csv;

    @BeforeAll
    static void recordAndExport() throws Exception {
        recorded = dir.resolve("recorded");
        LiveRun.record(recorded, Workload.endingNow(5, EVENTS, 24 * Workload.HOUR_NS), EVENTS, Map.of());
        parquet = dir.resolve("rows.parquet");
        csv = dir.resolve("rows.csv");
        assertEquals(0, ReplayCli.run("export", "--data", recorded.toString(), "--format", "parquet",
            "--out", parquet.toString()).exitCode);
        assertEquals(0, ReplayCli.run("export", "--data", recorded.toString(), "--out", csv.toString()).exitCode);
    }

    private static String drift(final int expectedExit, final String... args) {
        final StringWriter out = new StringWriter();
        final CommandLine commandLine = new CommandLine(new DriftCommand()).setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(out, true));
        final int code = commandLine.execute(args);
        System.out.println("$ vigil drift " + String.join(" ", args) + "\n" + out + "(exit " + code + ")");
        assertEquals(expectedExit, code, out.toString());
        return out.toString();
    }

    @Test
    void shouldBuildTheSameReferenceFromTheParquetAndTheCsvExport() throws Exception {
        final Path fromParquet = dir.resolve("parquet-ref.json");
        final Path fromCsv = dir.resolve("csv-ref.json");
        drift(0, "reference", "--input", parquet.toString(), "--out", fromParquet.toString());
        drift(0, "reference", "--input", csv.toString(), "--out", fromCsv.toString());
        final FeatureReference a = FeatureReference.read(fromParquet);
        final FeatureReference b = FeatureReference.read(fromCsv);
        assertEquals(TransactionFeatures.VERSION, a.featureSet());
        assertEquals(TransactionFeatures.NAMES, a.names());
        assertTrue(a.rows() > EVENTS / 2 && a.rows() <= EVENTS, "rows with features: " + a.rows());
        assertEquals(a.rows(), b.rows());
        // the KLL sketches compact at random: two builds agree within their rank error, not bit for bit
        for (int i = 0; i < TransactionFeatures.WIDTH; i++) {
            final FeatureReference.Feature fa = a.features().get(i);
            final FeatureReference.Feature fb = b.features().get(i);
            assertEquals(fa.count(), fb.count());
            assertEquals(fa.min(), fb.min());
            assertEquals(fa.max(), fb.max());
            assertTrue(fa.cdf().ks(fb.cdf()) < 0.02, fa.name() + " ks " + fa.cdf().ks(fb.cdf()));
        }
        // what vigil.drift.reference takes at start
        final DriftContext context = new DriftContext(VigilConfig.of(Map.of(
            DriftConfiguration.REFERENCE.name(), fromParquet.toString()))).conclude();
        assertTrue(context.enabled());
    }

    @Test
    void shouldShowNoDriftOfAnExportAgainstItsOwnReference() throws Exception {
        final Path reference = dir.resolve("self-ref.json");
        drift(0, "reference", "--input", parquet.toString(), "--out", reference.toString());
        final String report = drift(0, "compare", "--reference", reference.toString(), "--input", parquet.toString());
        final Matcher row = Pattern.compile("^  (\\w+) +([0-9.]+) +([0-9.]+)$", Pattern.MULTILINE).matcher(report);
        int features = 0;
        while (row.find()) {
            features++;
            // the same rows, sketched twice: zero up to the sketches' rank error
            assertTrue(Double.parseDouble(row.group(2)) < 0.01, row.group());
            assertTrue(Double.parseDouble(row.group(3)) < 0.02, row.group());
        }
        assertEquals(TransactionFeatures.WIDTH, features, report);
    }

    @Test
    void shouldReadTheTrainingDataExportAndSeeItDriftFromTheLiveRun() throws Exception {
        final Path training = dir.resolve("training.csv");
        TrainingDataExport.export(training, 3, 20_000, 2_000, 20_000_000L, 0.01);
        final Path reference = dir.resolve("training-ref.json");
        drift(0, "reference", "--input", training.toString(), "--out", reference.toString());
        assertEquals(20_000, FeatureReference.read(reference).rows());
        // the live run's workload is another stream than the synthetic generator's: something drifts
        final String report = drift(0, "compare", "--reference", reference.toString(), "--input", csv.toString());
        final Matcher row = Pattern.compile("^  (\\w+) +([0-9.]+) +([0-9.]+)$", Pattern.MULTILINE).matcher(report);
        double largest = 0;
        while (row.find()) {
            largest = Math.max(largest, Double.parseDouble(row.group(2)));
        }
        assertTrue(largest > 0.25, report);
    }

    @Test
    void shouldRefuseAnExportWithoutTheFeatureColumns() throws Exception {
        final Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "a,b\n1,2\n");
        final String out = drift(1, "reference", "--input", bad.toString(), "--out", dir.resolve("x.json").toString());
        assertTrue(out.contains("no column log_amount"), out);
        assertNotEquals(true, Files.exists(dir.resolve("x.json")));
    }
}
