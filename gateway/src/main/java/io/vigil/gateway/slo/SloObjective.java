package io.vigil.gateway.slo;

import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.counters.CounterType;

/**
 * One service level objective: a name, what it promises, the target fraction of good events, and how its good and
 * total counts are read from the counters. Immutable; thread-safe.
 *
 * @param name        short name, a metric label value ({@code latency}, {@code availability}).
 * @param description one line for operators.
 * @param target      fraction of events that must be good, above 0 and below 1; the error budget is {@code 1 - target}.
 * @param indicator   reads the cumulative good and total counts.
 */
public record SloObjective(String name, String description, double target, Indicator indicator) {
    /** Reads an objective's cumulative good and total event counts from the counters. */
    @FunctionalInterface
    public interface Indicator {
        /** Writes good into {@code into[0]}, total into {@code into[1]}. */
        void read(CounterValues counters, long[] into);
    }

    public SloObjective {
        if (!(target > 0 && target < 1)) {
            throw new IllegalArgumentException("SLO " + name + ": target " + target + " is not above 0 and below 1");
        }
    }

    /**
     * Latency: pipeline answers written to the socket within the threshold of their ingest stamp, out of all
     * written ({@link CounterType#SLO_LATENCY_GOOD} / {@link CounterType#SLO_LATENCY_TOTAL}; good is read first,
     * the writer stores total first, so good never exceeds total).
     */
    public static SloObjective latency(final double target, final long thresholdNs) {
        return new SloObjective("latency", String.format(java.util.Locale.ROOT,
            "%s%% of answers written within %s of ingest", percent(target), duration(thresholdNs)), target,
            (counters, into) -> {
                into[0] = counters.value(CounterType.SLO_LATENCY_GOOD);
                into[1] = counters.value(CounterType.SLO_LATENCY_TOTAL);
            });
    }

    /**
     * Availability: events answered without {@code JOURNAL_UNAVAILABLE} (the gateway could not journal them) or
     * {@code INTERNAL_ERROR} (a stage threw for them). Total = answered by the pipeline + rejected
     * {@code JOURNAL_UNAVAILABLE} (those never reach it); bad = both reasons' rejects.
     */
    public static SloObjective availability(final double target) {
        return new SloObjective("availability", percent(target) +
            "% of events answered without JOURNAL_UNAVAILABLE or INTERNAL_ERROR", target, (counters, into) -> {
                final long unavailable = counters.rejected(RejectReason.JOURNAL_UNAVAILABLE);
                final long internal = counters.rejected(RejectReason.INTERNAL_ERROR);
                final long total = counters.value(CounterType.ANSWERED) + unavailable;
                into[1] = total;
                into[0] = Math.max(0, total - unavailable - internal);
            });
    }

    /**
     * Synthetic: probes of the built-in prober ({@code vigil.synthetic.interval}) that got their Decision within the
     * probe timeout, out of all probes ({@link CounterType#SYNTHETIC_FAILURES} read before
     * {@link CounterType#SYNTHETIC_PROBES}; the prober stores a failure before its probe). It sees what the counted
     * objectives cannot: a server that answers nothing produces no bad answers, but its probes fail.
     */
    public static SloObjective synthetic(final double target, final long timeoutNs) {
        return new SloObjective("synthetic", String.format(java.util.Locale.ROOT,
            "%s%% of synthetic probes answered with a Decision within %s", percent(target), duration(timeoutNs)), target,
            (counters, into) -> {
                final long failures = counters.value(CounterType.SYNTHETIC_FAILURES);
                final long probes = counters.value(CounterType.SYNTHETIC_PROBES);
                into[1] = probes;
                into[0] = Math.max(0, probes - failures);
            });
    }

    private static String percent(final double target) {
        return java.math.BigDecimal.valueOf(target * 100).stripTrailingZeros().toPlainString();
    }

    static String duration(final long ns) {
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + " s";
        }
        if (ns % 1_000_000L == 0) {
            return ns / 1_000_000L + " ms";
        }
        if (ns % 1_000L == 0) {
            return ns / 1_000L + " us";
        }
        return ns + " ns";
    }
}
