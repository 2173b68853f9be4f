package io.vigil.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class VigilConfigTest {
    @Test
    void shouldUseDefaultsWhenNothingIsSet() {
        final VigilConfig config = VigilConfig.of(Map.of());
        assertEquals(16384, config.integer(VigilConfig.RING_SIZE));
        assertEquals("default", config.source(VigilConfig.RING_SIZE));
        assertEquals(TimeUnit.DAYS.toNanos(7), config.durationNs(VigilConfig.MAX_EVENT_AGE));
        assertEquals(16 * 1024 * 1024, config.integer(VigilConfig.DATA_FREE_MIN));
    }

    @Test
    void shouldParseUnitsOfDurationsAndSizes() {
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.INFERENCE_BUDGET.name(), "250ms",
            VigilConfig.MAX_FUTURE_SKEW.name(), "90s",
            VigilConfig.DATA_FREE_MIN.name(), "64k"));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), config.durationNs(VigilConfig.INFERENCE_BUDGET));
        assertEquals(TimeUnit.SECONDS.toNanos(90), config.durationNs(VigilConfig.MAX_FUTURE_SKEW));
        assertEquals(65536, config.size(VigilConfig.DATA_FREE_MIN));
    }

    @Test
    void shouldNameTheKeyOfAMalformedValue() {
        final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.WATCHDOG_STALL_TIMEOUT.name(), "soon"));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> config.durationNs(VigilConfig.WATCHDOG_STALL_TIMEOUT));
        assertTrue(ex.getMessage().contains("vigil.watchdog.stall.timeout"), ex.getMessage());
    }

    @Test
    void shouldRefuseUnknownKeys(@TempDir final Path dir) throws IOException {
        assertThrows(IllegalArgumentException.class, () -> VigilConfig.of(Map.of("vigil.rign.size", "1")));
        final Path file = dir.resolve("vigil.properties");
        Files.writeString(file, "vigil.ring.size=8\nvigil.colour=blue\n");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilConfig.load(file));
        assertTrue(ex.getMessage().contains("vigil.colour"), ex.getMessage());
    }

    @Test
    void shouldLetOverridesWinOverTheFile(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("vigil.properties");
        Files.writeString(file, "vigil.ring.size=8\nvigil.max.frame.bytes=1024\n");
        final VigilConfig config = VigilConfig.load(file).with(Map.of(VigilConfig.RING_SIZE.name(), "16"));
        assertEquals(16, config.integer(VigilConfig.RING_SIZE));
        assertEquals("override", config.source(VigilConfig.RING_SIZE));
        assertEquals(1024, config.integer(VigilConfig.MAX_FRAME_BYTES));
        assertEquals("config file", config.source(VigilConfig.MAX_FRAME_BYTES));
    }

    @Test
    void shouldKnowOnlyTheEngineKeysWithoutAnotherModuleOnTheClassPath() {
        for (final VigilConfig.Key key : VigilConfig.keys()) {
            assertEquals(VigilConfig.ENGINE_MODULE, key.module(), key.name());
        }
        assertTrue(VigilConfig.keys().contains(VigilConfig.MAX_FRAME_BYTES));
        assertTrue(VigilConfig.markdownTable().contains("| `vigil.ring.size` | engine | `VIGIL_RING_SIZE` | `16384` | "),
            VigilConfig.markdownTable());
    }

    @Test
    void shouldNameLookalikesOfKeysThatDoNotExist() {
        final java.util.Properties system = new java.util.Properties();
        system.setProperty("vigil.prot", "7071");
        system.setProperty("vigil.ring.size", "64");
        system.setProperty("java.version.x", "ignored");
        final VigilConfig config = VigilConfig.of(Map.of("VIGIL_RING_SIZ", "8", "VIGIL_RING_SIZE", "8", "VIGIL_DEBUG", "1",
            "HOME", "/root"), system);
        assertEquals(List.of(
            "environment variable VIGIL_RING_SIZ is not a Vigil configuration key (ignored)",
            "system property vigil.prot is not a Vigil configuration key (ignored)"), config.unknownLookalikes());
        assertEquals(64, config.integer(VigilConfig.RING_SIZE));
        assertEquals("system property", config.source(VigilConfig.RING_SIZE));
    }

    @Test
    void shouldValidateEveryKeyOnceAndNameEachBadOne() {
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> VigilConfig.of(Map.of()).validate(), "defaults validate");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilConfig.of(Map.of(
            VigilConfig.RING_SIZE.name(), "1000",
            VigilConfig.CHECKPOINT_RETAIN.name(), "0",
            VigilConfig.INFERENCE_BATCH.name(), "-4",
            VigilConfig.RULE_MODEL_DECLINE.name(), "1.5",
            VigilConfig.WAIT_STRATEGY.name(), "nap",
            VigilConfig.MAX_EVENT_AGE.name(), "0s")).validate());
        final String message = ex.getMessage();
        for (final String part : new String[] {"vigil.ring.size = '1000': must be a power of two",
            "vigil.checkpoint.retain = '0': must be at least 1", "vigil.inference.batch.max = '-4'",
            "vigil.rules.model.decline = '1.5': must be between 0 and 1", "vigil.wait.strategy = 'nap'",
            "vigil.validation.event.time.max.age = '0s': must be at least 1"}) {
            assertTrue(message.contains(part), part + " in: " + message);
        }
        assertTrue(!message.contains("\n"), "one line: " + message);
        assertEquals(6, ((ConfigurationException)ex).problems().size(), message);
    }

    @Test
    void shouldRefuseAReviewThresholdAboveTheDeclineThreshold() {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilConfig.of(Map.of(
            VigilConfig.RULE_MODEL_REVIEW.name(), "0.9", VigilConfig.RULE_MODEL_DECLINE.name(), "0.5")).validate());
        assertTrue(ex.getMessage().contains("vigil.rules.model.review = '0.9' is above vigil.rules.model.decline"),
            ex.getMessage());
    }
}
