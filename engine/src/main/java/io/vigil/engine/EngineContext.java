package io.vigil.engine;

import io.vigil.codecs.Framing;
import io.vigil.journal.Journals;
import io.vigil.scoring.features.FeatureSet;
import io.vigil.scoring.features.spec.FeatureSpec;
import io.vigil.scoring.features.spec.FeatureSpecException;
import io.vigil.scoring.rules.RuleInputs;
import io.vigil.scoring.rules.RulesConfig;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

import java.nio.file.Path;
import java.util.List;

/**
 * The engine's configuration (the keys {@link VigilConfig} declares: data and journals, the ring, threads and
 * waits, inference, checkpoints, validation limits, decision rules), read from a {@link VigilConfig}, changed by the
 * fluent setters below, and checked once in {@link #conclude()}; see {@link ConfigContext}. {@link Engine} and its
 * pipeline factory take one; the server and a replay build it from the same configuration.
 */
public final class EngineContext extends ConfigContext {
    private Path dataDir;
    private RollCycle rollCycle;
    private long dataFreeMinBytes;
    private int maxFrameBytes;
    private int ringSize;
    private String waitStrategy;
    private boolean inlineFeed;
    private int inlineMax;
    private long timerSlackNs;
    private String cpuAffinity;
    private long watchdogStallTimeoutNs;
    private int inferenceBatchMax;
    private long inferenceBudgetNs;
    private Path modelPath;
    private boolean noModel;
    private int expectedAccounts;
    private boolean featuresServe;
    private FeatureSpec featureSpec;
    private FeatureSet featureSet;
    private RuleInputs.Resolved ruleInputs;
    private int expectedSeries;
    private long checkpointIntervalEvents;
    private int checkpointRetain;
    private long maxAmountMinor;
    private long maxFutureSkewNs;
    private long maxEventAgeNs;
    private RulesConfig rules;
    private long maxOutOfOrdernessNs;
    private long idleTimeoutNs;
    private long tickIntervalNs;
    private long allowedLatenessNs;
    private long accountWindowNs;
    private int expectedSources;

    /** Seeded from {@code config}; set what differs, then {@link #conclude()}. */
    public EngineContext(final VigilConfig config) {
        super(config);
    }

    /** The context of {@code config}, concluded. */
    public static EngineContext of(final VigilConfig config) {
        return new EngineContext(config).conclude();
    }

    /**
     * Reads and checks every engine key once, then freezes the context; again, it does nothing.
     *
     * @throws ConfigurationException naming every bad key.
     */
    public EngineContext conclude() {
        concludeOnce();
        return this;
    }

    @Override
    protected List<VigilConfig.Key> keys() {
        return engineKeys();
    }

    static List<VigilConfig.Key> engineKeys() {
        return VigilConfig.keys().stream().filter(k -> k.module().equals(VigilConfig.ENGINE_MODULE)).toList();
    }

