package io.vigil.gateway.alert;

import io.vigil.gateway.PeriodicTask;

import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.slo.CounterValues;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.WallClock;
import io.vigil.journal.Journals;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The alerts of a server: evaluates its {@link AlertSource}s every evaluation interval on the {@code vigil-alerts}
 * thread, deduplicates what they report by fingerprint (name + labels), keeps each alert's firing/resolved state
 * with its start and end, and sends every change to the {@link WebhookReceiver}s as an Alertmanager webhook message
 * (one per alert name that changed: its firing alerts and those that just resolved). Repeats of unchanged firing
 * alerts are not sent.
 *
 * <p>{@link #evaluate()} runs on one thread at a time (the alert thread, or a test with a synthetic clock);
 * {@link #snapshot()} and {@link #firing()} read the published state from any thread. Control plane: allocates.
 */
public final class AlertService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);
    /** Name of the alert thread. */
    public static final String THREAD = "vigil-alerts";
    /** Resolved alerts kept for the snapshot. */
    public static final int RESOLVED_KEPT = 64;
    /** Answers the anomaly source reads from the output journal per evaluation, at most. */
    static final int ANOMALY_RECORDS_PER_TICK = 1_000_000;

    /**
     * The state for {@code /alerts} and the metrics, JSON-ready.
     *
     * @param firing       alerts firing now, oldest first.
     * @param resolved     the most recently resolved ({@value #RESOLVED_KEPT} at most), newest first.
     * @param sourceErrors source name to the message of its last failed evaluation (absent once it evaluates again).
     */
    public record Snapshot(long evaluatedAtMs, List<Alert> firing, List<Alert> resolved,
        List<WebhookReceiver.Snapshot> receivers, long messagesSent, Map<String, String> sourceErrors) {
    }

    private record Firing(String source, Alert alert) {
    }

    private final String receiverName;
    private final String externalUrl;
    private final List<AlertSource> sources;
    private final List<WebhookReceiver> receivers;
    private final long intervalMs;
    private final WallClock clock;
    private final AtomicCounter firingCounter;
    private final Map<String, Firing> firing = new LinkedHashMap<>();
    private final ArrayDeque<Alert> resolved = new ArrayDeque<>();
    private final Map<String, String> sourceErrors = new LinkedHashMap<>();
    private final List<AlertSource.Active> reported = new ArrayList<>();
    private long messagesSent;
    private long evaluatedAtMs;
    private volatile Snapshot snapshot;
    private PeriodicTask thread;

    /**
     * @param receivers started here by {@link #start()} (and closed by {@link #close()}); may be empty.
     * @param counters  for {@link CounterType#ALERTS_FIRING}; null for none.
     */
    public AlertService(final String receiverName, final String externalUrl, final List<AlertSource> sources,
        final List<WebhookReceiver> receivers, final long intervalMs, final WallClock clock,
        final VigilCounters counters) {
        this.receiverName = receiverName;
        this.externalUrl = externalUrl;
        this.sources = List.copyOf(sources);
        this.receivers = List.copyOf(receivers);
        this.intervalMs = intervalMs;
        this.clock = clock;
        this.firingCounter = counters == null ? null : counters.counter(CounterType.ALERTS_FIRING);
        publish();
    }

    /**
     * The server's alerting as {@code context} configures it: SLO burn (when {@code slo} is not null), the engine's
     * counters, metric anomalies from the output journal (when {@code journals} is not null), and a receiver per
     * webhook URL.
     */
    public static AlertService create(final AlertContext context, final CounterValues counterValues,
        final SloEvaluator slo, final Supplier<Journals> journals, final VigilCounters counters, final WallClock clock,
        final WebhookReceiver.Listener listener) {
        return create(context, counterValues, slo, journals, counters, clock, listener, List.of());
    }

    /** Like the other, with {@code more} sources after the built-in ones (feature drift). */
    public static AlertService create(final AlertContext context, final CounterValues counterValues,
        final SloEvaluator slo, final Supplier<Journals> journals, final VigilCounters counters, final WallClock clock,
        final WebhookReceiver.Listener listener, final List<AlertSource> more) {
        context.conclude();
        final List<AlertSource> sources = new ArrayList<>();
        if (slo != null) {
            sources.add(new SloBurnAlertSource(slo));
        }
        sources.add(new EngineAlertSource(counterValues, context.fallbackRatio(), context.fallbackWindowMs(),
            context.errorsPerSecond(), context.errorsWindowMs(), context.evaluationIntervalMs()));
        if (journals != null && context.anomalyScore() <= 1) {
            sources.add(new MetricAnomalyAlertSource(journals, context.anomalyScore(), context.anomalyHoldMs(),
                ANOMALY_RECORDS_PER_TICK));
        }
        sources.addAll(more);
        final List<WebhookReceiver> receivers = new ArrayList<>();
        final WebhookReceiver.Settings settings = WebhookReceiver.Settings.of(context);
        for (int i = 0; i < context.webhookUrls().size(); i++) {
            receivers.add(new WebhookReceiver("webhook-" + (i + 1), context.webhookUrls().get(i), settings, clock,
                counters, listener));
        }
        return new AlertService(context.receiver(), context.externalUrl(), sources, receivers,
            context.evaluationIntervalMs(), clock, counters);
    }

    /** Evaluates every source now and sends what changed; one thread at a time. */
    public synchronized void evaluate() {
        final long now = clock.nowMs();
        final Map<String, Firing> active = new LinkedHashMap<>();
        for (final AlertSource source : sources) {
            reported.clear();
            try {
                source.evaluate(now, reported);
                sourceErrors.remove(source.name());
                for (final AlertSource.Active alert : reported) {
                    active.put(Alert.fingerprint(alert.name(), alert.labels()),
                        new Firing(source.name(), Alert.firing(alert.name(), alert.labels(), alert.annotations(), now)));
                }
            } catch (final RuntimeException ex) {
                if (!sourceErrors.containsKey(source.name())) {
                    LOG.warn("alert source {} failed; its alerts stay as they are", source.name(), ex);
                }
                sourceErrors.put(source.name(), String.valueOf(ex));
                for (final Map.Entry<String, Firing> entry : firing.entrySet()) {
                    if (entry.getValue().source().equals(source.name())) {
                        active.put(entry.getKey(), entry.getValue());
                    }
                }
            }
        }
        final TreeSet<String> changed = new TreeSet<>();
        final List<Alert> resolvedNow = new ArrayList<>();
        for (final Iterator<Map.Entry<String, Firing>> it = firing.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<String, Firing> entry = it.next();
            if (!active.containsKey(entry.getKey())) {
                final Alert ended = entry.getValue().alert().resolved(now);
                it.remove();
                resolvedNow.add(ended);
                resolved.addFirst(ended);
                while (resolved.size() > RESOLVED_KEPT) {
                    resolved.removeLast();
                }
                changed.add(ended.name());
                LOG.info("alert resolved: {} {}", ended.name(), ended.labels());
            }
        }
        for (final Map.Entry<String, Firing> entry : active.entrySet()) {
            final Firing before = firing.get(entry.getKey());
            final Alert reportedNow = entry.getValue().alert();
            if (before == null) {
                firing.put(entry.getKey(), entry.getValue());
                changed.add(reportedNow.name());
                LOG.warn("alert firing: {} {} {}", reportedNow.name(), reportedNow.labels(), reportedNow.annotations().get("summary"));
            } else if (!before.alert().annotations().equals(reportedNow.annotations())) {
                firing.put(entry.getKey(), new Firing(before.source(), before.alert().annotated(reportedNow.annotations())));
            }
        }
        for (final String name : changed) {
            final List<Alert> group = new ArrayList<>();
            for (final Firing alert : firing.values()) {
                if (alert.alert().name().equals(name)) {
                    group.add(alert.alert());
                }
            }
            for (final Alert alert : resolvedNow) {
                if (alert.name().equals(name)) {
                    group.add(alert);
                }
            }
            final byte[] json = AlertmanagerMessage.of(receiverName, externalUrl, name, group).toJson();
            for (final WebhookReceiver receiver : receivers) {
                receiver.offer(json);
            }
            messagesSent++;
        }
        evaluatedAtMs = now;
        if (firingCounter != null) {
            firingCounter.setRelease(firing.size());
        }
        publish();
    }

    private void publish() {
        final List<Alert> firingNow = new ArrayList<>(firing.size());
        for (final Firing alert : firing.values()) {
            firingNow.add(alert.alert());
        }
        final List<WebhookReceiver.Snapshot> receiverStates = new ArrayList<>(receivers.size());
        for (final WebhookReceiver receiver : receivers) {
            receiverStates.add(receiver.snapshot());
        }
        snapshot = new Snapshot(evaluatedAtMs, List.copyOf(firingNow), List.copyOf(resolved),
            List.copyOf(receiverStates), messagesSent, Map.copyOf(sourceErrors));
    }

    /**
     * The state as of the last evaluation, with each receiver's state as of now; any thread.
     */
    public Snapshot snapshot() {
        final Snapshot last = snapshot;
        final List<WebhookReceiver.Snapshot> receiverStates = new ArrayList<>(receivers.size());
        for (final WebhookReceiver receiver : receivers) {
            receiverStates.add(receiver.snapshot());
        }
        return new Snapshot(last.evaluatedAtMs(), last.firing(), last.resolved(), List.copyOf(receiverStates),
            last.messagesSent(), last.sourceErrors());
    }

    /** The alerts firing as of the last evaluation; any thread. */
    public List<Alert> firing() {
        return snapshot.firing();
    }

    public List<WebhookReceiver> receivers() {
        return receivers;
    }

    /** Starts the receivers' delivery threads and the {@code vigil-alerts} daemon thread (an evaluation now, then every interval). */
    public synchronized AlertService start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        for (final WebhookReceiver receiver : receivers) {
            receiver.start();
        }
        thread = PeriodicTask.start(THREAD, 0, intervalMs, false, this::evaluate, LOG, "alert evaluation failed");
        return this;
    }

    /** Stops the alert thread (the sources are closed on it) and the receivers' delivery threads. */
    @Override
    public void close() {
        final PeriodicTask t;
        synchronized (this) {
            t = thread;
            thread = null;
        }
        if (t != null) {
            try {
                // after an evaluation in progress, on the thread that used them (journal tailers are confined to it)
                if (!t.runOnThread(this::closeSources, 5_000)) {
                    LOG.warn("closing the alert sources on the alert thread failed");
                }
            } catch (final InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            t.close();
        } else {
            closeSources();
        }
        for (final WebhookReceiver receiver : receivers) {
            receiver.close();
        }
    }

    private synchronized void closeSources() {
        for (final AlertSource source : sources) {
            try {
                source.close();
            } catch (final RuntimeException ex) {
                LOG.warn("closing alert source {} failed", source.name(), ex);
            }
        }
    }
}
