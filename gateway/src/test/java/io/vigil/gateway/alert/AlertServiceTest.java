package io.vigil.gateway.alert;

import io.vigil.engine.VigilConfig;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.slo.BurnRateRule;
import io.vigil.gateway.slo.CounterValues;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.SloObjective;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Alert state from the engine's real (in-memory) counters and the SLO evaluator, on a synthetic clock: deduplicated
 * by fingerprint, firing with a start, resolved with an end.
 */
@Timeout(30)
class AlertServiceTest {
    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final VigilCounters counters = VigilCounters.inMemory();

    private AlertService service(final SloEvaluator slo) {
        final AlertContext context = new AlertContext(VigilConfig.of(Map.of())).fallbackWindowMs(60_000)
            .errorsWindowMs(60_000).errorsPerSecond(1).fallbackRatio(0.05).evaluationIntervalMs(10_000).conclude();
        return AlertService.create(context, CounterValues.of(counters), slo, null, counters, now::get,
            WebhookReceiver.Listener.NONE);
    }

    private static List<String> names(final AlertService service) {
        return service.firing().stream().map(Alert::name).toList();
    }

    @Test
    void shouldFireOnceWhileTheJournalIsUnavailableAndResolveWhenItIsBack() {
        final AlertService alerts = service(null);
        alerts.evaluate();
        assertEquals(List.of(), alerts.firing());
        counters.counter(CounterType.JOURNAL_UNAVAILABLE).set(1);
        final long startsAt = now.addAndGet(10_000);
        alerts.evaluate();
        now.addAndGet(10_000);
        alerts.evaluate();
        assertEquals(1, alerts.firing().size(), "the same alert twice is one alert");
        final Alert firing = alerts.firing().get(0);
        assertEquals(EngineAlertSource.JOURNAL, firing.name());
        assertEquals(Map.of("severity", "page"), firing.labels());
        assertEquals(startsAt, firing.startsAtMs());
        assertEquals(0, firing.endsAtMs());
        assertEquals(Alert.fingerprint(EngineAlertSource.JOURNAL, Map.of("severity", "page")), firing.fingerprint());
        assertEquals(1, counters.counter(CounterType.ALERTS_FIRING).get());

        counters.counter(CounterType.JOURNAL_UNAVAILABLE).set(0);
        final long endsAt = now.addAndGet(10_000);
        alerts.evaluate();
        assertEquals(List.of(), alerts.firing());
        final Alert resolved = alerts.snapshot().resolved().get(0);
        assertEquals(startsAt, resolved.startsAtMs());
        assertEquals(endsAt, resolved.endsAtMs());
        assertEquals(firing.fingerprint(), resolved.fingerprint());
        assertEquals(2, alerts.snapshot().messagesSent(), "one message when it fired, one when it resolved");
        assertEquals(0, counters.counter(CounterType.ALERTS_FIRING).get());
    }

    @Test
    void shouldAlertOnTheModelFallbackRatioOverItsWindow() {
        final AlertService alerts = service(null);
        alerts.evaluate();
        // 40 of 1000 answers fell back: 4 %, under 5 %
        counters.counter(CounterType.ANSWERED).set(1000);
        counters.counter(CounterType.MODEL_FALLBACKS).set(40);
        now.addAndGet(10_000);
        alerts.evaluate();
        assertEquals(List.of(), names(alerts));
        // 60 more of 200: 100 of 1200 over the window, 8.3 %
        counters.counter(CounterType.ANSWERED).set(1200);
        counters.counter(CounterType.MODEL_FALLBACKS).set(100);
        now.addAndGet(10_000);
        alerts.evaluate();
        assertEquals(List.of(EngineAlertSource.FALLBACKS), names(alerts));
        assertEquals("0.0833", alerts.firing().get(0).annotations().get("ratio"));
        // a minute of clean answers later the window holds none of them
        for (int i = 0; i < 6; i++) {
            counters.counter(CounterType.ANSWERED).getAndAdd(1000);
            now.addAndGet(10_000);
            alerts.evaluate();
        }
        assertEquals(List.of(), names(alerts));
    }

