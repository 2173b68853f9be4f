package io.vigil.gateway.alert;

import io.vigil.gateway.slo.BurnRateRule;
import io.vigil.gateway.slo.SloEvaluator;
import io.vigil.gateway.slo.SloStatus;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code SloErrorBudgetBurn} alerts from the SLO evaluator's last status: per objective, one with
 * {@code severity=page} while a page condition holds and one with {@code severity=ticket} while a ticket condition
 * holds; labels {@code slo} and {@code severity}, the burn rates of the conditions that hold in the annotations.
 * Reads the published {@link SloStatus} only. Not thread-safe (the alert thread).
 */
public final class SloBurnAlertSource implements AlertSource {
    public static final String ALERT = "SloErrorBudgetBurn";
    private final SloEvaluator evaluator;

    public SloBurnAlertSource(final SloEvaluator evaluator) {
        this.evaluator = evaluator;
    }

    @Override
    public String name() {
        return "slo";
    }

    @Override
    public void evaluate(final long nowMs, final List<Active> into) {
        for (final SloStatus.Objective objective : evaluator.status().objectives()) {
            for (final String severity : new String[] {BurnRateRule.PAGE, BurnRateRule.TICKET}) {
                final StringBuilder holding = new StringBuilder();
                for (final SloStatus.Condition condition : objective.conditions()) {
                    if (condition.firing() && condition.severity().equals(severity)) {
                        if (holding.length() > 0) {
                            holding.append("; ");
                        }
                        holding.append(String.format(Locale.ROOT, "%s %.1fx and %s %.1fx > %.1fx",
                            condition.longWindow(), condition.longBurnRate(), condition.shortWindow(),
                            condition.shortBurnRate(), condition.factor()));
                    }
                }
                if (holding.length() == 0) {
                    continue;
                }
                final Map<String, String> annotations = new LinkedHashMap<>();
                annotations.put("summary", "SLO " + objective.name() + " is burning its error budget (" + severity + ")");
                annotations.put("description", objective.description() + "; burn rates " + holding);
                annotations.put("error_budget_remaining",
                    String.format(Locale.ROOT, "%.4f", objective.errorBudgetRemaining()));
                into.add(new Active(ALERT, Map.of("slo", objective.name(), "severity", severity), annotations));
            }
        }
    }
}
