package io.vigil.gateway.slo;

import java.util.List;

/**
 * What the SLO evaluator found at its last evaluation: per objective its target, counts, error budget left over the
 * period and burn rate per window, and which burn-rate conditions hold. Immutable and JSON-ready (records of numbers,
 * strings and lists: Jackson writes them as they are); the {@code /slo} route and the {@code vigil_slo_*} metrics are
 * views of it. Thread-safe.
 *
 * @param evaluatedAtMs epoch ms of the evaluation; 0 before the first.
 * @param fastBurn      whether any objective pages (see {@link SloEvaluator#fastBurn()}).
 */
public record SloStatus(long evaluatedAtMs, boolean fastBurn, List<Objective> objectives) {
    /** Before the first evaluation. */
    public static final SloStatus NONE = new SloStatus(0, false, List.of());

    /**
     * One objective.
     *
     * @param good                  good events since the evaluator started (cumulative, as sampled).
     * @param total                 events since the evaluator started.
     * @param periodMs              the error budget's period ({@code vigil.slo.period}).
     * @param budgetCoveredMs       how much of the period the budget figures cover (less than the period until the
     *                              server has run that long: the budget is then since its start).
     * @param budgetGood            good events in the covered period.
     * @param budgetTotal           events in the covered period.
     * @param errorBudgetRemaining  fraction of the covered period's error budget left: 1 untouched, 0 spent, negative
     *                              overspent ({@code 1 - bad / ((1 - target) * total)}; 1 without events).
     * @param alerting              {@code page}, {@code ticket} or {@code none}: the most severe condition that holds.
     */
    public record Objective(String name, String description, double target, long good, long total, long periodMs,
        long budgetCoveredMs, long budgetGood, long budgetTotal, double errorBudgetRemaining, List<Window> windows,
        List<Condition> conditions, String alerting) {
    }

    /**
     * One burn-rate window, ending at the evaluation.
     *
     * @param name      {@code 5m}, {@code 1h}, ...
     * @param coveredMs how much of the window the samples cover (less while the history is shorter than it).
     * @param errorRate bad / total in the window, 0 without events.
     * @param burnRate  error rate / (1 - target): 1 spends the budget exactly over the period.
     */
    public record Window(String name, long windowMs, long coveredMs, long good, long total, double errorRate,
        double burnRate) {
    }

    /** One multi-window condition and whether it holds now. */
    public record Condition(String severity, String longWindow, String shortWindow, double factor,
        double longBurnRate, double shortBurnRate, boolean firing) {
    }

    /** The objective named {@code name}, or null. */
    public Objective objective(final String name) {
        for (final Objective objective : objectives) {
            if (objective.name().equals(name)) {
                return objective;
            }
        }
        return null;
    }
}
