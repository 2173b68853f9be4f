package io.vigil.replay;

import io.vigil.engine.RunContext;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run records what it started with; `replay verify --data DIR` reproduces it with no --config. */
@Timeout(180)
class RecordedContextTest {
    private static final int EVENTS = 20_000;

    @TempDir
    Path dataDir;

    @Test
    void verifyNeedsNoConfigForARunWithOtherRules() throws Exception {
        // strict review thresholds: many decisions differ from what the defaults give
        LiveRun.record(dataDir, Workload.endingNow(5, EVENTS, 2 * 24 * Workload.HOUR_NS), EVENTS, Map.of(
            VigilConfig.RULE_MODEL_REVIEW.name(), "0.05",
            VigilConfig.RULE_ANOMALY_REVIEW.name(), "0.3"));

        final Path contextFile = dataDir.resolve(RunContext.FILE);
        final Properties recorded = new Properties();
        try (var in = Files.newBufferedReader(contextFile)) {
            recorded.load(in);
        }
        assertEquals("0.05", recorded.getProperty(VigilConfig.RULE_MODEL_REVIEW.name()));
        assertEquals(RunContext.vigilVersion(), recorded.getProperty(RunContext.VERSION));
        assertTrue(recorded.getProperty(RunContext.MODEL_SHA256).matches("[0-9a-f]{64}"), recorded.toString());
        assertFalse(recorded.containsKey(GatewayConfiguration.CREDENTIAL.name()), "the credential is never written down");
        try (var history = Files.list(dataDir.resolve(RunContext.HISTORY))) {
            assertEquals(1, history.count());
        }

        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString());
        assertEquals(0, verify.exitCode, verify.output);
        assertTrue(verify.output.contains("configuration recorded with the run"), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);

        // without the recorded context the defaults apply, and the stricter run is not reproduced
        Files.delete(contextFile);
        final ReplayCli defaults = ReplayCli.run("verify", "--data", dataDir.toString());
        assertEquals(1, defaults.exitCode, defaults.output);
        assertTrue(defaults.output.contains("has no " + RunContext.FILE), defaults.output);
    }
}
