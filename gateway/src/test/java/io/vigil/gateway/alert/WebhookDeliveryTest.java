package io.vigil.gateway.alert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.vigil.gateway.slo.WallClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alerts delivered to two real HTTP receivers on loopback (the JDK's HttpServer): one healthy, one that accepts,
 * then fails with 500, then hangs (reads the request, never answers), then recovers. The flaky one's breaker opens
 * after N failures, nothing reaches it while open, a single probe goes through after each cool-down, it closes on
 * success and the backlog follows in order; the healthy one gets every message meanwhile; the messages are
 * Alertmanager webhook messages. The timeline is printed.
 */
@Timeout(60)
class WebhookDeliveryTest {
    private static final int BREAKER_FAILURES = 3;
    private static final long COOLDOWN_MS = 800;
    private static final long REQUEST_TIMEOUT_MS = 300;
    private static final long WAIT_MS = 20_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum Mode { ACCEPT, FAIL, HANG }

    /** One request a test receiver got. */
    private record Received(long timeMs, Mode mode, String body) {
    }

    private final long t0 = System.currentTimeMillis();
    private final List<String> timeline = new CopyOnWriteArrayList<>();
    private final List<WebhookReceiver.Event> events = new CopyOnWriteArrayList<>();
    private final CountDownLatch releaseHung = new CountDownLatch(1);
    private final ExecutorService serverThreads = Executors.newCachedThreadPool();
    private final List<HttpServer> servers = new ArrayList<>();
    private final List<WebhookReceiver> receivers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        releaseHung.countDown();
        receivers.forEach(WebhookReceiver::close);
        servers.forEach(server -> server.stop(0));
        serverThreads.shutdownNow();
        System.out.println("WebhookDeliveryTest timeline (ms since start):");
        timeline.stream().sorted().forEach(line -> System.out.println("  " + line));
    }

    private void note(final long timeMs, final String what) {
        timeline.add(String.format("%+7d  %s", timeMs - t0, what));
    }

    private HttpServer receiver(final String name, final AtomicReference<Mode> mode, final List<Received> got)
        throws IOException {
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(serverThreads);
        server.createContext("/hook", exchange -> handle(name, exchange, mode.get(), got));
        server.start();
        servers.add(server);
        return server;
    }

    private void handle(final String name, final HttpExchange exchange, final Mode mode, final List<Received> got)
        throws IOException {
        final String body = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        final long at = System.currentTimeMillis();
        got.add(new Received(at, mode, body));
        note(at, "server " + name + " got request #" + got.size() + " (" + alertName(body) + ") -> " +
            (mode == Mode.ACCEPT ? "200" : mode == Mode.FAIL ? "500" : "hangs"));
        switch (mode) {
            case ACCEPT -> exchange.sendResponseHeaders(200, -1);
            case FAIL -> exchange.sendResponseHeaders(500, -1);
            case HANG -> {
                try {
                    releaseHung.await();
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        exchange.close();
    }

    private static String alertName(final String body) {
        try {
            return JSON.readTree(body).path("groupLabels").path("alertname").asText();
        } catch (final IOException ex) {
            return "unparsable";
        }
    }

    private static URI uri(final HttpServer server) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    /** A source whose alerts the test sets. */
    private static final class SetSource implements AlertSource {
        final List<Active> active = new CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "test";
        }

        @Override
        public void evaluate(final long nowMs, final List<Active> into) {
            into.addAll(active);
        }
    }

    private static void await(final String what, final BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(5);
        }
    }

    private long eventCount(final String receiver, final WebhookReceiver.Event.Kind kind) {
        return events.stream().filter(e -> e.receiver().equals(receiver) && e.kind() == kind).count();
    }

    private WebhookReceiver.Event event(final String receiver, final WebhookReceiver.Event.Kind kind, final int nth) {
        return events.stream().filter(e -> e.receiver().equals(receiver) && e.kind() == kind).skip(nth).findFirst()
            .orElseThrow();
    }

    private static long delivered(final List<Received> got, final String alertName) {
        return got.stream().filter(r -> r.mode() == Mode.ACCEPT && alertName(r.body()).equals(alertName)).count();
    }

    @Test
    void shouldIsolateAFailingAndHangingReceiverBehindItsBreakerAndDeliverItsBacklogOnRecovery() throws Exception {
        final AtomicReference<Mode> flakyMode = new AtomicReference<>(Mode.ACCEPT);
        final AtomicReference<Mode> healthyMode = new AtomicReference<>(Mode.ACCEPT);
        final List<Received> flakyGot = new CopyOnWriteArrayList<>();
        final List<Received> healthyGot = new CopyOnWriteArrayList<>();
        final HttpServer flakyServer = receiver("flaky", flakyMode, flakyGot);
        final HttpServer healthyServer = receiver("healthy", healthyMode, healthyGot);
        final WebhookReceiver.Settings settings = new WebhookReceiver.Settings(500, REQUEST_TIMEOUT_MS, 20, 100, 64,
            BREAKER_FAILURES, COOLDOWN_MS);
        final WebhookReceiver.Listener listener = event -> {
            events.add(event);
            note(event.timeMs(), "receiver " + event.receiver() + ": " + event.kind() + " (" + event.detail() +
                ") breaker " + event.breaker());
        };
        final WebhookReceiver flaky = new WebhookReceiver("flaky", uri(flakyServer), settings, WallClock.SYSTEM, null,
            listener);
        final WebhookReceiver healthy = new WebhookReceiver("healthy", uri(healthyServer), settings, WallClock.SYSTEM,
            null, listener);
        receivers.add(flaky);
        receivers.add(healthy);
        final SetSource source = new SetSource();
        final AlertService alerts = new AlertService("vigil-test", "http://vigil.example:9100", List.of(source),
            receivers, 1000, WallClock.SYSTEM, null);
        flaky.start();
        healthy.start();

        // (1) the flaky receiver accepts
        fire(source, alerts, "Test1");
        await("Test1 at both", () -> delivered(flakyGot, "Test1") == 1 && delivered(healthyGot, "Test1") == 1);

        // (2) it fails with 500: retried with backoff until the breaker opens after N consecutive failures
        flakyMode.set(Mode.FAIL);
        fire(source, alerts, "Test2");
        await("flaky breaker open", () -> eventCount("flaky", WebhookReceiver.Event.Kind.BREAKER_OPENED) == 1);
        final WebhookReceiver.Event opened = event("flaky", WebhookReceiver.Event.Kind.BREAKER_OPENED, 0);
        assertEquals(1 + BREAKER_FAILURES, flakyGot.size(), "one accepted, then N failed attempts");
        assertEquals("OPEN", flaky.snapshot().breaker());
        // (3) while it is open it starts hanging; alerts keep coming and the healthy receiver gets each of them
        flakyMode.set(Mode.HANG);
        fire(source, alerts, "Test3");
        fire(source, alerts, "Test4");
        await("Test2..4 at the healthy receiver", () -> delivered(healthyGot, "Test2") == 1 &&
            delivered(healthyGot, "Test3") == 1 && delivered(healthyGot, "Test4") == 1);
        final long healthyHadAllMs = System.currentTimeMillis();
        note(healthyHadAllMs, "test: the healthy receiver has Test1..Test4");
        // after the cool-down one probe goes through, hangs, times out, and opens the breaker again
        await("flaky half-open", () -> eventCount("flaky", WebhookReceiver.Event.Kind.BREAKER_HALF_OPEN) == 1);
        await("probe failed", () -> eventCount("flaky", WebhookReceiver.Event.Kind.BREAKER_OPENED) == 2);
        final WebhookReceiver.Event halfOpen = event("flaky", WebhookReceiver.Event.Kind.BREAKER_HALF_OPEN, 0);
        final WebhookReceiver.Event reopened = event("flaky", WebhookReceiver.Event.Kind.BREAKER_OPENED, 1);
        assertTrue(reopened.detail().contains("probe failed"), reopened.toString());
        assertTrue(event("flaky", WebhookReceiver.Event.Kind.FAILED, BREAKER_FAILURES).detail().contains("timed out"));
        assertEquals(2 + BREAKER_FAILURES, flakyGot.size(), "exactly one probe while half-open");
        assertEquals(Mode.HANG, flakyGot.get(flakyGot.size() - 1).mode());
        // (4) it recovers: the next probe closes the breaker and the backlog is delivered, in order
        flakyMode.set(Mode.ACCEPT);
        await("flaky closed", () -> eventCount("flaky", WebhookReceiver.Event.Kind.BREAKER_CLOSED) == 1);
        await("backlog at flaky", () -> delivered(flakyGot, "Test4") == 1);
        final WebhookReceiver.Event closed = event("flaky", WebhookReceiver.Event.Kind.BREAKER_CLOSED, 0);
        final List<String> accepted = flakyGot.stream().filter(r -> r.mode() == Mode.ACCEPT)
            .map(r -> alertName(r.body())).toList();
        assertEquals(List.of("Test1", "Test2", "Test3", "Test4"), accepted);

        // nothing reached the flaky receiver while its breaker was open
        for (final Received request : flakyGot) {
            final boolean inFirstOpen = request.timeMs() > opened.timeMs() && request.timeMs() < halfOpen.timeMs();
            final boolean inSecondOpen = request.timeMs() > reopened.timeMs() &&
                request.timeMs() < reopened.timeMs() + COOLDOWN_MS;
            assertFalse(inFirstOpen || inSecondOpen, "request at +" + (request.timeMs() - t0) + " ms while open");
        }
        assertTrue(halfOpen.timeMs() - opened.timeMs() >= COOLDOWN_MS, "the cool-down was waited out");
        assertTrue(closed.timeMs() - reopened.timeMs() >= COOLDOWN_MS, "the cool-down was waited out again");
        // the healthy receiver had everything before the flaky one came back
        assertTrue(healthyHadAllMs < closed.timeMs());
        assertEquals(4, healthyGot.size(), "the healthy receiver got each message once");
        assertEquals(0, eventCount("healthy", WebhookReceiver.Event.Kind.FAILED));

        // a resolved alert goes out too, and everything parses as Alertmanager's webhook format
        final long resolvedFrom = System.currentTimeMillis();
        source.active.removeIf(a -> a.name().equals("Test1"));
        alerts.evaluate();
        // the receivers count a delivery once the response is back, after the server saw the request
        await("resolved at both", () -> healthyGot.size() == 5 && flakyGot.stream()
            .filter(r -> r.mode() == Mode.ACCEPT).count() == 5 &&
            flaky.snapshot().delivered() == 5 && healthy.snapshot().delivered() == 5);
        for (final Received request : healthyGot) {
            checkAlertmanagerFormat(JSON.readTree(request.body()));
        }
        final JsonNode resolved = JSON.readTree(healthyGot.get(4).body());
        assertEquals("resolved", resolved.get("status").asText());
        final JsonNode resolvedAlert = resolved.get("alerts").get(0);
        assertEquals("resolved", resolvedAlert.get("status").asText());
        assertTrue(Instant.parse(resolvedAlert.get("endsAt").asText()).toEpochMilli() >= resolvedFrom - 1);
        assertEquals(Alert.fingerprint("Test1", Map.of("severity", "ticket")), resolvedAlert.get("fingerprint").asText());

        final WebhookReceiver.Snapshot flakyState = flaky.snapshot();
        note(System.currentTimeMillis(), "flaky snapshot: " + flakyState);
        assertEquals("CLOSED", flakyState.breaker());
        assertEquals(5, flakyState.delivered());
        assertEquals(BREAKER_FAILURES + 1, flakyState.failed());
        assertEquals(2, flakyState.breakerOpenings());
        assertEquals(0, flakyState.queued());
        assertEquals(0, flakyState.dropped());
        assertEquals("http://127.0.0.1:" + flakyServer.getAddress().getPort(), flakyState.target());
        assertEquals(5, healthy.snapshot().delivered());
    }

    private void fire(final SetSource source, final AlertService alerts, final String name) {
        source.active.add(new AlertSource.Active(name, Map.of("severity", "ticket"),
            Map.of("summary", name + " is firing")));
        alerts.evaluate();
        note(System.currentTimeMillis(), "test: " + name + " fires (message offered to both receivers)");
    }

    private static void checkAlertmanagerFormat(final JsonNode message) {
        assertEquals("4", message.get("version").asText());
        final String name = message.get("groupLabels").get("alertname").asText();
        assertEquals("{}:{alertname=\"" + name + "\"}", message.get("groupKey").asText());
        assertEquals(0, message.get("truncatedAlerts").asLong());
        assertTrue(List.of("firing", "resolved").contains(message.get("status").asText()));
        assertEquals("vigil-test", message.get("receiver").asText());
        assertEquals(name, message.get("commonLabels").get("alertname").asText());
        assertEquals("ticket", message.get("commonLabels").get("severity").asText());
        assertTrue(message.get("commonAnnotations").isObject());
        assertEquals("http://vigil.example:9100", message.get("externalURL").asText());
        final JsonNode alerts = message.get("alerts");
        assertEquals(1, alerts.size());
        final JsonNode alert = alerts.get(0);
        assertEquals(message.get("status").asText(), alert.get("status").asText());
        assertEquals(name, alert.get("labels").get("alertname").asText());
        assertEquals(name + " is firing", alert.get("annotations").get("summary").asText());
        Instant.parse(alert.get("startsAt").asText());
        if (alert.get("status").asText().equals("firing")) {
            assertEquals("0001-01-01T00:00:00Z", alert.get("endsAt").asText());
        }
        assertEquals("http://vigil.example:9100/alerts", alert.get("generatorURL").asText());
        assertTrue(alert.get("fingerprint").asText().matches("[0-9a-f]{16}"), alert.toString());
    }
}
