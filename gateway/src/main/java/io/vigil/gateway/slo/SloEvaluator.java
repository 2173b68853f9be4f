package io.vigil.gateway.slo;

import io.vigil.gateway.PeriodicTask;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Evaluates the SLOs: every sample interval it samples each objective's cumulative good and total counts from the
 * counters into a {@link SampleHistory}, computes the error rate and burn rate over each window the
 * {@link BurnRateRule}s name, the error budget left over the period, and publishes a {@link SloStatus}.
 *
 * <p>Burn rate over a window = (bad / total in the window) / (1 - target). A rule holds when both its windows burn
 * faster than its factor. A window with no events burns at 0. When the counters go backwards (the file is now
 * another process's) the history starts again.
 *
 * <p>{@link #tick()} runs on one thread at a time: the {@code vigil-slo} thread that {@link #start()} starts, or a
 * test driving a synthetic {@link WallClock}. {@link #status()}, {@link #fastBurn()} and {@link #notReadyReason()}
 * read the published snapshot from any thread. Allocates per evaluation (control plane), never on the hot path.
 */
public final class SloEvaluator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SloEvaluator.class);
    /** Name of the evaluator thread. */
    public static final String THREAD = "vigil-slo";

    private final List<SloObjective> objectives;
    private final List<BurnRateRule> rules;
    private final long[] windowsMs;
    private final long periodMs;
    private final long sampleIntervalMs;
    private final boolean readinessFastBurn;
    private final CounterValues counters;
    private final WallClock clock;
    private final SampleHistory[] histories;
    private final long[] read = new long[2];
    private volatile SloStatus status = SloStatus.NONE;
    private PeriodicTask thread;

    /** The two default objectives (latency, availability) with the targets and threshold of {@code context}. */
    public SloEvaluator(final SloContext context, final CounterValues counters, final WallClock clock) {
        this(context, List.of(), counters, clock);
    }

    /** The two default objectives and {@code more} (the server adds the synthetic one while its prober runs). */
    public SloEvaluator(final SloContext context, final List<SloObjective> more, final CounterValues counters,
        final WallClock clock) {
        this(objectives(context.conclude(), more), BurnRateRule.DEFAULTS, context.periodMs(), context.sampleIntervalMs(),
            context.readinessFastBurn(), counters, clock);
    }

    private static List<SloObjective> objectives(final SloContext context, final List<SloObjective> more) {
        final List<SloObjective> all = new ArrayList<>();
        all.add(SloObjective.latency(context.latencyTarget(), context.latencyThresholdNs()));
        all.add(SloObjective.availability(context.availabilityTarget()));
        all.addAll(more);
        return all;
    }

    public SloEvaluator(final List<SloObjective> objectives, final List<BurnRateRule> rules, final long periodMs,
        final long sampleIntervalMs, final boolean readinessFastBurn, final CounterValues counters,
        final WallClock clock) {
        this.objectives = List.copyOf(objectives);
        this.rules = List.copyOf(rules);
        final TreeSet<Long> windows = new TreeSet<>();
        for (final BurnRateRule rule : rules) {
            windows.add(rule.shortWindowMs());
            windows.add(rule.longWindowMs());
        }
        this.windowsMs = windows.stream().mapToLong(Long::longValue).toArray();
        this.periodMs = periodMs;
        this.sampleIntervalMs = sampleIntervalMs;
        this.readinessFastBurn = readinessFastBurn;
        this.counters = counters;
        this.clock = clock;
        final long longest = windows.isEmpty() ? periodMs : windows.last();
        this.histories = new SampleHistory[this.objectives.size()];
        for (int i = 0; i < histories.length; i++) {
            histories[i] = new SampleHistory(SampleHistory.levelsFor(sampleIntervalMs, longest, periodMs));
        }
    }

    /** Samples now and evaluates every objective; publishes and returns the new status. One thread at a time. */
    public synchronized SloStatus tick() {
        final long now = clock.nowMs();
        final List<SloStatus.Objective> evaluated = new ArrayList<>(objectives.size());
        boolean fastBurn = false;
        for (int i = 0; i < objectives.size(); i++) {
            final SloObjective objective = objectives.get(i);
            final SampleHistory history = histories[i];
            objective.indicator().read(counters, read);
            final long good = Math.min(read[0], read[1]);
            final long total = read[1];
            final SampleHistory.Sample latest = history.latest();
            if (latest != null && (total < latest.total() || good < latest.good())) {
                LOG.info("SLO {}: the counters went back ({} -> {} events): its history starts again", objective.name(),
                    latest.total(), total);
                history.clear();
            }
            history.add(now, good, total);
            final SloStatus.Objective result = evaluate(objective, history, now, good, total);
            fastBurn |= BurnRateRule.PAGE.equals(result.alerting());
            evaluated.add(result);
        }
        final SloStatus next = new SloStatus(now, fastBurn, List.copyOf(evaluated));
        if (next.fastBurn() != status.fastBurn()) {
            LOG.warn("SLO fast burn {}", next.fastBurn() ? "started: " + paging(next) : "ended");
        }
        status = next;
        return next;
    }

    private static String paging(final SloStatus status) {
        final List<String> names = new ArrayList<>();
        for (final SloStatus.Objective objective : status.objectives()) {
            if (BurnRateRule.PAGE.equals(objective.alerting())) {
                names.add(objective.name());
            }
        }
        return String.join(", ", names);
    }

    private SloStatus.Objective evaluate(final SloObjective objective, final SampleHistory history, final long now,
        final long good, final long total) {
        final double budget = 1 - objective.target();
        final List<SloStatus.Window> windows = new ArrayList<>(windowsMs.length);
        for (final long windowMs : windowsMs) {
            windows.add(window(history, now, windowMs, budget, good, total));
        }
        final List<SloStatus.Condition> conditions = new ArrayList<>(rules.size());
        String alerting = "none";
        for (final BurnRateRule rule : rules) {
            final double longRate = burnRate(windows, rule.longWindowMs());
            final double shortRate = burnRate(windows, rule.shortWindowMs());
            final boolean firing = rule.holds(longRate, shortRate);
            conditions.add(new SloStatus.Condition(rule.severity(), BurnRateRule.windowName(rule.longWindowMs()),
                BurnRateRule.windowName(rule.shortWindowMs()), rule.factor(), longRate, shortRate, firing));
            if (firing && (BurnRateRule.PAGE.equals(rule.severity()) || "none".equals(alerting))) {
                alerting = rule.severity();
            }
        }
        final SampleHistory.Sample start = history.atOrBefore(now - periodMs);
        final long budgetGood = good - start.good();
        final long budgetTotal = total - start.total();
        final long bad = budgetTotal - budgetGood;
        final double remaining = budgetTotal == 0 ? 1.0 : 1.0 - bad / (budget * budgetTotal);
        return new SloStatus.Objective(objective.name(), objective.description(), objective.target(), good, total,
            periodMs, now - start.timeMs(), budgetGood, budgetTotal, remaining, List.copyOf(windows),
            List.copyOf(conditions), alerting);
    }

    private static SloStatus.Window window(final SampleHistory history, final long now, final long windowMs,
        final double budget, final long good, final long total) {
        final SampleHistory.Sample start = history.atOrBefore(now - windowMs);
        final long windowGood = good - start.good();
        final long windowTotal = total - start.total();
        final double errorRate = windowTotal == 0 ? 0 : (double)(windowTotal - windowGood) / windowTotal;
        return new SloStatus.Window(BurnRateRule.windowName(windowMs), windowMs, now - start.timeMs(), windowGood,
            windowTotal, errorRate, errorRate / budget);
    }

    private static double burnRate(final List<SloStatus.Window> windows, final long windowMs) {
        for (final SloStatus.Window window : windows) {
            if (window.windowMs() == windowMs) {
                return window.burnRate();
            }
        }
        throw new IllegalStateException("no window of " + windowMs + " ms");
    }

    /** The last published status; any thread. */
    public SloStatus status() {
        return status;
    }

    /** Whether any objective pages now (a fast burn: its 1 h / 5 m or 6 h / 30 m condition holds); any thread. */
    public boolean fastBurn() {
        return status.fastBurn();
    }

    /** Whether a fast burn makes the server not ready ({@code vigil.slo.readiness.fast.burn}). */
    public boolean affectsReadiness() {
        return readinessFastBurn;
    }

    /**
     * For a readiness check: why the server should not be taken as ready because of its SLOs (a fast burn, when
     * {@link #affectsReadiness()}), or null when it may. Any thread.
     */
    public String notReadyReason() {
        final SloStatus now = status;
        return readinessFastBurn && now.fastBurn() ? "SLO fast burn: " + paging(now) + " burning error budget at a " +
            "paging rate" : null;
    }

    public List<SloObjective> objectives() {
        return objectives;
    }

    public List<BurnRateRule> rules() {
        return rules;
    }

    public long sampleIntervalMs() {
        return sampleIntervalMs;
    }

    /** Starts the {@code vigil-slo} daemon thread: a tick now, then every sample interval. */
    public synchronized SloEvaluator start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = PeriodicTask.start(THREAD, 0, sampleIntervalMs, true, this::tick, LOG, "SLO evaluation failed");
        return this;
    }

    /** Stops the thread, waiting for a tick in progress. */
    @Override
    public void close() {
        final PeriodicTask t;
        synchronized (this) {
            t = thread;
            thread = null;
        }
        if (t != null) {
            t.close();
        }
    }
}
