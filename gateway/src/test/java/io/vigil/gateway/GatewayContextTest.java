package io.vigil.gateway;

import io.vigil.engine.ConfigurationException;
import io.vigil.engine.RunContext;
import io.vigil.engine.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(10)
class GatewayContextTest {
    @Test
    void shouldReadTheGatewayKeysWithTheirDefaults() {
        final GatewayContext context = new GatewayContext(VigilConfig.of(Map.of())).conclude();
        assertEquals(7070, context.port());
        assertEquals("127.0.0.1", context.bindHost());
        assertEquals(TimeUnit.SECONDS.toNanos(1), context.heartbeatIntervalNs());
        assertEquals(4 * 1024 * 1024, context.egressBufferBytes());
        assertEquals(65536, context.resendWindowEvents());
        assertNull(context.credentialsFile());
        assertFalse(context.allowInsecure());
    }

    @Test
    void shouldParseUnitsOfTheGatewaysDurationsAndSizes() {
        final GatewayContext context = new GatewayContext(VigilConfig.of(Map.of(
            GatewayConfiguration.HEARTBEAT_INTERVAL.name(), "250ms",
            GatewayConfiguration.EGRESS_BUFFER_BYTES.name(), "64k"))).conclude();
        assertEquals(TimeUnit.MILLISECONDS.toNanos(250), context.heartbeatIntervalNs());
        assertEquals(65536, context.egressBufferBytes());
    }

    @Test
    void shouldNameEveryBadGatewayKeyWhenConcluded() {
        final ConfigurationException ex = assertThrows(ConfigurationException.class, () -> new GatewayContext(
            VigilConfig.of(Map.of(
                GatewayConfiguration.MAX_CONNECTIONS.name(), "0",
                GatewayConfiguration.FRAME_TIMEOUT.name(), "0s",
                GatewayConfiguration.HEARTBEAT_INTERVAL.name(), "soon",
                GatewayConfiguration.ALLOW_INSECURE.name(), "yes")))
            .port(70_000)
            .conclude());
        final String message = ex.getMessage();
        for (final String part : new String[] {"vigil.port = '70000': must be between 0 and 65535 (from override)",
            "vigil.max.connections = '0': must be at least 1", "vigil.frame.timeout = '0s': must be at least 1",
            "vigil.heartbeat.interval = 'soon'", "vigil.bind.allow.insecure = 'yes': not true or false"}) {
            assertTrue(message.contains(part), part + " in: " + message);
        }
        assertEquals(5, ex.problems().size(), message);
    }

    @Test
    void shouldCheckEveryModulesKeysAtOnceWhenTheConfigurationIsValidated() {
        final ConfigurationException ex = assertThrows(ConfigurationException.class, () -> VigilConfig.of(Map.of(
            VigilConfig.RING_SIZE.name(), "1000",
            GatewayConfiguration.MAX_CONNECTIONS.name(), "0")).validate());
        assertEquals(List.of("vigil.ring.size", "vigil.max.connections"),
            ex.problems().stream().map(p -> p.split(" ")[2]).toList(), ex.getMessage());
    }

    @Test
    void shouldSeeTheGatewayKeysThroughTheServiceLoader() {
        assertTrue(VigilConfig.keys().contains(GatewayConfiguration.PORT));
        assertEquals(GatewayConfiguration.MODULE, GatewayConfiguration.PORT.module());
        assertEquals(VigilConfig.Key.Recording.SECRET, GatewayConfiguration.CREDENTIAL.recording());
        final String description = VigilConfig.of(Map.of(GatewayConfiguration.CREDENTIAL.name(), "hunter2-secret"))
            .describe();
        assertFalse(description.contains("hunter2-secret"), description);
        assertTrue(description.contains("vigil.port = 7070"), description);
    }

    @Test
    void shouldNeverRecordTheCredentialNorReplayWhereTheRunListened(@TempDir final Path dir) throws Exception {
        RunContext.of(VigilConfig.of(Map.of(GatewayConfiguration.CREDENTIAL.name(), "hunter2-secret",
            GatewayConfiguration.PORT.name(), "7171", GatewayConfiguration.HEARTBEAT_INTERVAL.name(), "2s"))).record(dir);
        final RunContext recorded = RunContext.read(dir);
        assertNull(recorded.get(GatewayConfiguration.CREDENTIAL.name()));
        assertEquals("7171", recorded.get(GatewayConfiguration.PORT.name()), "recorded");
        final Map<String, String> replayed = recorded.replayedKeys(new java.util.ArrayList<>());
        assertFalse(replayed.containsKey(GatewayConfiguration.PORT.name()), "not replayed");
        assertEquals("2s", replayed.get(GatewayConfiguration.HEARTBEAT_INTERVAL.name()));
    }
}
