package io.vigil.gateway.alert;

import io.vigil.engine.counters.CounterType;
import io.vigil.gateway.slo.CounterValues;
import io.vigil.gateway.slo.SampleHistory;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Alerts from the engine's counters:
 * <ul>
 * <li>{@code JournalUnavailable} ({@code severity=page}) while the input journal refuses appends
 * ({@link CounterType#JOURNAL_UNAVAILABLE} is 1: events are rejected);</li>
 * <li>{@code ModelFallbackRate} ({@code severity=ticket}) while model fallbacks / answered over the window exceed the
 * ratio ({@link CounterType#MODEL_FALLBACKS}, {@link CounterType#ANSWERED});</li>
 * <li>{@code PipelineErrors} ({@code severity=page}) while the errors counter grows faster than the rate per second
 * over the window ({@link CounterType#ERRORS}).</li>
 * </ul>
 * Windows are over the samples this source takes at each evaluation (a window not yet covered is taken over what
 * is). Not thread-safe (the alert thread).
 */
public final class EngineAlertSource implements AlertSource {
    public static final String JOURNAL = "JournalUnavailable";
    public static final String FALLBACKS = "ModelFallbackRate";
    public static final String ERRORS = "PipelineErrors";

    private final CounterValues counters;
    private final double fallbackRatio;
    private final long fallbackWindowMs;
    private final double errorsPerSecond;
    private final long errorsWindowMs;
    /** (fallbacks, answered) as (good, total). */
    private final SampleHistory fallbacks;
    /** (errors, errors). */
    private final SampleHistory errors;

    public EngineAlertSource(final CounterValues counters, final double fallbackRatio, final long fallbackWindowMs,
        final double errorsPerSecond, final long errorsWindowMs, final long evaluationIntervalMs) {
        this.counters = counters;
        this.fallbackRatio = fallbackRatio;
        this.fallbackWindowMs = fallbackWindowMs;
        this.errorsPerSecond = errorsPerSecond;
        this.errorsWindowMs = errorsWindowMs;
        this.fallbacks = history(fallbackWindowMs, evaluationIntervalMs);
        this.errors = history(errorsWindowMs, evaluationIntervalMs);
    }

    /** One ring of every sample, a window and a few samples long, at most 100 000 (a coarser level beyond). */
    private static SampleHistory history(final long windowMs, final long intervalMs) {
        final int fine = (int)Math.min(100_000, windowMs / Math.max(1, intervalMs) + 4);
        return new SampleHistory(List.of(new SampleHistory.Level(0, fine),
            new SampleHistory.Level(Math.max(intervalMs, windowMs / 1000), 1002)));
    }

    @Override
    public String name() {
        return "engine";
    }

    @Override
    public void evaluate(final long nowMs, final List<Active> into) {
        if (counters.value(CounterType.JOURNAL_UNAVAILABLE) != 0) {
            into.add(new Active(JOURNAL, Map.of("severity", "page"), Map.of(
                "summary", "the input journal refuses appends: events are rejected with JOURNAL_UNAVAILABLE",
                "description", "storage failure (disk full or failing); the server reopens the journals once space is back")));
        }
        final long fallbacksNow = counters.value(CounterType.MODEL_FALLBACKS);
        final long answeredNow = counters.value(CounterType.ANSWERED);
        fallbacks.add(nowMs, fallbacksNow, Math.max(answeredNow, fallbacksNow));
        final SampleHistory.Sample fallbackStart = fallbacks.atOrBefore(nowMs - fallbackWindowMs);
        final long answered = Math.max(answeredNow, fallbacksNow) - fallbackStart.total();
        final long fellBack = fallbacksNow - fallbackStart.good();
        if (answered > 0 && (double)fellBack / answered > fallbackRatio) {
            into.add(new Active(FALLBACKS, Map.of("severity", "ticket"), Map.of(
                "summary", "model fallbacks above " + fallbackRatio + " of answers",
                "description", String.format(Locale.ROOT, "%d of %d answers in the last %d s decided by the rules alone " +
                    "(inference failed or over budget)", fellBack, answered, (nowMs - fallbackStart.timeMs()) / 1000),
                "ratio", String.format(Locale.ROOT, "%.4f", (double)fellBack / answered))));
        }
        final long errorsNow = counters.value(CounterType.ERRORS);
        errors.add(nowMs, errorsNow, errorsNow);
        final SampleHistory.Sample errorStart = errors.atOrBefore(nowMs - errorsWindowMs);
        final long coveredMs = nowMs - errorStart.timeMs();
        final long errorCount = errorsNow - errorStart.total();
        if (coveredMs > 0 && errorCount > 0 && errorCount * 1000.0 / coveredMs > errorsPerSecond) {
            into.add(new Active(ERRORS, Map.of("severity", "page"), Map.of(
                "summary", "engine errors above " + errorsPerSecond + " per second",
                "description", String.format(Locale.ROOT, "%d errors in the last %d s (failed inference calls, journal " +
                    "appends, checkpoints; a stopped tailer)", errorCount, coveredMs / 1000),
                "rate", String.format(Locale.ROOT, "%.3f", errorCount * 1000.0 / coveredMs))));
        }
    }
}
