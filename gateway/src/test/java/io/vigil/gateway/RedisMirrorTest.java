package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import io.vigil.gateway.features.FeatureQueries;
import io.vigil.gateway.mirror.MirrorConfiguration;
import io.vigil.gateway.mirror.MirrorContext;
import io.vigil.gateway.mirror.RedisMirror;
import io.vigil.scoring.features.SingleWriterFeatureTable;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.FeatureSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Redis mirror against a real {@code redis-server} (Debian package redis-server): events stream in while the
 * mirror is stopped and restarted half-way, and Redis ends holding exactly Vigil's latest values of every key; a key
 * Redis holds at a newer event index is never overwritten.
 */
@Timeout(120)
class RedisMirrorTest {
    private static final String SECRET = "mirror-test-secret";
    private static final int ACCOUNTS = 40;
    private static final long FIRST_ACCOUNT = 1_000;
    /** Redis holds this key at an index newer than any: the mirror must leave it alone. */
    private static final String NEWER_KEY = "vigil:1:account:" + FIRST_ACCOUNT;
    private static final String FAR_FUTURE_INDEX = "99999999999999999999";

    @TempDir
    Path dir;
    private Process redis;
    private VigilServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (redis != null) {
            redis.destroy();
            redis.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private int startRedis() throws Exception {
        final Path binary = FeatureServingTest.tool("redis-server", "redis-server");
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        redis = new ProcessBuilder(binary.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", dir.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                if ("PONG".equals(jedis.ping())) {
                    return port;
                }
            } catch (final RuntimeException ex) {
                if (System.nanoTime() > deadline) {
                    throw ex;
                }
                Thread.sleep(20);
            }
        }
    }

    private RedisMirror mirror(final int port) {
        final MirrorContext context = new MirrorContext(VigilConfig.of(Map.of(
            MirrorConfiguration.REDIS_URL.name(), "redis://127.0.0.1:" + port,
            MirrorConfiguration.BATCH_KEYS.name(), "7",
            MirrorConfiguration.INTERVAL.name(), "2ms")));
        return RedisMirror.start(context, () -> server.engine().publishedFeatures(), FeatureQueries.ACCOUNT);
    }

    @Test
    void shouldEndWithRedisEqualToVigilAcrossAMirrorRestart() throws Exception {
        final int port = startRedis();
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            jedis.hset(NEWER_KEY, Map.of("_event_index", FAR_FUTURE_INDEX, "count_1m", "-1"));
        }
        server = VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), SECRET,
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY")));
        final long t0 = System.currentTimeMillis() / 1000 * 1_000_000_000L;
        final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
        long keptNewer;
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(SECRET, 1, 11, 1, answers);
            long seq = 1;
            RedisMirror first = mirror(port);
            try {
                seq = send(client, seq, 300, t0);
                answers.await((int)seq - 1);
                awaitMirrored(port, first);
            } finally {
                first.close(); // stopped mid-stream
            }
            seq = send(client, seq, 300, t0);
            answers.await((int)seq - 1);
            try (RedisMirror second = mirror(port)) {
                seq = send(client, seq, 300, t0);
                answers.await((int)seq - 1);
                assertEquals(seq - 1, answers.count.get(), "every event answered");
                awaitMirrored(port, second);
                // awaitMirrored leaves out the key Redis holds newer: its refused write may come in a later batch
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (second.keptNewer() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                keptNewer = second.keptNewer();
            }
        }
        assertTrue(keptNewer >= 1, "the restarted mirror re-sent keys Redis already held, and they were refused");
        final SingleWriterFeatureTable table = server.engine().publishedFeatures();
        assertEquals(ACCOUNTS, table.size());
        final FeatureQueries queries = server.featureQueries();
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            for (long account = FIRST_ACCOUNT + 1; account < FIRST_ACCOUNT + ACCOUNTS; account++) {
                final FeatureQueries.Features vigil = queries.find(1, FeatureQueries.ACCOUNT, Long.toString(account));
                final Map<String, String> expected = new HashMap<>();
                vigil.values().forEach((name, value) -> expected.put(name, Float.toString(value)));
                expected.put("_feature_set", TransactionFeatures.VERSION);
                expected.put("_feature_set_hash", FeatureSpec.defaultHash());
                expected.put("_event_index", Long.toString(vigil.eventIndex()));
                expected.put("_event_time_ns", Long.toString(vigil.eventTimeNs()));
                assertEquals(expected, jedis.hgetAll("vigil:1:account:" + account), "account " + account);
            }
            assertEquals(FAR_FUTURE_INDEX, jedis.hget(NEWER_KEY, "_event_index"), "a newer index is never overwritten");
            assertEquals("-1", jedis.hget(NEWER_KEY, "count_1m"));
            assertEquals(ACCOUNTS, jedis.dbSize());
        }
    }

    private static long send(final VigilClient client, final long from, final int events, final long t0) throws Exception {
        long seq = from;
        for (int i = 0; i < events; i++, seq++) {
            client.sendTransaction(seq, t0 + seq * 10_000_000L, FIRST_ACCOUNT + seq % ACCOUNTS, 77 + seq % 5, 5411,
                100 + seq * 13, "EUR", "DE", Channel.ECOMMERCE, Label.UNKNOWN);
        }
        return seq;
    }

    /** Waits until Redis holds every key (but the newer one) at Vigil's latest event index. */
    private void awaitMirrored(final int port, final RedisMirror mirror) throws Exception {
        final SingleWriterFeatureTable table = server.engine().publishedFeatures();
        final SingleWriterFeatureTable.View view = table.newView();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try (Jedis jedis = new Jedis("127.0.0.1", port)) {
            while (true) {
                boolean equal = true;
                for (long slot = 0; slot < table.size() && equal; slot++) {
                    table.readSlot(slot, view);
                    if (view.key() != FIRST_ACCOUNT) {
                        equal = Long.toString(view.eventIndex()).equals(
                            jedis.hget("vigil:1:account:" + view.key(), "_event_index"));
                    }
                }
                if (equal) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "Redis did not catch up: mirror wrote " + mirror.written() +
                    ", failures " + mirror.failures());
                Thread.sleep(5);
            }
        }
    }
}
