package io.vigil.replay;

import io.vigil.engine.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events the gateway's network thread ran through the pipeline itself ({@code vigil.pipeline.inline.max}, a client
 * that waits for each answer) are decided exactly as a replay through the pipeline decides them: {@code replay
 * verify} reproduces every recorded answer, across the periodic checkpoints that came due in inline runs.
 */
@Timeout(180)
class InlineRunReplayTest {
    private static final int EVENTS = 3_000;

    @TempDir
    Path dataDir;

    @Test
    void shouldReproduceEveryAnswerOfEventsRunInline() throws Exception {
        final long inline = LiveRun.recordOneAtATime(dataDir, Workload.endingNow(5, EVENTS, 2 * Workload.HOUR_NS),
            EVENTS, Map.of(VigilConfig.CHECKPOINT_INTERVAL.name(), "500"));
        assertTrue(inline > EVENTS / 2, "only " + inline + " of " + EVENTS + " events ran inline");
        final ReplayCli verify = ReplayCli.run("verify", "--data", dataDir.toString());
        assertEquals(0, verify.exitCode, verify.output);
        assertTrue(verify.output.contains(String.format("%,d identical", EVENTS)), verify.output);
        assertTrue(verify.output.contains("\n0 mismatches"), verify.output);
        System.out.printf("InlineRunReplayTest: %,d of %,d events ran inline, all reproduced%n", inline, EVENTS);
    }
}
