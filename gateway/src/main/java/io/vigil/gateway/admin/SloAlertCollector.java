package io.vigil.gateway.admin;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.vigil.gateway.alert.AlertService;
import io.vigil.gateway.alert.WebhookReceiver;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.SloStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * The SLOs' and webhooks' state as gauges, from the snapshots their threads publish (never computed at the scrape):
 * <ul>
 * <li>{@code vigil_slo_objective_ratio{slo}}: the target;</li>
 * <li>{@code vigil_slo_error_budget_remaining_ratio{slo}}: 1 untouched, 0 spent, below 0 overspent;</li>
 * <li>{@code vigil_slo_burn_rate{slo,window}}: per window (5m ... 3d), 1 spends the budget exactly over the period;</li>
 * <li>{@code vigil_slo_alerting{slo,severity}}: 1 while a page / ticket condition holds;</li>
 * <li>{@code vigil_webhook_breaker_state{receiver}}: 0 closed, 1 half-open, 2 open;</li>
 * <li>{@code vigil_webhook_queued{receiver}}: messages waiting for the receiver.</li>
 * </ul>
 * Either source may be null (switched off): its metrics are then absent. Thread-safe; allocates per scrape.
 */
final class SloAlertCollector implements MultiCollector {
    private final SloEvaluator slo;
    private final AlertService alerts;

    SloAlertCollector(final SloEvaluator slo, final AlertService alerts) {
        this.slo = slo;
        this.alerts = alerts;
    }

    @Override
    public MetricSnapshots collect() {
        final List<MetricSnapshot> out = new ArrayList<>();
        if (slo != null) {
            final SloStatus status = slo.status();
            final GaugeSnapshot.Builder target = gauge("vigil_slo_objective_ratio", "The SLO's objective (good / all events).");
            final GaugeSnapshot.Builder budget = gauge("vigil_slo_error_budget_remaining_ratio",
                "Share of the error budget left over the SLO period (1 untouched, 0 spent, below 0 overspent).");
            final GaugeSnapshot.Builder burn = gauge("vigil_slo_burn_rate",
                "Error rate over the window divided by the error budget rate (1 spends the budget exactly over the period).");
            final GaugeSnapshot.Builder alerting = gauge("vigil_slo_alerting",
                "1 while a multi-window burn-rate condition of that severity holds.");
            for (final SloStatus.Objective objective : status.objectives()) {
                final Labels labels = Labels.of("slo", objective.name());
                target.dataPoint(point(labels, objective.target()));
                budget.dataPoint(point(labels, objective.errorBudgetRemaining()));
                for (final SloStatus.Window window : objective.windows()) {
                    burn.dataPoint(point(Labels.of("slo", objective.name(), "window", window.name()), window.burnRate()));
                }
                for (final String severity : new String[] {"page", "ticket"}) {
                    boolean holds = false;
                    for (final SloStatus.Condition condition : objective.conditions()) {
                        holds |= condition.firing() && condition.severity().equals(severity);
                    }
                    alerting.dataPoint(point(Labels.of("slo", objective.name(), "severity", severity), holds ? 1 : 0));
                }
            }
            out.add(target.build());
            out.add(budget.build());
            out.add(burn.build());
            out.add(alerting.build());
        }
        if (alerts != null) {
            final GaugeSnapshot.Builder breaker = gauge("vigil_webhook_breaker_state",
                "Circuit breaker of a webhook receiver: 0 closed, 1 half-open (one probe), 2 open (nothing sent).");
            final GaugeSnapshot.Builder queued = gauge("vigil_webhook_queued", "Messages waiting for the receiver.");
            for (final WebhookReceiver.Snapshot receiver : alerts.snapshot().receivers()) {
                final Labels labels = Labels.of("receiver", receiver.name());
                breaker.dataPoint(point(labels, breakerValue(receiver.breaker())));
                queued.dataPoint(point(labels, receiver.queued()));
            }
            out.add(breaker.build());
            out.add(queued.build());
        }
        return new MetricSnapshots(out);
    }

    static int breakerValue(final String state) {
        switch (state) {
            case "CLOSED": return 0;
            case "HALF_OPEN": return 1;
            default: return 2;
        }
    }

    private static GaugeSnapshot.Builder gauge(final String name, final String help) {
        return GaugeSnapshot.builder().name(name).help(help);
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(final Labels labels, final double value) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
