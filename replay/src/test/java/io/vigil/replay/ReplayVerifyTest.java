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

    @Test
    void shouldRefuseADefinitionOfOtherFeatures() throws Exception {
        final Path config = featureConfig("other", "name: x\nversion: 1\nwindows: {a: {type: since_first_seen}}\n" +
            "features:\n  - {name: n, aggregate: count, window: a}\n");
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString(), "--config", config.toString());
        assertEquals(2, verify.exitCode, verify.output);
        assertTrue(verify.output.contains("vigil.features.spec") && verify.output.contains("emits [n]"), verify.output);
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
