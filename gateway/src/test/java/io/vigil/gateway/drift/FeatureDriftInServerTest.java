package io.vigil.gateway.drift;

import com.sun.net.httpserver.HttpServer;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.ConfigurationException;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.admin.VigilAdmin;
import io.vigil.gateway.alert.Alert;
import io.vigil.gateway.alert.AlertConfiguration;
import io.vigil.gateway.alert.FeatureDriftAlertSource;
import io.vigil.gateway.client.VigilClient;
import io.vigil.scoring.drift.FeatureReference;
import io.vigil.scoring.drift.FeatureReferenceBuilder;
import io.vigil.scoring.features.TransactionFeatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Feature drift end to end: a real server with a reference built from feature vectors of events drawn like the ones
 * a real client then sends over TCP; the drift thread's PSI stays low, then amounts ten times larger make the
 * FeatureDrift alert fire (in /alerts, /metrics and at a webhook receiver), and amounts drawn as before resolve it.
 */
@Timeout(180)
class FeatureDriftInServerTest {
    private static final int ACCOUNTS = 200;
    private static final int EVENTS = 2_000;
    private static final long GAP_NS = 20_000_000L;

    @TempDir
    Path dir;

    /** One synthetic event stream: random accounts, merchants, channels, log-normal amounts. */
    private static final class Stream {
        final SplittableRandom random;
        final int accounts;
        final long gapNs;
        long eventTimeNs;
        long amountScale = 1;

        Stream(final long seed, final int accounts, final long gapNs, final long startNs) {
            this.random = new SplittableRandom(seed);
            this.accounts = accounts;
            this.gapNs = gapNs;
            this.eventTimeNs = startNs;
        }

        long account;
        long merchant;
        long amountMinor;
        Channel channel;

        void next() {
            account = 1 + random.nextInt(accounts);
            merchant = 1 + random.nextInt(50);
            final double u = 1 - random.nextDouble();
            final double z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
            amountMinor = Math.min(50_000_000L, Math.max(1, Math.round(Math.exp(Math.log(5_000) + z)) * amountScale));
            channel = Channel.get((short)random.nextInt(4));
            eventTimeNs += gapNs;
        }
    }

    /**
     * The training export's stand-in: the very feature code over a stream ten times as long over ten times the
     * accounts at a tenth of the gap (the same history per account as the live stream).
     */
    private Path reference() throws IOException {
        final TransactionFeatures features = new TransactionFeatures(ACCOUNTS * 10);
        final FeatureReferenceBuilder builder = FeatureReferenceBuilder.of(TransactionFeatures.VERSION,
            TransactionFeatures.NAMES);
        final Stream stream = new Stream(1, ACCOUNTS * 10, GAP_NS / 10, 1_767_225_600_000_000_000L);
        final float[] row = new float[TransactionFeatures.WIDTH];
        for (int i = 0; i < EVENTS * 10; i++) {
            stream.next();
            features.onTransaction(1, stream.account, stream.merchant, 5411, stream.amountMinor, stream.channel.value(),
                stream.eventTimeNs, row, 0);
            builder.addRow(row, 0);
        }
        final Path file = dir.resolve("reference.json");
        builder.build("test stream").write(file);
        return file;
    }

    private VigilServer start(final Map<String, String> more) throws InterruptedException {
        final Map<String, String> config = new HashMap<>(Map.of(
            VigilConfig.DATA_DIR.name(), dir.resolve("data").toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.ADMIN_PORT.name(), "0",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            AlertConfiguration.EVALUATION_INTERVAL.name(), "100ms"));
        config.putAll(more);
        return VigilServer.start(VigilConfig.of(config));
    }

    private static void send(final VigilClient client, final Stream stream, final AtomicInteger answers,
        final long firstSequence, final int events) throws Exception {
        final int before = answers.get();
        for (int i = 0; i < events; i++) {
            stream.next();
            client.sendTransaction(firstSequence + i, stream.eventTimeNs, stream.account, stream.merchant, 5411,
                stream.amountMinor, "EUR", "DE", stream.channel, Label.UNKNOWN);
        }
        client.flush();
        await(() -> answers.get() == before + events);
    }

