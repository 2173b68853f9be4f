package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.resp.RespConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vigil.features.serve=false}: events are decided as ever, nothing is published, the endpoints say so. */
@Timeout(60)
class FeatureServingOffTest {
    private static final String SECRET = "serving-off-secret";

    @Test
    void shouldDecideEventsAndAnswerThatServingIsOff(@TempDir final Path dir) throws Exception {
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
                VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
                GatewayConfiguration.PORT.name(), "0",
                GatewayConfiguration.ADMIN_PORT.name(), "0",
                GatewayConfiguration.CREDENTIAL.name(), SECRET,
                VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
                VigilConfig.FEATURES_SERVE.name(), "false",
                RespConfiguration.ENABLED.name(), "true",
                RespConfiguration.PORT.name(), "0")));
             VigilAdmin admin = VigilAdmin.start(server)) {
            final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
            try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                client.logon(SECRET, 1, 3, 1, answers);
                client.sendTransaction(1, System.currentTimeMillis() * 1_000_000L, 42, 9, 5411, 1200, "EUR", "DE",
                    Channel.POS, Label.UNKNOWN);
                answers.await(1);
            }
            assertEquals("DECISION", answers.bySequence.get(1L));
            assertNull(server.engine().publishedFeatures());
            final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(admin.url() + "/features/account/42")).header("Authorization", "Bearer " + SECRET).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(404, response.statusCode());
            assertTrue(response.body().contains("vigil.features.serve=false"), response.body());
            try (Jedis jedis = new Jedis(server.resp().host(), server.resp().port())) {
                assertEquals("OK", jedis.auth(SECRET));
                final JedisDataException off = assertThrows(JedisDataException.class, () -> jedis.hgetAll("account:42"));
                assertTrue(off.getMessage().contains("serving is off"), off.getMessage());
                assertTrue(jedis.info().contains("account_feature_set:off"));
            }
        }
    }
}
