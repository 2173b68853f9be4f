package io.vigil.gateway.admin;

import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.engine.counters.EngineState;
import io.vigil.gateway.ServerLatencies;
import io.vigil.gateway.alert.Alert;
import io.vigil.gateway.alert.AlertService;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.SloStatus;
import org.HdrHistogram.Histogram;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * {@code GET /api/summary}: what the dashboard shows, in one JSON object, computed on the admin thread from published
 * state only: the counters file (read like {@link CountersCollector} reads it), the per-stage latency histograms of the
 * {@link StageLatencyHistory} it shares with {@code /metrics}, the SLO evaluator's and the alerts' snapshots.
 *
 * <p>Rates per second are differences between two readings of the counters file taken by this class: it keeps the
 * readings of the last few seconds (with the monotonic time each was taken at) and divides by the time since the
 * newest one at least {@value #RATE_BASE_MS} ms old (or the oldest one it has, when none is that old), so two pages
 * polling at once still see rates over about a second. The first request has no rates (null). Only the admin thread
 * reads a clock; nothing here touches the event path.
 *
 * <p>Thread-safe ({@link #summary()} is synchronized); allocates per request (control plane).
 */
final class DashboardSummary {
    /** A rate is taken over at least this much time when the readings allow. */
    static final long RATE_BASE_MS = 1000;
    /** Readings older than this are dropped (one is always kept). */
    static final long KEEP_MS = 5000;
    /** Resolved alerts shown, newest first. */
    static final int RESOLVED_SHOWN = 10;

    /** One reading of the counters file: the monotonic time it was taken at and every value, by key. */
    private record Reading(long atNs, Map<String, Long> values) {
    }

    private final Path dataDir;
    private final StageLatencyHistory latencies;
    private final SloEvaluator slo;
    private final AlertService alerts;
    private final LongSupplier monotonicNs;
    private final LongSupplier wallMs;
    private final ArrayDeque<Reading> readings = new ArrayDeque<>();
    private CountersFileReader reader;

    /**
     * @param slo    null when the SLO evaluator is off.
     * @param alerts null when alerts are off.
     */
    DashboardSummary(final Path dataDir, final StageLatencyHistory latencies, final SloEvaluator slo,
        final AlertService alerts, final LongSupplier monotonicNs, final LongSupplier wallMs) {
        this.dataDir = dataDir;
        this.latencies = latencies;
        this.slo = slo;
        this.alerts = alerts;
        this.monotonicNs = monotonicNs;
        this.wallMs = wallMs;
    }

    /** The summary as of now: maps, lists and records that Jackson writes as they are. */
    synchronized Map<String, Object> summary() {
        if (reader == null) {
            reader = CountersFileReader.open(dataDir);
        }
        final long nowNs = monotonicNs.getAsLong();
        final long nowMs = wallMs.getAsLong();
        final List<CountersFileReader.Sample> samples = reader.sample();
        final Map<String, Long> values = new LinkedHashMap<>();
        for (final CountersFileReader.Sample sample : samples) {
            if (sample.type() != null) {
                values.put(key(sample), sample.value());
            }
        }
        final Reading base = base(nowNs);
        final Reading current = new Reading(nowNs, values);
        readings.addLast(current);
        while (readings.size() > 1 && nowNs - readings.peekFirst().atNs > KEEP_MS * 1_000_000L) {
            readings.removeFirst();
        }
        final Rates rates = new Rates(current, base);

        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("sampledAtMs", nowMs);
        out.put("startedAtMs", reader.startTimeMs());
        out.put("uptimeSeconds", Math.max(0, nowMs - reader.startTimeMs()) / 1000.0);
        out.put("rateWindowSeconds", base == null ? null : (nowNs - base.atNs) / 1e9);
        final long state = values.getOrDefault(CounterType.ENGINE_STATE.name(), -1L);
        String stateName = "UNKNOWN";
        for (final EngineState each : EngineState.values()) {
            if (each.code() == state) {
                stateName = each.name();
            }
        }
        out.put("engineState", stateName);

        final Map<String, Object> counters = new LinkedHashMap<>();
        counters.put("eventsJournaled", rates.of(CounterType.EVENTS_IN));
        counters.put("answered", rates.of(CounterType.ANSWERED));
        counters.put("events", rates.keyed(CounterType.EVENTS, "byType"));
        counters.put("decisions", rates.keyed(CounterType.DECISIONS, "byAction"));
        counters.put("rejects", rates.keyed(CounterType.REJECTED, "byReason"));
        counters.put("errors", rates.of(CounterType.ERRORS));
        counters.put("modelFallbacks", rates.of(CounterType.MODEL_FALLBACKS));
        counters.put("backpressurePauses", rates.of(CounterType.BACKPRESSURE_PAUSES));
        counters.put("deadLetters", rates.of(CounterType.DEAD_LETTERS));
        counters.put("checkpoints", rates.of(CounterType.CHECKPOINTS));
        out.put("counters", counters);

        final Map<String, Object> gauges = new LinkedHashMap<>();
        gauges.put("journalLag", values.get(CounterType.PIPELINE_LAG.name()));
        gauges.put("ringOccupancy", values.get(CounterType.RING_OCCUPANCY.name()));
        gauges.put("ringSize", values.get(CounterType.RING_SIZE.name()));
        gauges.put("connections", values.get(CounterType.CONNECTIONS.name()));
        gauges.put("journalUnavailable", values.get(CounterType.JOURNAL_UNAVAILABLE.name()));
        final long lastCheckpoint = values.getOrDefault(CounterType.LAST_CHECKPOINT.name(), 0L);
        gauges.put("checkpointAgeSeconds", lastCheckpoint > 0 ? Math.max(0, nowMs - lastCheckpoint) / 1000.0 : null);
        final Long pause = values.get(CounterType.CHECKPOINT_PAUSE.name());
        gauges.put("checkpointPauseSeconds", pause == null ? null : pause / 1e6);
        out.put("gauges", gauges);

        out.put("latency", latency());
        out.put("slo", slo());
        out.put("alerts", alerts(nowMs));
        return out;
    }

    /** A counter's key: its type name, then {@code :} and the key's name for a keyed type ({@code DECISIONS:APPROVE}). */
    private static String key(final CountersFileReader.Sample sample) {
        final CounterType type = sample.type();
        if (!type.keyed()) {
            return type.name();
        }
        final String suffix = sample.label().startsWith(type.label()) ?
            sample.label().substring(type.label().length()) : Integer.toString(sample.key());
        return type.name() + ":" + suffix;
    }

    /** The newest reading at least {@link #RATE_BASE_MS} old, else the oldest; null when there is none. */
    private Reading base(final long nowNs) {
        Reading base = null;
        for (final Reading reading : readings) {
            if (nowNs - reading.atNs >= RATE_BASE_MS * 1_000_000L) {
                base = reading;
            }
        }
        if (base == null && !readings.isEmpty() && readings.peekFirst().atNs < nowNs) {
            base = readings.peekFirst();
        }
        return base;
    }

    /** Totals and rates between two readings. */
    private static final class Rates {
        private final Reading current;
        private final Reading base;

        Rates(final Reading current, final Reading base) {
            this.current = current;
            this.base = base;
        }

        private Double rate(final String key) {
            if (base == null) {
                return null;
            }
            final long now = current.values.getOrDefault(key, 0L);
            final long then = base.values.getOrDefault(key, 0L);
            return Math.max(0, now - then) * 1e9 / (current.atNs - base.atNs);
        }

        Map<String, Object> of(final CounterType type) {
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("total", current.values.getOrDefault(type.name(), 0L));
            out.put("perSecond", rate(type.name()));
            return out;
        }

        /** The keyed counters of {@code type}: their total and rate, and each key's under {@code by}. */
        Map<String, Object> keyed(final CounterType type, final String by) {
            final String prefix = type.name() + ":";
            long total = 0;
            Double perSecond = base == null ? null : 0.0;
            final Map<String, Object> each = new TreeMap<>();
            for (final Map.Entry<String, Long> entry : current.values.entrySet()) {
                if (entry.getKey().startsWith(prefix)) {
                    final Map<String, Object> one = new LinkedHashMap<>();
                    final Double rate = rate(entry.getKey());
                    one.put("total", entry.getValue());
                    one.put("perSecond", rate);
                    each.put(entry.getKey().substring(prefix.length()), one);
                    total += entry.getValue();
                    if (rate != null) {
                        perSecond += rate;
                    }
                }
            }
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("total", total);
            out.put("perSecond", perSecond);
            out.put(by, each);
            return out;
        }
    }

    /** Per stage: percentiles of the recent window and since the start, microseconds. */
    private Map<String, Object> latency() {
        latencies.drain();
        final List<Map<String, Object>> stages = new ArrayList<>();
        for (int stage = 0; stage < latencies.stages(); stage++) {
            final Map<String, Object> one = new LinkedHashMap<>();
            one.put("stage", StageLatencyCollector.label(stage));
            one.put("name", ServerLatencies.STAGES[stage]);
            one.put("recent", percentiles(latencies.recent(stage)));
            one.put("sinceStart", percentiles(latencies.cumulative(stage)));
            stages.add(one);
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("unit", "microseconds");
        out.put("recentWindowSeconds", StageLatencyHistory.WINDOW_SECONDS);
        out.put("stages", stages);
        return out;
    }

    private static Map<String, Object> percentiles(final Histogram histogram) {
        final Map<String, Object> out = new LinkedHashMap<>();
        final long count = histogram.getTotalCount();
        out.put("count", count);
        out.put("p50", count == 0 ? null : micros(histogram.getValueAtPercentile(50)));
        out.put("p99", count == 0 ? null : micros(histogram.getValueAtPercentile(99)));
        out.put("p999", count == 0 ? null : micros(histogram.getValueAtPercentile(99.9)));
        out.put("max", count == 0 ? null : micros(histogram.getMaxValue()));
        return out;
    }

    private static double micros(final long ns) {
        return ns / 1000.0;
    }

    private Map<String, Object> slo() {
        if (slo == null) {
            return null;
        }
        final SloStatus status = slo.status();
        final List<Map<String, Object>> objectives = new ArrayList<>();
        for (final SloStatus.Objective objective : status.objectives()) {
            final Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", objective.name());
            one.put("description", objective.description());
            one.put("target", objective.target());
            one.put("errorBudgetRemaining", objective.errorBudgetRemaining());
            one.put("budgetCoveredSeconds", objective.budgetCoveredMs() / 1000.0);
            one.put("good", objective.good());
            one.put("total", objective.total());
            one.put("alerting", objective.alerting());
            final Map<String, Object> burnRates = new LinkedHashMap<>();
            for (final SloStatus.Window window : objective.windows()) {
                burnRates.put(window.name(), window.burnRate());
            }
            one.put("burnRates", burnRates);
            objectives.add(one);
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("evaluatedAtMs", status.evaluatedAtMs());
        out.put("fastBurn", status.fastBurn());
        out.put("objectives", objectives);
        return out;
    }

    private Map<String, Object> alerts(final long nowMs) {
        if (alerts == null) {
            return null;
        }
        final AlertService.Snapshot snapshot = alerts.snapshot();
        final List<Map<String, Object>> firing = new ArrayList<>();
        for (final Alert alert : snapshot.firing()) {
            firing.add(alert(alert, nowMs));
        }
        final List<Map<String, Object>> resolved = new ArrayList<>();
        for (final Alert alert : snapshot.resolved()) {
            if (resolved.size() == RESOLVED_SHOWN) {
                break;
            }
            resolved.add(alert(alert, nowMs));
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("evaluatedAtMs", snapshot.evaluatedAtMs());
        out.put("firingCount", firing.size());
        out.put("firing", firing);
        out.put("resolved", resolved);
        return out;
    }

    private static Map<String, Object> alert(final Alert alert, final long nowMs) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", alert.name());
        out.put("status", alert.status());
        out.put("labels", alert.labels());
        out.put("summary", alert.annotations().getOrDefault("summary", ""));
        out.put("startsAtMs", alert.startsAtMs());
        out.put("endsAtMs", alert.endsAtMs());
        out.put("ageSeconds", Math.max(0, nowMs - alert.startsAtMs()) / 1000.0);
        out.put("fingerprint", alert.fingerprint());
        return out;
    }

    synchronized void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
