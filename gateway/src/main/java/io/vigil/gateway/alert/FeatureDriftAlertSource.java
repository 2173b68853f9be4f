package io.vigil.gateway.alert;

import io.vigil.gateway.drift.FeatureDriftMonitor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code FeatureDrift} alerts: a feature whose PSI against the reference (as the drift thread last published it)
 * is above the critical threshold alerts with {@code severity=critical}, above the warning one with
 * {@code severity=warning} (one alert per feature, at the higher severity that holds: crossing from one to the other
 * resolves the one and fires the other). Labels: {@code feature}, {@code severity}; annotations: PSI, KS, vectors
 * in the window. A window with fewer vectors than {@code vigil.drift.min.samples} reports nothing and alerts nothing.
 *
 * <p>Called on the alert thread; reads the monitor's published snapshot only.
 */
public final class FeatureDriftAlertSource implements AlertSource {
    public static final String ALERT = "FeatureDrift";

    private final FeatureDriftMonitor monitor;
    private final double warning;
    private final double critical;

    public FeatureDriftAlertSource(final FeatureDriftMonitor monitor, final double warning, final double critical) {
        this.monitor = monitor;
        this.warning = warning;
        this.critical = critical;
    }

    @Override
    public String name() {
        return "feature-drift";
    }

    @Override
    public void evaluate(final long nowMs, final List<Active> into) {
        final FeatureDriftMonitor.Status status = monitor.status();
        if (!status.reported()) {
            return;
        }
        for (final FeatureDriftMonitor.Feature feature : status.features()) {
            final double psi = feature.psi();
            if (!(psi > warning)) {
                continue;
            }
            final String severity = psi > critical ? "critical" : "warning";
            final Map<String, String> annotations = new LinkedHashMap<>();
            annotations.put("summary", "feature " + feature.name() + " drifted from its reference (PSI " +
                format(psi) + " > " + format(psi > critical ? critical : warning) + ")");
            annotations.put("psi", format(psi));
            annotations.put("ks", format(feature.ks()));
            annotations.put("samples", Long.toString(feature.samples()));
            annotations.put("runbook", "docs/runbooks/feature-drift.md");
            into.add(new Active(ALERT, Map.of("feature", feature.name(), "severity", severity), annotations));
        }
    }

    private static String format(final double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }
}
