package io.vigil.gateway.slo;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One multi-window burn-rate alert condition (Google's SRE workbook, "Alerting on SLOs", approach 6): it holds when
 * the error budget burns faster than {@code factor} times the sustainable rate over BOTH the long window (the burn is
 * significant) and the short one (it is still going on: once the cause is gone the short window clears the alert
 * quickly). Immutable; thread-safe.
 *
 * @param severity {@link #PAGE} or {@link #TICKET}.
 */
public record BurnRateRule(String severity, long longWindowMs, long shortWindowMs, double factor) {
    public static final String PAGE = "page";
    public static final String TICKET = "ticket";

    /**
     * The workbook's recommendation for a 30-day budget: page on 2 % of it spent in 1 hour (14.4x over 1 h and 5 m)
     * or 5 % in 6 hours (6x over 6 h and 30 m); ticket on 10 % in 3 days (1x over 3 d and 6 h) or 1 day at 3x
     * (1 d and 2 h).
     */
    public static final List<BurnRateRule> DEFAULTS = List.of(
        new BurnRateRule(PAGE, TimeUnit.HOURS.toMillis(1), TimeUnit.MINUTES.toMillis(5), 14.4),
        new BurnRateRule(PAGE, TimeUnit.HOURS.toMillis(6), TimeUnit.MINUTES.toMillis(30), 6),
        new BurnRateRule(TICKET, TimeUnit.DAYS.toMillis(1), TimeUnit.HOURS.toMillis(2), 3),
        new BurnRateRule(TICKET, TimeUnit.DAYS.toMillis(3), TimeUnit.HOURS.toMillis(6), 1));

    public BurnRateRule {
        if (!PAGE.equals(severity) && !TICKET.equals(severity)) {
            throw new IllegalArgumentException("severity " + severity + " is neither page nor ticket");
        }
        if (shortWindowMs <= 0 || longWindowMs <= shortWindowMs || !(factor > 0)) {
            throw new IllegalArgumentException("burn-rate rule " + longWindowMs + " ms / " + shortWindowMs + " ms x" +
                factor);
        }
    }

    /** Whether it holds for these burn rates: both above the factor. */
    public boolean holds(final double longBurnRate, final double shortBurnRate) {
        return longBurnRate > factor && shortBurnRate > factor;
    }

    /** A window's name as the snapshots and metrics label it: {@code 5m}, {@code 1h}, {@code 3d}. */
    public static String windowName(final long ms) {
        if (ms % TimeUnit.DAYS.toMillis(1) == 0) {
            return ms / TimeUnit.DAYS.toMillis(1) + "d";
        }
        if (ms % TimeUnit.HOURS.toMillis(1) == 0) {
            return ms / TimeUnit.HOURS.toMillis(1) + "h";
        }
        if (ms % TimeUnit.MINUTES.toMillis(1) == 0) {
            return ms / TimeUnit.MINUTES.toMillis(1) + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
