package io.vigil.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.resp.RespConfiguration;
import io.vigil.scoring.rules.DecisionRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A feature definition of another width and other names runs in the real server end to end: transactions over TCP
 * are decided (the card-testing rule mapped onto the definition's own count), the served table (HTTP and RESP) holds
 * the definition's features by name, and the run context records its hash; a definition the rules cannot read is
 * refused at start, naming the rule.
 */
@Timeout(120)
class FeatureDefinitionServingTest {
    private static final String SECRET = "alpha-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SPEC = "name: small\nversion: s-1\nkey: [account]\n" +
        "windows: {m: {type: sliding, size: 60s, step: 1s}}\n" +
        "features:\n" +
        "  - {name: log_amt, value: amount, transform: [{clamp_min: 0}, {divide: 100}, log1p]}\n" +
        "  - {name: n_1m, aggregate: count, window: m}\n" +
        "  - {name: total_1m, aggregate: sum, of: amount, window: m}\n";

    @TempDir
    Path dir;

    private Map<String, String> config(final Path spec, final Path credentials) {
        return Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.ADMIN_PORT.name(), "0",
            GatewayConfiguration.CREDENTIALS_FILE.name(), credentials.toString(),
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            RespConfiguration.ENABLED.name(), "true",
            RespConfiguration.PORT.name(), "0",
            VigilConfig.FEATURES_SPEC.name(), spec.toString());
    }

    @Test
    void shouldDecideAndServeTheFeaturesOfAnotherDefinition() throws Exception {
        final Path spec = Files.writeString(dir.resolve("small.yaml"), SPEC);
        final Path credentials = dir.resolve("credentials.txt");
        Files.write(credentials, List.of(CredentialsTest.line(7, 1, SECRET)));
        final Map<String, String> values = new java.util.HashMap<>(config(spec, credentials));
        values.put(VigilConfig.RULE_INPUTS.name(), "count_1m=n_1m,log_amount=log_amt");
        values.put(VigilConfig.RULE_OFF.name(), "amount,velocity,hopping,anomaly");
        values.put(VigilConfig.MODEL_PATH.name(), "none");
        final long t0 = System.currentTimeMillis() / 1000 * 1_000_000_000L;
        try (VigilServer server = VigilServer.start(VigilConfig.of(values));
             VigilAdmin admin = VigilAdmin.start(server)) {
            final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
            try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                client.logon(SECRET, 1, 7, 1, answers);
                // six small amounts in a minute: card testing from the fifth on (n_1m >= 5, amount <= 5.00)
                for (long seq = 1; seq <= 6; seq++) {
                    client.sendTransaction(seq, t0 + seq * 1_000_000_000L, 42, 500 + seq, 5411, 100 + 10 * seq, "EUR", "DE",
                        Channel.POS, Label.UNKNOWN);
                }
                answers.await(6);
            }
            assertEquals(6, answers.count.get());
            for (long s = 1; s <= 6; s++) {
                assertEquals("DECISION", answers.bySequence.get(s));
                final int reasons = answers.reasons.get(s);
                assertTrue((reasons & DecisionRules.MODEL_FALLBACK) != 0, "no model: " + reasons);
                assertEquals(s >= 5, (reasons & DecisionRules.CARD_TESTING) != 0, "event " + s + ": " + reasons);
            }

            final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(admin.url() + "/features/account/42")).header("Authorization", "Bearer 7:" + SECRET).GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            final JsonNode body = JSON.readTree(response.body());
            assertEquals("s-1", body.get("feature_set").asText());
            assertEquals(io.vigil.scoring.features.spec.FeatureSpec.load(spec).hash(), body.get("feature_set_hash").asText());
            final List<String> names = new java.util.ArrayList<>();
            body.get("features").fieldNames().forEachRemaining(names::add);
            assertEquals(List.of("log_amt", "n_1m", "total_1m"), names);
            assertEquals(6f, (float)body.get("features").get("n_1m").asDouble());
            assertEquals(810f, (float)body.get("features").get("total_1m").asDouble());

            try (Jedis jedis = new Jedis(server.resp().host(), server.resp().port())) {
                assertEquals("OK", jedis.auth("7", SECRET));
                final Map<String, String> hash = jedis.hgetAll("account:42");
                assertEquals("6.0", hash.get("n_1m"), hash.toString());
                assertEquals("810.0", hash.get("total_1m"));
                assertEquals(3 + 4, hash.size(), hash.toString());
                assertEquals(io.vigil.scoring.features.spec.FeatureSpec.load(spec).hash(), hash.get("_feature_set_hash"));
            }
        }
        final Properties run = new Properties();
        try (java.io.Reader in = Files.newBufferedReader(dir.resolve("data").resolve(io.vigil.engine.RunContext.FILE))) {
            run.load(in);
        }
        assertEquals(io.vigil.scoring.features.spec.FeatureSpec.load(spec).hash(),
            run.getProperty(io.vigil.engine.RunContext.FEATURE_SET_HASH));
        assertEquals("log_amt,n_1m,total_1m", run.getProperty(io.vigil.engine.RunContext.FEATURE_NAMES));
    }

    @Test
    void shouldRefuseToStartWhenARuleReadsAFeatureTheDefinitionLacks() throws Exception {
        final Path spec = Files.writeString(dir.resolve("small.yaml"), SPEC);
        final Path credentials = dir.resolve("credentials.txt");
        Files.write(credentials, List.of(CredentialsTest.line(7, 1, SECRET)));
        final Map<String, String> values = new java.util.HashMap<>(config(spec, credentials));
        values.put(VigilConfig.RULE_OFF.name(), "amount,velocity,anomaly,card_testing");
        final Exception refused = assertThrows(Exception.class, () -> VigilServer.start(VigilConfig.of(values)).close());
        assertTrue(refused.getMessage().contains("rule hopping reads its input new_merchant from feature 'new_merchant'") &&
            refused.getMessage().contains("[log_amt, n_1m, total_1m]"), refused.getMessage());
    }
}
