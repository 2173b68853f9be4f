package io.vigil.replay;

import io.vigil.engine.CheckpointStore;
import io.vigil.engine.VigilConfig;
import io.vigil.scoring.features.spec.FeatureSpec;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Determinism: a live run of 120,000 events, then {@code replay verify} finds every decision reproduced exactly. */
@Timeout(180)
class ReplayVerifyTest {
    private static final int EVENTS = 120_000;

    @TempDir
    static Path dataDir;

    @BeforeAll
    static void recordLiveRun() throws Exception {
        final long startNs = System.nanoTime();
        LiveRun.record(dataDir, Workload.endingNow(11, EVENTS, 4 * 24 * Workload.HOUR_NS), EVENTS,
            Map.of(VigilConfig.CHECKPOINT_INTERVAL.name(), "25000"));
        System.out.printf("live run of %,d events recorded in %.1f s%n", EVENTS, (System.nanoTime() - startNs) / 1e9);
    }

    private static long inputIndexAt(final int ordinal) {
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            for (int i = 0; i <= ordinal; i++) {
                assertTrue(reader.read(record));
                if (record.source == RecordHeader.SOURCE_ADMIN) {
                    i--; // a control record (the gateway's watermark ticks): ordinals count events
                }
            }
            return record.index;
        }
    }

    private static long ingestTimeAt(final int ordinal) {
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            for (int i = 0; i <= ordinal; i++) {
                assertTrue(reader.read(record));
                if (record.source == RecordHeader.SOURCE_ADMIN) {
                    i--; // a control record (the gateway's watermark ticks): ordinals count events
                }
            }
            return record.timeNs;
        }
    }

    @Test
    void shouldReproduceEveryRecordedDecisionFromACleanState() {
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString());
        assertEquals(0, verify.exitCode, verify.output);
        assertTrue(verify.output.contains(String.format("compared %,d answers", EVENTS)), verify.output);
        assertTrue(verify.output.contains(String.format("%,d identical", EVENTS)), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);
        assertTrue(verify.output.contains("a clean state"), verify.output);
    }

    @Test
    void shouldVerifyARangeStartingFromTheCheckpointBeforeIt() throws Exception {
        assertTrue(new CheckpointStore(dataDir.resolve("checkpoints"), 3).list().size() >= 2, "the live run checkpointed");
        final long from = inputIndexAt(100_000);
        final long to = inputIndexAt(110_000 - 1);
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--from", Long.toString(from),
            "--to", "0x" + Long.toHexString(to));
        assertEquals(0, verify.exitCode, verify.output);
        assertTrue(verify.output.contains("compared 10,000 answers"), verify.output);
        assertTrue(verify.output.contains("state from checkpoint"), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);
    }

    @Test
    void shouldFindATimeRangeInTheJournal() {
        final long fromTime = ingestTimeAt(50_000);
        final long toTime = ingestTimeAt(59_999);
        final Instant from = Instant.ofEpochSecond(0, fromTime);
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--no-checkpoint",
            "--from", from.toString(), "--to", toTime + "ns");
        assertEquals(0, verify.exitCode, verify.output);
        final long first = Long.parseLong(verify.output.replaceAll("(?s).*range: input index (\\d+) .*", "$1"));
        assertTrue(first <= inputIndexAt(50_000), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);
    }

    private static Path featureConfig(final String name, final String yaml) throws Exception {
        final Path spec = Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + "-" + name + ".yaml"), yaml);
        return Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + "-" + name + ".properties"),
            VigilConfig.FEATURES_SPEC.name() + "=" + spec + "\n");
    }

    private static String defaultYaml() throws Exception {
        try (java.io.InputStream in = FeatureSpec.class.getResourceAsStream(FeatureSpec.DEFAULT_RESOURCE)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * The journal was recorded with the hand-written TransactionFeatures; replayed with the default definition
     * compiled (vigil.features.spec), every decision is the same.
     */
    @Test
    void shouldReproduceEveryDecisionWithTheDefaultDefinitionCompiled() throws Exception {
        final Path config = featureConfig("compiled-default", defaultYaml());
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", config.toString());
        assertEquals(0, verify.exitCode, verify.output);
        assertTrue(verify.output.contains(String.format("%,d identical", EVENTS)), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);
    }

    /** The compiled definition really runs: one changed parameter changes decisions. */
    @Test
    void shouldReportChangedDecisionsWhenTheFeatureDefinitionDiffers() throws Exception {
        final Path config = featureConfig("changed", defaultYaml().replace("alpha: 0.1", "alpha: 0.5"));
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", config.toString(),
            "--show", "1");
        assertEquals(1, verify.exitCode, verify.output);
        assertTrue(verify.output.contains("MISMATCH input index"), verify.output);
    }

    /** The default definition with its features in reverse order: the vector is permuted, every decision is the same. */
    static String reversedDefaultYaml() throws Exception {
        final String yaml = defaultYaml();
        final int features = yaml.indexOf("\nfeatures:\n") + "\nfeatures:\n".length();
        final java.util.List<String> blocks = new java.util.ArrayList<>(java.util.List.of(
            yaml.substring(features).split("(?m)^(?=  - name:)")));
        final String head = blocks.get(0).startsWith("  - name:") ? "" : blocks.remove(0);
        java.util.Collections.reverse(blocks);
        return yaml.substring(0, features) + head + String.join("", blocks.stream()
            .map(b -> b.endsWith("\n") ? b : b + "\n").toList());
    }

    /**
     * The rules, the anomaly score and the model find their features by name: the default features in reverse order
     * give the very decisions the kernel recorded.
     */
    @Test
    void shouldReproduceEveryDecisionWithTheDefaultFeaturesInAnotherOrder() throws Exception {
        final String reversed = reversedDefaultYaml();
        final FeatureSpec spec = FeatureSpec.parse(reversed, "reversed");
        final java.util.List<String> names = new java.util.ArrayList<>(FeatureSpec.defaultSpec().emittedNames());
        java.util.Collections.reverse(names);
        assertEquals(names, spec.emittedNames(), "the vector is permuted");
        final Path config = featureConfig("reversed", reversed);
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", config.toString());
        assertEquals(0, verify.exitCode, verify.output);
        assertTrue(verify.output.contains(String.format("%,d identical", EVENTS)), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);
    }

    @Test
    void shouldRefuseADefinitionThatLacksWhatTheRulesRead() throws Exception {
        final Path config = featureConfig("other", "name: x\nversion: 1\nwindows: {a: {type: since_first_seen}}\n" +
            "features:\n  - {name: n, aggregate: count, window: a}\n");
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", config.toString());
        assertEquals(2, verify.exitCode, verify.output);
        assertTrue(verify.output.contains("rule card_testing reads its input count_1m from feature 'count_1m', which " +
            "feature set 'x' 1") && verify.output.contains("(it emits [n])") && verify.output.contains("vigil.rules.inputs") &&
            verify.output.contains("vigil.rules.off"), verify.output);
    }

    /** A three-feature definition under other names: rules mapped onto it, the others off, no model. */
    private static Path threeFeatures(final String name, final String extra) throws Exception {
        final Path spec = Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + "-" + name + ".yaml"),
            "name: small\nversion: s-1\nkey: [account]\nwindows: {m: {type: sliding, size: 60s, step: 1s}}\n" +
            "features:\n" +
            "  - {name: log_amt, value: amount, transform: [{clamp_min: 0}, {divide: 100}, log1p]}\n" +
            "  - {name: n_1m, aggregate: count, window: m}\n" +
            "  - {name: z, aggregate: ewm_zscore, of: log_amt, alpha: 0.1, clip_stds: 3, std_floor: 0.25, " +
            "initial_variance: 1}\n");
        return Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + "-" + name + ".properties"),
            VigilConfig.FEATURES_SPEC.name() + "=" + spec + "\n" + extra);
    }

    @Test
    void shouldRunAndExportADefinitionOfOtherFeatures() throws Exception {
        final Path config = threeFeatures("small", VigilConfig.RULE_INPUTS.name() +
            "=count_1m=n_1m, log_amount=log_amt, amount_z=z\n" + VigilConfig.RULE_OFF.name() + "=velocity,hopping,anomaly\n" +
            VigilConfig.MODEL_PATH.name() + "=none\n");
        final Path csv = dataDir.resolveSibling(dataDir.getFileName() + "-small.csv");
        final ReplayCli export = ReplayCli.run("export", "--data", dataDir.toString(), "--config", config.toString(),
            "--format", "csv", "--out", csv.toString());
        assertEquals(0, export.exitCode, export.output);
        final java.util.List<String> lines = Files.readAllLines(csv);
        final java.util.List<String> header = java.util.List.of(lines.get(0).split(","));
        final String hash = FeatureSpec.parse(Files.readString(Path.of(Files.readAllLines(config).get(0)
            .substring(VigilConfig.FEATURES_SPEC.name().length() + 1))), "small").hash();
        assertEquals(java.util.List.of("log_amt", "n_1m", "z"),
            header.subList(header.indexOf("model_version") + 1, header.indexOf("anomaly_score")), lines.get(0));
        final int hashColumn = header.indexOf("feature_set_hash");
        final int versionColumn = header.indexOf("feature_set_version");
        final int decision = header.indexOf("decision");
        final int reasons = header.indexOf("reasons");
        final int n1m = header.indexOf("n_1m");
        final int logAmt = header.indexOf("log_amt");
        final int z = header.indexOf("z");
        int fired = 0;
        int transactions = 0;
        for (final String line : lines.subList(1, lines.size())) {
            final String[] cells = line.split(",", -1);
            assertEquals(hash, cells[hashColumn], line);
            assertEquals("s-1", cells[versionColumn], line);
            if (!cells[n1m].isEmpty()) {
                transactions++;
                final long r = Long.parseLong(cells[reasons]);
                assertTrue((r & io.vigil.scoring.rules.DecisionRules.MODEL_FALLBACK) != 0, "no model: " + line);
                assertEquals(0, r & (io.vigil.scoring.rules.DecisionRules.VELOCITY_ANOMALY |
                    io.vigil.scoring.rules.DecisionRules.MERCHANT_HOPPING), "rules off: " + line);
                final boolean card = Float.parseFloat(cells[n1m]) >= 5 && Float.parseFloat(cells[logAmt]) <= Math.log1p(5.0);
                assertEquals(card, (r & io.vigil.scoring.rules.DecisionRules.CARD_TESTING) != 0, "card testing: " + line);
                final boolean amount = Float.parseFloat(cells[z]) >= 5f;
                assertEquals(amount, (r & io.vigil.scoring.rules.DecisionRules.AMOUNT_ANOMALY) != 0, "amount: " + line);
                fired += card || amount ? 1 : 0;
                assertTrue(cells[decision].equals("APPROVE") || cells[decision].equals("REVIEW") ||
                    cells[decision].equals("DECLINE"), line);
            }
        }
        assertTrue(transactions > EVENTS / 2, "transactions exported: " + transactions);
        assertTrue(fired > 0, "the mapped rules fired");

        // the same definition with the bundled model: refused, naming the model and what it lacks
        final Path withModel = threeFeatures("small-model", VigilConfig.RULE_OFF.name() +
            "=amount,velocity,hopping,card_testing,anomaly\n");
        final ReplayCli refused = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", withModel.toString());
        assertEquals(2, refused.exitCode, refused.output);
        assertTrue(refused.output.contains("model fraud-model.onnx") && refused.output.contains("amount_z") &&
            refused.output.contains("[log_amt, n_1m, z]"), refused.output);
    }

    @Test
    void shouldReportEveryChangedDecisionWhenTheRulesDiffer() throws Exception {
        final Path config = Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + "-strict.properties"),
            VigilConfig.RULE_ANOMALY_REVIEW.name() + "=0.05\n");
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", config.toString(),
            "--show", "3");
        assertEquals(1, verify.exitCode, verify.output);
        assertTrue(verify.output.contains("MISMATCH input index"), verify.output);
        assertTrue(verify.output.contains("action recorded"), verify.output);
        assertTrue(!verify.output.contains("\n0 mismatches"), verify.output);
    }
}
