package io.vigil.gateway;

import io.vigil.engine.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The published default credential stays on loopback, and an empty one nowhere, unless explicitly allowed. */
@Timeout(120)
class SafeDefaultsTest {
    @TempDir
    Path tmp;

    private VigilConfig config(final String host, final String credential, final boolean allow) {
        final Map<String, String> values = new HashMap<>();
        values.put(VigilConfig.DATA_DIR.name(), tmp.resolve("data").toString());
        values.put(GatewayConfiguration.PORT.name(), "0");
        values.put(GatewayConfiguration.BIND_HOST.name(), host);
        values.put(VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY");
        values.put(GatewayConfiguration.ALLOW_INSECURE.name(), Boolean.toString(allow));
        if (credential != null) {
            values.put(GatewayConfiguration.CREDENTIAL.name(), credential);
        }
        return VigilConfig.of(values);
    }

    @Test
    void theDefaultCredentialBeyondLoopbackIsRefused() {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> VigilServer.start(config("0.0.0.0", null, false)));
        assertTrue(ex.getMessage().contains("published default credential") &&
            ex.getMessage().contains("vigil.bind.allow.insecure=true"), ex.getMessage());
    }

    @Test
    void anEmptyCredentialIsRefusedEvenOnLoopback() {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> VigilServer.start(config("127.0.0.1", "", false)));
        assertTrue(ex.getMessage().contains("vigil.credential is empty"), ex.getMessage());
    }

    @Test
    void anOwnSecretBeyondLoopbackOrAnExplicitAllowanceStarts() throws Exception {
        try (VigilServer server = VigilServer.start(config("0.0.0.0", "a-secret-of-our-own", false))) {
            assertTrue(server.port() > 0);
        }
        try (VigilServer server = VigilServer.start(config("0.0.0.0", null, true))) {
            assertTrue(server.port() > 0);
        }
        try (VigilServer server = VigilServer.start(config("127.0.0.1", null, false))) {
            assertTrue(server.port() > 0);
        }
    }

    @Test
    void aBadAllowanceNamesItsKey() {
        final VigilConfig config = VigilConfig.of(Map.of(GatewayConfiguration.ALLOW_INSECURE.name(), "yes"));
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> config.bool(GatewayConfiguration.ALLOW_INSECURE));
        assertTrue(ex.getMessage().contains("vigil.bind.allow.insecure"), ex.getMessage());
    }
}