    private static void await(final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out");
            Thread.sleep(10);
        }
    }

    /** Waits for an evaluation that saw every vector sampled so far. */
    private static FeatureDriftMonitor.Status settled(final VigilServer server, final long sampled)
        throws InterruptedException {
        await(() -> server.counters().counter(CounterType.FEATURE_DRIFT_SAMPLES).get() >= sampled);
        final long after = System.currentTimeMillis();
        await(() -> server.featureDrift().status().evaluatedAtMs() > after + 50);
        return server.featureDrift().status();
    }

    private static double psi(final FeatureDriftMonitor.Status status, final String feature) {
        return status.features().stream().filter(f -> f.name().equals(feature)).findFirst().orElseThrow().psi();
    }

    private static String get(final String url) throws Exception {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    @Test
    void shouldStayQuietForEventsDrawnLikeTheReferenceAndAlertWhenAmountsShift() throws Exception {
        final List<String> webhooks = new CopyOnWriteArrayList<>();
        final HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            webhooks.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        final Path reference = reference();
        try (VigilServer server = start(Map.of(
                DriftConfiguration.REFERENCE.name(), reference.toString(),
                DriftConfiguration.WINDOW.name(), "0",
                DriftConfiguration.WINDOW_VECTORS.name(), Integer.toString(EVENTS),
                DriftConfiguration.PANES.name(), "4",
                DriftConfiguration.MIN_SAMPLES.name(), "500",
                DriftConfiguration.SAMPLE_ONE_IN.name(), "1",
                DriftConfiguration.EVALUATION_INTERVAL.name(), "50ms",
                AlertConfiguration.WEBHOOK_URLS.name(), "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"));
             VigilAdmin admin = VigilAdmin.start(server)) {
            final AtomicInteger answers = new AtomicInteger();
            try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                client.logon("vigil-demo-secret", 1, 5, 1, new VigilClient.Listener() {
                    @Override
                    public void onDecision(final DecisionDecoder decision) {
                        answers.incrementAndGet();
                    }

                    @Override
                    public void onReject(final RejectDecoder reject) {
                        answers.incrementAndGet();
                    }
                });
                final Stream stream = new Stream(2, ACCOUNTS, GAP_NS, System.currentTimeMillis() * 1_000_000L -
                    TimeUnit.SECONDS.toNanos(60));
                send(client, stream, answers, 1, EVENTS);
                final FeatureDriftMonitor.Status quiet = settled(server, EVENTS);
                assertTrue(quiet.reported(), quiet.toString());
                for (final FeatureDriftMonitor.Feature feature : quiet.features()) {
                    assertTrue(feature.psi() < 0.1, "drawn like the reference: " + feature);
                }
                Thread.sleep(300); // a few alert evaluations
                assertTrue(server.alerts().firing().stream().noneMatch(a -> a.name().equals(FeatureDriftAlertSource.ALERT)),
                    server.alerts().firing().toString());

                // amounts ten times larger: log_amount moves by ln(10) = 2.3 standard deviations
                stream.amountScale = 10;
                send(client, stream, answers, 1 + EVENTS, EVENTS);
                final FeatureDriftMonitor.Status shifted = settled(server, 2L * EVENTS);
                assertTrue(psi(shifted, "log_amount") > 0.25, shifted.toString());
                await(() -> server.alerts().firing().stream().anyMatch(a -> a.name().equals(FeatureDriftAlertSource.ALERT) &&
                    a.labels().get("feature").equals("log_amount") && a.labels().get("severity").equals("critical")));
                final String metrics = get(admin.url() + "/metrics");
                final Matcher psi = Pattern.compile("vigil_feature_psi\\{feature=\"log_amount\"} ([0-9.eE+-]+)")
                    .matcher(metrics);
                assertTrue(psi.find(), metrics);
                assertTrue(Double.parseDouble(psi.group(1)) > 0.25, psi.group());
                assertTrue(metrics.contains("vigil_feature_ks{feature=\"log_amount\"}"), metrics);
                assertTrue(metrics.contains("vigil_feature_drift_samples_total " + (2 * EVENTS)) ||
                    metrics.contains("vigil_feature_drift_samples_total " + (2.0 * EVENTS)), metrics);
                assertTrue(get(admin.url() + "/drift").contains("\"log_amount\""));
                await(() -> webhooks.stream().anyMatch(body -> body.contains(FeatureDriftAlertSource.ALERT) &&
                    body.contains("log_amount") && body.contains("firing")));

                // back to amounts drawn like the reference: the window forgets the shifted ones and the alert resolves
                stream.amountScale = 1;
                send(client, stream, answers, 1 + 2L * EVENTS, 2 * EVENTS);
                final FeatureDriftMonitor.Status back = settled(server, 4L * EVENTS);
                assertTrue(psi(back, "log_amount") < 0.1, back.toString());
                await(() -> server.alerts().snapshot().resolved().stream().anyMatch(a ->
                    a.name().equals(FeatureDriftAlertSource.ALERT) && a.labels().get("feature").equals("log_amount")));
                assertTrue(server.alerts().firing().stream().noneMatch(a -> a.name().equals(FeatureDriftAlertSource.ALERT) &&
                    a.labels().get("feature").equals("log_amount")));
                await(() -> webhooks.stream().anyMatch(body -> body.contains(FeatureDriftAlertSource.ALERT) &&
                    body.contains("log_amount") && body.contains(Alert.RESOLVED)));
                assertEquals(0, server.counters().counter(CounterType.FEATURE_DRIFT_DROPPED).get());
            }
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void shouldNeverWaitForAStalledDriftThreadAndCountWhatItDrops() throws Exception {
        // the drift thread drains once an hour: the 4 KiB ring (some fifty vectors) fills and stays full
        try (VigilServer server = start(Map.of(
                DriftConfiguration.REFERENCE.name(), reference().toString(),
                DriftConfiguration.RING_CAPACITY.name(), "4k",
                DriftConfiguration.SAMPLE_ONE_IN.name(), "1",
                DriftConfiguration.DRAIN_INTERVAL.name(), "1h"))) {
            final AtomicInteger answers = new AtomicInteger();
            try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                client.logon("vigil-demo-secret", 1, 5, 1, new VigilClient.Listener() {
                    @Override
                    public void onDecision(final DecisionDecoder decision) {
                        answers.incrementAndGet();
                    }

                    @Override
                    public void onReject(final RejectDecoder reject) {
                        answers.incrementAndGet();
                    }
                });
                final Stream stream = new Stream(3, ACCOUNTS, GAP_NS, System.currentTimeMillis() * 1_000_000L -
                    TimeUnit.SECONDS.toNanos(60));
                send(client, stream, answers, 1, EVENTS);
            }
            final long sampled = server.counters().counter(CounterType.FEATURE_DRIFT_SAMPLES).get();
            final long dropped = server.counters().counter(CounterType.FEATURE_DRIFT_DROPPED).get();
            assertEquals(EVENTS, sampled + dropped, "every transaction sampled or dropped");
            final int perRecord = (FeatureTapStage.recordBytes(TransactionFeatures.WIDTH) + 8 + 7) & ~7;
            assertEquals(4096 / perRecord, sampled, "the ring took what fits in it, then nothing");
            assertEquals(0, server.featureDrift().status().windowVectors());
        }
    }

    @Test
    void shouldRefuseToStartWithAReferenceOfAnotherFeatureSet() throws Exception {
        final FeatureReferenceBuilder builder = FeatureReferenceBuilder.of("other-features-2", List.of("a", "b"));
        builder.addRow(new float[] {1, 2}, 0);
        final Path other = dir.resolve("other.json");
        builder.build("elsewhere").write(other);
        final ConfigurationException refused = assertThrows(ConfigurationException.class,
            () -> start(Map.of(DriftConfiguration.REFERENCE.name(), other.toString())));
        assertTrue(refused.getMessage().contains(DriftConfiguration.REFERENCE.name()) &&
            refused.getMessage().contains("'other-features-2'") && refused.getMessage().contains(TransactionFeatures.VERSION),
            refused.getMessage());
        final ConfigurationException missing = assertThrows(ConfigurationException.class,
            () -> start(Map.of(DriftConfiguration.REFERENCE.name(), dir.resolve("nope.json").toString())));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void shouldMeasureNothingWithoutAReference() throws Exception {
        try (VigilServer server = start(Map.of())) {
            assertNull(server.featureDrift());
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals(FeatureDriftMonitor.THREAD)));
        }
        FeatureReference.read(reference()); // the reference itself is sound
    }
}
