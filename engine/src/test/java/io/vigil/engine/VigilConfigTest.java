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
        assertEquals(7070, config.integer(VigilConfig.PORT));
        assertEquals("default", config.source(VigilConfig.PORT));
        assertEquals(TimeUnit.DAYS.toNanos(7), config.durationNs(VigilConfig.MAX_EVENT_AGE));
        assertEquals(4 * 1024 * 1024, config.integer(VigilConfig.EGRESS_BUFFER_BYTES));
    }

    @Test
    void shouldParseUnitsOfDurationsAndSizes() {
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.HEARTBEAT_INTERVAL.name(), "250ms",
            VigilConfig.MAX_FUTURE_SKEW.name(), "90s",
            VigilConfig.EGRESS_BUFFER_BYTES.name(), "64k"));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), config.durationNs(VigilConfig.HEARTBEAT_INTERVAL));
        assertEquals(TimeUnit.SECONDS.toNanos(90), config.durationNs(VigilConfig.MAX_FUTURE_SKEW));
        assertEquals(65536, config.size(VigilConfig.EGRESS_BUFFER_BYTES));
    }

    @Test
    void shouldNameTheKeyOfAMalformedValue() {
        final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.HEARTBEAT_INTERVAL.name(), "soon"));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> config.durationNs(VigilConfig.HEARTBEAT_INTERVAL));
        assertTrue(ex.getMessage().contains("vigil.heartbeat.interval"), ex.getMessage());
    }

    @Test
    void shouldRefuseUnknownKeys(@TempDir final Path dir) throws IOException {
        assertThrows(IllegalArgumentException.class, () -> VigilConfig.of(Map.of("vigil.prot", "1")));
        final Path file = dir.resolve("vigil.properties");
        Files.writeString(file, "vigil.port=7071\nvigil.colour=blue\n");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilConfig.load(file));
        assertTrue(ex.getMessage().contains("vigil.colour"), ex.getMessage());
    }

    @Test
    void shouldLetOverridesWinOverTheFile(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("vigil.properties");
        Files.writeString(file, "vigil.port=7071\nvigil.max.frame.bytes=1024\n");
        final VigilConfig config = VigilConfig.load(file).with(Map.of(VigilConfig.PORT.name(), "7072"));
        assertEquals(7072, config.integer(VigilConfig.PORT));
        assertEquals(1024, config.integer(VigilConfig.MAX_FRAME_BYTES));
        assertEquals("config file", config.source(VigilConfig.MAX_FRAME_BYTES));
    }

    @Test
    void shouldHideTheCredentialWhenDescribed() {
        final String description = VigilConfig.of(Map.of(VigilConfig.CREDENTIAL.name(), "hunter2-secret")).describe();
        assertTrue(!description.contains("hunter2-secret"));
        assertTrue(description.contains("vigil.port = 7070"));
    }

    @Test
    void shouldDocumentEveryKeyWithItsDefaultInTheReadme() throws IOException {
        final Path readme = Path.of("..", "README.md");
        final String text = Files.readString(readme);
        for (final VigilConfig.Key key : VigilConfig.keys()) {
            final String row = "| `" + key.name() + "` | `" + key.envName() + "` | `" + key.defaultValue() + "` |";
            assertTrue(text.contains(row), "README.md lacks the row for " + key.name() + ": " + row);
        }
    }

    @Test
    void shouldNameLookalikesOfKeysThatDoNotExist() {
        final java.util.Properties system = new java.util.Properties();
        system.setProperty("vigil.prot", "7071");
        system.setProperty("vigil.port", "7072");
        system.setProperty("java.version.x", "ignored");
        final VigilConfig config = VigilConfig.of(Map.of("VIGIL_RING_SIZ", "8", "VIGIL_RING_SIZE", "8", "VIGIL_DEBUG", "1",
            "HOME", "/root"), system);
        assertEquals(List.of(
            "environment variable VIGIL_RING_SIZ is not a Vigil configuration key (ignored)",
            "system property vigil.prot is not a Vigil configuration key (ignored)"), config.unknownLookalikes());
        assertEquals(7072, config.integer(VigilConfig.PORT));
    }

    @Test
    void shouldValidateEveryKeyOnceAndNameEachBadOne() {
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> VigilConfig.of(Map.of()).validate(), "defaults validate");
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilConfig.of(Map.of(
            VigilConfig.RING_SIZE.name(), "1000",
            VigilConfig.MAX_CONNECTIONS.name(), "0",
            VigilConfig.INFERENCE_BATCH.name(), "-4",
            VigilConfig.RULE_MODEL_DECLINE.name(), "1.5",
            VigilConfig.WAIT_STRATEGY.name(), "nap",
            VigilConfig.FRAME_TIMEOUT.name(), "0s")).validate());
        final String message = ex.getMessage();
        for (final String part : new String[] {"vigil.ring.size = '1000': must be a power of two",
            "vigil.max.connections = '0': must be at least 1", "vigil.inference.batch.max = '-4'",
            "vigil.rules.model.decline = '1.5': must be between 0 and 1", "vigil.wait.strategy = 'nap'",
            "vigil.frame.timeout = '0s': must be at least 1"}) {
            assertTrue(message.contains(part), part + " in: " + message);
        }
        assertTrue(!message.contains("\n"), "one line: " + message);
    }

    @Test
    void shouldRefuseAReviewThresholdAboveTheDeclineThreshold() {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> VigilConfig.of(Map.of(
            VigilConfig.RULE_MODEL_REVIEW.name(), "0.9", VigilConfig.RULE_MODEL_DECLINE.name(), "0.5")).validate());
        assertTrue(ex.getMessage().contains("vigil.rules.model.review = '0.9' is above vigil.rules.model.decline"),
            ex.getMessage());
    }
}