    @Test
    void shouldAlertOnTheErrorRate() {
        final AlertService alerts = service(null);
        alerts.evaluate();
        // 50 errors in 60 s: under 1 per second
        counters.counter(CounterType.ERRORS).set(50);
        now.addAndGet(60_000);
        alerts.evaluate();
        assertEquals(List.of(), names(alerts));
        // 130 in the last 60 s
        counters.counter(CounterType.ERRORS).set(180);
        now.addAndGet(60_000);
        alerts.evaluate();
        assertEquals(List.of(EngineAlertSource.ERRORS), names(alerts));
        assertEquals("2.167", alerts.firing().get(0).annotations().get("rate"));
    }

    @Test
    void shouldPageOnAnSloFastBurnAndResolveWhenItStops() throws Exception {
        final SloEvaluator slo = new SloEvaluator(List.of(SloObjective.latency(0.999, 1_000_000)),
            BurnRateRule.DEFAULTS, TimeUnit.DAYS.toMillis(30), 10_000, true, CounterValues.of(counters), now::get);
        final AlertService alerts = service(slo);
        slo.tick();
        // an hour at 2 %: 20x on every window
        for (int i = 0; i < 360; i++) {
            counters.counter(CounterType.SLO_LATENCY_TOTAL).getAndAdd(1000);
            counters.counter(CounterType.SLO_LATENCY_GOOD).getAndAdd(980);
            now.addAndGet(10_000);
            slo.tick();
        }
        alerts.evaluate();
        assertEquals(2, alerts.firing().size(), alerts.firing().toString());
        for (final Alert alert : alerts.firing()) {
            assertEquals(SloBurnAlertSource.ALERT, alert.name());
            assertEquals("latency", alert.labels().get("slo"));
        }
        assertEquals(List.of("page", "ticket"), alerts.firing().stream().map(a -> a.labels().get("severity")).sorted()
            .toList());
        assertTrue(alerts.firing().get(0).annotations().get("description").contains("1h 20.0x and 5m 20.0x > 14.4x"),
            alerts.firing().get(0).annotations().toString());
        // both snapshots are JSON-ready for /slo and /alerts
        final com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        final com.fasterxml.jackson.databind.JsonNode sloJson = json.readTree(json.writeValueAsString(slo.status()));
        assertTrue(sloJson.get("fastBurn").asBoolean());
        final com.fasterxml.jackson.databind.JsonNode latency = sloJson.get("objectives").get(0);
        assertEquals("latency", latency.get("name").asText());
        assertEquals(20.0, latency.get("windows").get(0).get("burnRate").asDouble(), 1e-9);
        assertEquals("page", latency.get("alerting").asText());
        final com.fasterxml.jackson.databind.JsonNode alertsJson = json.readTree(json.writeValueAsString(alerts.snapshot()));
        assertEquals(2, alertsJson.get("firing").size());
        assertEquals(alerts.firing().get(0).fingerprint(), alertsJson.get("firing").get(0).get("fingerprint").asText());
        // 30 clean minutes: the page resolves, the ticket stays
        for (int i = 0; i < 180; i++) {
            counters.counter(CounterType.SLO_LATENCY_TOTAL).getAndAdd(1000);
            counters.counter(CounterType.SLO_LATENCY_GOOD).getAndAdd(1000);
            now.addAndGet(10_000);
            slo.tick();
        }
        alerts.evaluate();
        assertEquals(List.of("ticket"), alerts.firing().stream().map(a -> a.labels().get("severity")).toList());
        assertEquals("page", alerts.snapshot().resolved().get(0).labels().get("severity"));
    }

    @Test
    void shouldKeepTheAlertsOfASourceThatFails() {
        final boolean[] fail = {false};
        final AlertSource flaky = new AlertSource() {
            @Override
            public String name() {
                return "flaky";
            }

            @Override
            public void evaluate(final long nowMs, final List<Active> into) {
                if (fail[0]) {
                    throw new IllegalStateException("boom");
                }
                into.add(new Active("Flaky", Map.of("k", "v"), Map.of()));
            }
        };
        final AlertService alerts = new AlertService("r", "", List.of(flaky), List.of(), 1000, now::get, null);
        alerts.evaluate();
        fail[0] = true;
        alerts.evaluate();
        assertEquals(List.of("Flaky"), names(alerts));
        assertTrue(alerts.snapshot().sourceErrors().get("flaky").contains("boom"));
    }
}
