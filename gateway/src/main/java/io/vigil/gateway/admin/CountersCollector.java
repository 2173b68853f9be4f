package io.vigil.gateway.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.engine.counters.EngineState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Vigil's counters as Prometheus metrics, read from the memory-mapped counters file ({@code counters.dat}) at each
 * scrape, the way {@code vigil stat} reads it: never from the pipeline's or the gateway's objects, never resetting
 * anything. Each {@link CounterType} has a name that follows Prometheus's conventions (see {@link #METRICS});
 * a type this table does not name yet is exported under {@link CounterType#metricName()} by its kind.
 *
 * <p>Thread-safe (collect is synchronized: one mapping, read by one scrape at a time); allocates per scrape (control
 * plane).
 */
final class CountersCollector implements MultiCollector {
    /** How one counter type is exported. */
    record Metric(String name, boolean counter, String help, String labelName, String labelValue, double scale, Unit unit) {
        static Metric count(final String name, final String help) {
            return new Metric(name, true, help, null, null, 1, null);
        }

        static Metric gauge(final String name, final String help) {
            return new Metric(name, false, help, null, null, 1, null);
        }

        Metric label(final String labelName, final String labelValue) {
            return new Metric(name, counter, help, labelName, labelValue, scale, unit);
        }

        Metric scaled(final double scale, final Unit unit) {
            return new Metric(name, counter, help, labelName, labelValue, scale, unit);
        }
    }

    /**
     * The exported name of each counter type; a keyed type ({@link CounterType#keyed()}) takes the key's name from the
     * counter label as the value of {@link Metric#labelName()}. Counters get {@code _total} from the writer.
     */
    static final Map<CounterType, Metric> METRICS = new EnumMap<>(CounterType.class);

    static {
        METRICS.put(CounterType.EVENTS_IN, Metric.count("vigil_events_journaled", "Events appended to the input journal by the gateway."));
        METRICS.put(CounterType.ANSWERED, Metric.count("vigil_answered", "Events the pipeline answered (Decision or Reject)."));
        METRICS.put(CounterType.REJECTED, Metric.count("vigil_rejects", "Rejects sent, by reason (gateway and pipeline).").label("reason", null));
        METRICS.put(CounterType.DEAD_LETTERS, Metric.count("vigil_dead_letters", "Records appended to the dead-letter journal."));
        METRICS.put(CounterType.MODEL_FALLBACKS, Metric.count("vigil_model_fallbacks", "Events decided by the rules alone because inference failed or ran over its budget."));
        METRICS.put(CounterType.ERRORS, Metric.count("vigil_errors", "Failed inference calls, journal appends and checkpoints, and a tailer that stopped on an exception."));
        METRICS.put(CounterType.RING_OCCUPANCY, Metric.gauge("vigil_ring_occupancy", "Ring slots published by the tailer and not yet consumed by the pipeline."));
        METRICS.put(CounterType.RING_SIZE, Metric.gauge("vigil_ring_size", "Slots in the Disruptor ring."));
        METRICS.put(CounterType.INPUT_INDEX, Metric.gauge("vigil_journal_last_index", "Chronicle index of the last record appended (-1 for none).").label("journal", "input"));
        METRICS.put(CounterType.OUTPUT_INDEX, Metric.gauge("vigil_journal_last_index", "Chronicle index of the last record appended (-1 for none).").label("journal", "output"));
        METRICS.put(CounterType.COMPLETED_INDEX, Metric.gauge("vigil_pipeline_completed_index", "Input journal index of the last event the pipeline completed (-1 for none)."));
        METRICS.put(CounterType.PIPELINE_LAG, Metric.gauge("vigil_journal_lag_events", "Events in the input journal that the pipeline has not answered yet."));
        METRICS.put(CounterType.BACKPRESSURE_PAUSES, Metric.count("vigil_backpressure_pauses", "Times the gateway stopped reading from every connection because the pipeline was behind."));
        METRICS.put(CounterType.CONNECTIONS, Metric.gauge("vigil_connections", "Open TCP connections of the gateway, logged on or not."));
        METRICS.put(CounterType.CHECKPOINTS, Metric.count("vigil_checkpoints", "Checkpoints written since start."));
        METRICS.put(CounterType.JOURNAL_UNAVAILABLE, Metric.gauge("vigil_journal_unavailable", "1 while the input journal refuses appends (storage failure)."));
        METRICS.put(CounterType.CHECKPOINT_PAUSE, Metric.gauge("vigil_checkpoint_pause_seconds", "How long the pipeline thread stopped to capture the last checkpoint.").scaled(1e-6, Unit.SECONDS));
        METRICS.put(CounterType.EVENTS, Metric.count("vigil_events", "Events the pipeline answered, by event type.").label("type", null));
        METRICS.put(CounterType.DECISIONS, Metric.count("vigil_decisions", "Decisions sent, by action.").label("action", null));
        METRICS.put(CounterType.GATEWAY_SWEEPS, Metric.count("vigil_gateway_sweeps", "Sweeps (every 100 ms) of the gateway's network thread."));
        METRICS.put(CounterType.SLO_LATENCY_GOOD, Metric.count("vigil_slo_latency_good_answers", "Answers written to their socket within the latency SLO's threshold of their ingest stamp."));
        METRICS.put(CounterType.SLO_LATENCY_TOTAL, Metric.count("vigil_slo_latency_answers", "Answers written to their socket (the latency SLO's events)."));
        METRICS.put(CounterType.ALERTS_FIRING, Metric.gauge("vigil_alerts_firing", "Alerts firing now."));
        METRICS.put(CounterType.WEBHOOK_DELIVERED, Metric.count("vigil_webhook_delivered", "Alertmanager webhook messages receivers accepted (2xx)."));
        METRICS.put(CounterType.WEBHOOK_FAILED, Metric.count("vigil_webhook_failed_attempts", "Webhook delivery attempts that failed (each is retried)."));
        METRICS.put(CounterType.WEBHOOK_DROPPED, Metric.count("vigil_webhook_dropped", "Webhook messages dropped (queue full, or refused with a 4xx)."));
        METRICS.put(CounterType.TRACES_RECORDED, Metric.count("vigil_traces_recorded", "Slow or sampled events whose stage breakdown was kept (GET /traces/slow)."));
        METRICS.put(CounterType.TRACES_DROPPED, Metric.count("vigil_traces_dropped", "Slow or sampled events whose stage breakdown was dropped: the trace ring was full."));
        METRICS.put(CounterType.SYNTHETIC_PROBES, Metric.count("vigil_synthetic_probes", "Synthetic transactions the built-in prober sent end to end through the TCP gateway."));
        METRICS.put(CounterType.SYNTHETIC_FAILURES, Metric.count("vigil_synthetic_failures", "Synthetic probes without a Decision within the timeout, rejected, or without a connection."));
        METRICS.put(CounterType.SYNTHETIC_LATENCY, Metric.gauge("vigil_synthetic_latency_seconds", "Round trip of the last successful synthetic probe (send to Decision received).").scaled(1e-9, Unit.SECONDS));
        METRICS.put(CounterType.SYNTHETIC_LAST_SUCCESS, Metric.gauge("vigil_synthetic_last_success_timestamp_seconds", "Unix time of the last successful synthetic probe, 0 for none.").scaled(1e-3, Unit.SECONDS));
        METRICS.put(CounterType.LATE_EVENTS, Metric.count("vigil_late_events", "Events behind the watermark within the allowed lateness: applied, answered with LATE_EVENT."));
        METRICS.put(CounterType.TOO_LATE_EVENTS, Metric.count("vigil_too_late_events", "Events behind the watermark by more than the allowed lateness: answered TOO_LATE, not applied, written to the late journal."));
        METRICS.put(CounterType.WATERMARK, Metric.gauge("vigil_watermark_timestamp_seconds", "The pipeline's event-time watermark (Unix time), 0 before event time starts.").scaled(1e-3, Unit.SECONDS));
        METRICS.put(CounterType.WATERMARK_SOURCES, Metric.gauge("vigil_watermark_active_sources", "Sources (tenant, client) holding the watermark back now (not idle)."));
        METRICS.put(CounterType.WINDOW_RESULTS, Metric.count("vigil_window_results", "Closed event-time windows written to the window-results journal (one per key and window)."));
        METRICS.put(CounterType.WINDOW_CLOSED_EVENTS, Metric.count("vigil_window_closed_window_events", "Events that arrived for a window whose result was already emitted."));
        METRICS.put(CounterType.FEATURE_DRIFT_SAMPLES, Metric.count("vigil_feature_drift_samples", "Feature vectors handed to the drift thread: a sample, one transaction in vigil.drift.sample.one.in, minus those dropped."));
        METRICS.put(CounterType.FEATURE_DRIFT_DROPPED, Metric.count("vigil_feature_drift_dropped", "Sampled feature vectors dropped because the drift ring was full: the drift statistics then rest on fewer vectors, never on a blocked pipeline."));
        // LAST_CHECKPOINT and ENGINE_STATE are exported by hand below: an age and a state set
    }

    private final Path dataDir;
    private final LongSupplier clockMs;
    private CountersFileReader reader;

    /** @param dataDir the data directory whose {@code counters.dat} is read. */
    CountersCollector(final Path dataDir, final LongSupplier clockMs) {
        this.dataDir = dataDir;
        this.clockMs = clockMs;
    }

    @Override
    public synchronized MetricSnapshots collect() {
        if (reader == null) {
            reader = CountersFileReader.open(dataDir);
        }
        final List<CountersFileReader.Sample> samples = reader.sample();
        final Map<String, CounterSnapshot.Builder> counters = new LinkedHashMap<>();
        final Map<String, GaugeSnapshot.Builder> gauges = new LinkedHashMap<>();
        final long nowMs = clockMs.getAsLong();
        for (final CountersFileReader.Sample sample : samples) {
            final CounterType type = sample.type();
            if (type == null) {
                continue; // a type id of a newer writer
            }
            if (type == CounterType.LAST_CHECKPOINT) {
                final GaugeSnapshot.Builder age = gauges.computeIfAbsent("vigil_checkpoint_age_seconds", name ->
                    GaugeSnapshot.builder().name(name).unit(Unit.SECONDS)
                        .help("Seconds since the newest checkpoint was written (or restored at start); absent before the first."));
                if (sample.value() > 0) {
                    age.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .value(Math.max(0, nowMs - sample.value()) / 1000.0).build());
                }
                continue;
            }
            if (type == CounterType.ENGINE_STATE) {
                final GaugeSnapshot.Builder state = gauges.computeIfAbsent("vigil_engine_state", name ->
                    GaugeSnapshot.builder().name(name).help("1 for the state the engine is in (STARTING, RECOVERING, LIVE, STOPPED), 0 for the others."));
                for (final EngineState each : EngineState.values()) {
                    state.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("state", each.name()))
                        .value(each.code() == sample.value() ? 1 : 0).build());
                }
                continue;
            }
            Metric metric = METRICS.get(type);
            if (metric == null) {
                metric = fallback(type);
            }
            final double value = sample.value() * metric.scale();
            Labels labels = Labels.EMPTY;
            if (metric.labelName() != null) {
                final String labelValue = metric.labelValue() != null ? metric.labelValue() :
                    sample.label().startsWith(type.label()) ? sample.label().substring(type.label().length()) :
                        Integer.toString(sample.key());
                labels = Labels.of(metric.labelName(), labelValue);
            }
            final Metric m = metric;
            if (metric.counter()) {
                counters.computeIfAbsent(metric.name(), name -> {
                    final CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(m.help());
                    return m.unit() == null ? b : b.unit(m.unit());
                }).dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
            } else {
                gauges.computeIfAbsent(metric.name(), name -> {
                    final GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(m.help());
                    return m.unit() == null ? b : b.unit(m.unit());
                }).dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
            }
        }
        final List<MetricSnapshot> out = new ArrayList<>();
        counters.values().forEach(b -> out.add(b.build()));
        gauges.values().forEach(b -> out.add(b.build()));
        return new MetricSnapshots(out);
    }

    /** A type added to the table without a name here: exported by its kind under its own name. */
    private static Metric fallback(final CounterType type) {
        final String help = type.label().trim();
        final Metric metric = type.kind() == CounterType.Kind.COUNT ?
            Metric.count(type.metricName(), help) : Metric.gauge(type.metricName(), help);
        return type.keyed() ? metric.label("key", null) : metric;
    }

    synchronized void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