    @Override
    protected void read(final Values v) {
        dataDir = Path.of(v.string(VigilConfig.DATA_DIR));
        rollCycle = v.parse(VigilConfig.ROLL_CYCLE, Journals::rollCycle, RollCycles.FAST_HOURLY);
        dataFreeMinBytes = v.size(VigilConfig.DATA_FREE_MIN, 0);
        maxFrameBytes = v.integer(VigilConfig.MAX_FRAME_BYTES, Framing.MIN_FRAME_LENGTH, 65_536);
        ringSize = v.integer(VigilConfig.RING_SIZE, Integer.MIN_VALUE, Integer.MAX_VALUE);
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1) {
            v.invalid(VigilConfig.RING_SIZE, "must be a power of two, at least 2");
            ringSize = 2;
        }
        waitStrategy = v.parse(VigilConfig.WAIT_STRATEGY, WaitStrategies::check, "sleep");
        inlineFeed = v.parse(VigilConfig.FEED, EngineContext::inlineFeed, true);
        inlineMax = v.integer(VigilConfig.INLINE_MAX, 0);
        timerSlackNs = v.durationNs(VigilConfig.TIMER_SLACK, 0);
        cpuAffinity = v.string(VigilConfig.CPU_AFFINITY).trim();
        if (!cpuAffinity.isEmpty() && !cpuAffinity.matches("\\d+( *, *\\d+)*")) {
            v.invalid(VigilConfig.CPU_AFFINITY, "not a comma-separated list of cpu numbers");
        }
        watchdogStallTimeoutNs = v.durationNs(VigilConfig.WATCHDOG_STALL_TIMEOUT, 1);
        inferenceBatchMax = v.integer(VigilConfig.INFERENCE_BATCH, 1);
        inferenceBudgetNs = v.durationNs(VigilConfig.INFERENCE_BUDGET, 0);
        final String model = v.string(VigilConfig.MODEL_PATH);
        noModel = model.trim().equalsIgnoreCase("none");
        modelPath = model.isEmpty() || noModel ? null : Path.of(model);
        expectedAccounts = v.integer(VigilConfig.EXPECTED_ACCOUNTS, 1);
        featuresServe = v.bool(VigilConfig.FEATURES_SERVE);
        featureSpec = v.parse(VigilConfig.FEATURES_SPEC, EngineContext::featureSpec, null);
        featureSet = FeatureSet.ofNullable(featureSpec);
        final String rulesOff = v.parse(VigilConfig.RULE_OFF, s -> RuleInputs.parse("", s).off().isEmpty() ? "" : s, "");
        final RuleInputs inputs = v.parse(VigilConfig.RULE_INPUTS, s -> RuleInputs.parse(s, rulesOff), null);
        if (inputs != null && v.sound()) {
            try {
                ruleInputs = inputs.resolve(featureSet);
            } catch (final IllegalArgumentException ex) {
                v.problem("configuration keys " + VigilConfig.FEATURES_SPEC.name() + ", " + VigilConfig.RULE_INPUTS.name() +
                    " and " + VigilConfig.RULE_OFF.name() + ": " + ex.getMessage());
            }
        }
        expectedSeries = v.integer(VigilConfig.EXPECTED_SERIES, 1);
        checkpointIntervalEvents = v.size(VigilConfig.CHECKPOINT_INTERVAL, 0);
        checkpointRetain = v.integer(VigilConfig.CHECKPOINT_RETAIN, 1);
        maxAmountMinor = v.size(VigilConfig.MAX_AMOUNT_MINOR, 1);
        maxFutureSkewNs = v.durationNs(VigilConfig.MAX_FUTURE_SKEW, 0);
        maxEventAgeNs = v.durationNs(VigilConfig.MAX_EVENT_AGE, 1);
        maxOutOfOrdernessNs = v.durationNs(VigilConfig.WATERMARK_MAX_OUT_OF_ORDERNESS, 0);
        idleTimeoutNs = v.durationNs(VigilConfig.WATERMARK_IDLE_TIMEOUT, 0);
        tickIntervalNs = v.durationNs(VigilConfig.WATERMARK_TICK_INTERVAL, 0);
        final String allowed = v.string(VigilConfig.LATENESS_ALLOWED).trim();
        allowedLatenessNs = allowed.equalsIgnoreCase("unbounded") ? WatermarkControl.UNBOUNDED :
            v.durationNs(VigilConfig.LATENESS_ALLOWED, 0);
        if (featureSpec != null && featureSpec.declaresLateness()) {
            // the definition's allowed lateness is the feature set's: an explicit, different setting is a mistake
            final long declared = featureSpec.allowedLatenessNs() == FeatureSpec.UNBOUNDED_LATENESS ?
                WatermarkControl.UNBOUNDED : featureSpec.allowedLatenessNs();
            // the key at its default value (unbounded), whether set or not, leaves the definition in charge: a recorded
            // run's configuration (replay) lists every key with its value, defaults included
            final String source = v.config().source(VigilConfig.LATENESS_ALLOWED);
            if (allowedLatenessNs != WatermarkControl.UNBOUNDED && declared != allowedLatenessNs && v.sound()) {
                v.problem("configuration key " + VigilConfig.LATENESS_ALLOWED.name() + " = '" + allowed + "' (from " +
                    source + ") conflicts with allowed_lateness " + latenessText(declared) + " of the feature definition " +
                    v.string(VigilConfig.FEATURES_SPEC) + ": the feature set declares its lateness; remove the key or " +
                    "set it to the same value");
            }
            allowedLatenessNs = declared;
        }
        accountWindowNs = v.durationNs(VigilConfig.WINDOWS_ACCOUNT_SIZE, 0);
        expectedSources = v.integer(VigilConfig.WATERMARK_EXPECTED_SOURCES, 1);
        final double modelReview = v.fraction(VigilConfig.RULE_MODEL_REVIEW);
        final double modelDecline = v.fraction(VigilConfig.RULE_MODEL_DECLINE);
        final double anomalyReview = v.fraction(VigilConfig.RULE_ANOMALY_REVIEW);
        final String zWhy = "must be a positive number of standard deviations";
        final double amountZ = v.positive(VigilConfig.RULE_AMOUNT_Z, zWhy);
        final double velocityZ = v.positive(VigilConfig.RULE_VELOCITY_Z, zWhy);
        final int declineHits = v.integer(VigilConfig.RULE_DECLINE_HITS, 1);
        if (v.sound() && modelReview > modelDecline) {
            v.problem("configuration key " + VigilConfig.RULE_MODEL_REVIEW.name() + " = '" +
                v.string(VigilConfig.RULE_MODEL_REVIEW) + "' is above " + VigilConfig.RULE_MODEL_DECLINE.name() + " = '" +
                v.string(VigilConfig.RULE_MODEL_DECLINE) + "': review must not need a higher score than decline");
        }
        if (v.sound()) {
            final RulesConfig d = RulesConfig.DEFAULTS;
            rules = new RulesConfig((float)modelReview, (float)modelDecline, (float)anomalyReview, (float)amountZ,
                (float)velocityZ, d.hoppingMinNewMerchantRate(), d.hoppingMinCount1h(), d.hoppingMaxSecsSincePrev(),
                d.hoppingMinHistoryEvents(), d.cardTestingMinCount1m(), d.cardTestingMaxAmountMinor(), declineHits);
        }
    }

    // --- accessors (after conclude) and setters (before it) ---

    /** {@link VigilConfig#WATERMARK_MAX_OUT_OF_ORDERNESS}. */
    public long maxOutOfOrdernessNs() {
        requireConcluded();
        return maxOutOfOrdernessNs;
    }

    /** {@link VigilConfig#WATERMARK_IDLE_TIMEOUT}; 0: never idle. */
    public long idleTimeoutNs() {
        requireConcluded();
        return idleTimeoutNs;
    }

    /** {@link VigilConfig#WATERMARK_TICK_INTERVAL}; 0: no ticks. */
    public long watermarkTickIntervalNs() {
        requireConcluded();
        return tickIntervalNs;
    }

    private static String latenessText(final long ns) {
        return ns == WatermarkControl.UNBOUNDED ? "unbounded" : Units.durationText(ns);
    }

    /**
     * {@link VigilConfig#LATENESS_ALLOWED}, or the {@code allowed_lateness} of the feature definition
     * ({@link VigilConfig#FEATURES_SPEC}) when it declares one; {@link WatermarkControl#UNBOUNDED} for unbounded.
     */
    public long allowedLatenessNs() {
        requireConcluded();
        return allowedLatenessNs;
    }

    /** {@link VigilConfig#WINDOWS_ACCOUNT_SIZE}; 0: no per-account window. */
    public long accountWindowNs() {
        requireConcluded();
        return accountWindowNs;
    }

    /** {@link VigilConfig#WATERMARK_EXPECTED_SOURCES}. */
    public int expectedSources() {
        requireConcluded();
        return expectedSources;
    }

    /** Directory holding the journals ({@link VigilConfig#DATA_DIR}). */
    public Path dataDir() {
        requireConcluded();
        return dataDir;
    }

    public EngineContext dataDir(final Path dir) {
        set(VigilConfig.DATA_DIR, dir.toString());
        return this;
    }

    /** Roll cycle of every journal ({@link VigilConfig#ROLL_CYCLE}). */
    public RollCycle rollCycle() {
        requireConcluded();
        return rollCycle;
    }

    public EngineContext rollCycle(final String name) {
        set(VigilConfig.ROLL_CYCLE, name);
        return this;
    }

    /** Least free space of the data directory's file system, 0: no check ({@link VigilConfig#DATA_FREE_MIN}). */
    public long dataFreeMinBytes() {
        requireConcluded();
        return dataFreeMinBytes;
    }

    public EngineContext dataFreeMinBytes(final long bytes) {
        set(VigilConfig.DATA_FREE_MIN, Long.toString(bytes));
        return this;
    }

    /** Largest frame, the capacity of a ring slot's payload ({@link VigilConfig#MAX_FRAME_BYTES}). */
    public int maxFrameBytes() {
        requireConcluded();
        return maxFrameBytes;
    }

    public EngineContext maxFrameBytes(final int bytes) {
        set(VigilConfig.MAX_FRAME_BYTES, Integer.toString(bytes));
        return this;
    }

    /** Slots in the ring ({@link VigilConfig#RING_SIZE}). */
    public int ringSize() {
        requireConcluded();
        return ringSize;
    }

    public EngineContext ringSize(final int slots) {
        set(VigilConfig.RING_SIZE, Integer.toString(slots));
        return this;
    }

    /** Idle strategy of the tailer and pipeline threads, its canonical name ({@link VigilConfig#WAIT_STRATEGY}). */
    public String waitStrategy() {
        requireConcluded();
        return waitStrategy;
    }

    public EngineContext waitStrategy(final String name) {
        set(VigilConfig.WAIT_STRATEGY, name);
        return this;
    }

    /** True when the gateway's network thread feeds the ring after its appends ({@link VigilConfig#FEED}). */
    public boolean inlineFeed() {
        requireConcluded();
        return inlineFeed;
    }

    public EngineContext inlineFeed(final boolean inline) {
        set(VigilConfig.FEED, inline ? "inline" : "tailer");
        return this;
    }

    /**
     * Most waiting events the network thread runs through the pipeline itself when the pipeline thread is idle, 0
     * for never ({@link VigilConfig#INLINE_MAX}; only with {@link #inlineFeed()}).
     */
    public int inlineMax() {
        requireConcluded();
        return inlineFeed ? inlineMax : 0;
    }

    public EngineContext inlineMax(final int events) {
        set(VigilConfig.INLINE_MAX, Integer.toString(events));
        return this;
    }

    /** Timer slack of the tailer and pipeline threads in ns, 0: the system's ({@link VigilConfig#TIMER_SLACK}). */
    public long timerSlackNs() {
        requireConcluded();
        return timerSlackNs;
    }

    private static boolean inlineFeed(final String name) {
        switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "inline": return true;
            case "tailer": return false;
            default: throw new IllegalArgumentException("expected inline or tailer");
        }
    }

    /** CPUs to pin the tailer and pipeline threads to, empty: none ({@link VigilConfig#CPU_AFFINITY}). */
    public String cpuAffinity() {
        requireConcluded();
        return cpuAffinity;
    }

    public EngineContext cpuAffinity(final String cpus) {
        set(VigilConfig.CPU_AFFINITY, cpus);
        return this;
    }

    /** {@link VigilConfig#WATCHDOG_STALL_TIMEOUT}. */
    public long watchdogStallTimeoutNs() {
        requireConcluded();
        return watchdogStallTimeoutNs;
    }

    public EngineContext watchdogStallTimeoutNs(final long ns) {
        set(VigilConfig.WATCHDOG_STALL_TIMEOUT, ns + "ns");
        return this;
    }

    /** {@link VigilConfig#INFERENCE_BATCH}. */
    public int inferenceBatchMax() {
        requireConcluded();
        return inferenceBatchMax;
    }

    public EngineContext inferenceBatchMax(final int events) {
        set(VigilConfig.INFERENCE_BATCH, Integer.toString(events));
        return this;
    }

    /** {@link VigilConfig#INFERENCE_BUDGET}, 0: none. */
    public long inferenceBudgetNs() {
        requireConcluded();
        return inferenceBudgetNs;
    }

    public EngineContext inferenceBudgetNs(final long ns) {
        set(VigilConfig.INFERENCE_BUDGET, ns + "ns");
        return this;
    }

    /** Whether the pipeline runs without a model ({@link VigilConfig#MODEL_PATH} {@code none}). */
    public boolean noModel() {
        requireConcluded();
        return noModel;
    }

    /** The ONNX model file, null for the bundled model or none ({@link VigilConfig#MODEL_PATH}). */
    public Path modelPath() {
        requireConcluded();
        return modelPath;
    }

    public EngineContext modelPath(final Path file) {
        set(VigilConfig.MODEL_PATH, file == null ? "" : file.toString());
        return this;
    }

    /** {@link VigilConfig#FEATURES_SERVE}. */
    public boolean featuresServe() {
        requireConcluded();
        return featuresServe;
    }

    public EngineContext featuresServe(final boolean serve) {
        set(VigilConfig.FEATURES_SERVE, Boolean.toString(serve));
        return this;
    }

    /** The feature definition file's spec, null for the built-in default ({@link VigilConfig#FEATURES_SPEC}). */
    public FeatureSpec featureSpec() {
        requireConcluded();
        return featureSpec;
    }

    public EngineContext featureSpec(final Path file) {
        set(VigilConfig.FEATURES_SPEC, file == null ? "" : file.toString());
        return this;
    }

    private static FeatureSpec featureSpec(final String file) {
        if (file.isEmpty()) {
            return null;
        }
        final FeatureSpec spec;
        try {
            spec = FeatureSpec.load(Path.of(file));
            io.vigil.scoring.features.spec.CompiledFeatures.compile(spec, 1);
        } catch (final FeatureSpecException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return spec;
    }

    /** The feature set the pipeline computes: {@link #featureSpec()}'s, or the built-in default. */
    public FeatureSet featureSet() {
        requireConcluded();
        return featureSet;
    }

    /**
     * Where the rules and the anomaly score find their inputs in {@link #featureSet()}'s vector
     * ({@link VigilConfig#RULE_INPUTS}, {@link VigilConfig#RULE_OFF}), resolved and checked at conclude.
     */
    public RuleInputs.Resolved ruleInputs() {
        requireConcluded();
        return ruleInputs;
    }

    public EngineContext ruleInputs(final String mapping) {
        set(VigilConfig.RULE_INPUTS, mapping);
        return this;
    }

    public EngineContext rulesOff(final String rules) {
        set(VigilConfig.RULE_OFF, rules);
        return this;
    }

    /** {@link VigilConfig#EXPECTED_ACCOUNTS}. */
    public int expectedAccounts() {
        requireConcluded();
        return expectedAccounts;
    }

    public EngineContext expectedAccounts(final int accounts) {
        set(VigilConfig.EXPECTED_ACCOUNTS, Integer.toString(accounts));
        return this;
    }

    /** {@link VigilConfig#EXPECTED_SERIES}. */
    public int expectedSeries() {
        requireConcluded();
        return expectedSeries;
    }

    public EngineContext expectedSeries(final int series) {
        set(VigilConfig.EXPECTED_SERIES, Integer.toString(series));
        return this;
    }

    /** Input events between two checkpoints, 0: at shutdown only ({@link VigilConfig#CHECKPOINT_INTERVAL}). */
    public long checkpointIntervalEvents() {
        requireConcluded();
        return checkpointIntervalEvents;
    }

    public EngineContext checkpointIntervalEvents(final long events) {
        set(VigilConfig.CHECKPOINT_INTERVAL, Long.toString(events));
        return this;
    }

    /** {@link VigilConfig#CHECKPOINT_RETAIN}; the checkpoint store reads it, and the directory, from {@link #config()}. */
    public int checkpointRetain() {
        requireConcluded();
        return checkpointRetain;
    }

    public EngineContext checkpointRetain(final int checkpoints) {
        set(VigilConfig.CHECKPOINT_RETAIN, Integer.toString(checkpoints));
        return this;
    }

    /** Where the checkpoints go: {@link VigilConfig#CHECKPOINT_DIR}, or checkpoints/ in the data directory. */
    public EngineContext checkpointDir(final Path dir) {
        set(VigilConfig.CHECKPOINT_DIR, dir == null ? "" : dir.toString());
        return this;
    }

    /** {@link VigilConfig#MAX_AMOUNT_MINOR}. */
    public long maxAmountMinor() {
        requireConcluded();
        return maxAmountMinor;
    }

    public EngineContext maxAmountMinor(final long minor) {
        set(VigilConfig.MAX_AMOUNT_MINOR, Long.toString(minor));
        return this;
    }

    /** {@link VigilConfig#MAX_FUTURE_SKEW}. */
    public long maxFutureSkewNs() {
        requireConcluded();
        return maxFutureSkewNs;
    }

    public EngineContext maxFutureSkewNs(final long ns) {
        set(VigilConfig.MAX_FUTURE_SKEW, ns + "ns");
        return this;
    }

    /** {@link VigilConfig#MAX_EVENT_AGE}. */
    public long maxEventAgeNs() {
        requireConcluded();
        return maxEventAgeNs;
    }

    public EngineContext maxEventAgeNs(final long ns) {
        set(VigilConfig.MAX_EVENT_AGE, ns + "ns");
        return this;
    }

    /** The decision rules' thresholds: the {@code vigil.rules.*} keys over {@link RulesConfig#DEFAULTS}. */
    public RulesConfig rules() {
        requireConcluded();
        return rules;
    }
}
