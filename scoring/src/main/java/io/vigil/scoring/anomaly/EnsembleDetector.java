package io.vigil.scoring.anomaly;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Locale;

/**
 * The anomaly detector of one series: several streaming detectors, each turned into a tail
 * probability by its own {@link AnomalyLikelihood}, combined into one anomaly score in [0, 1] on a
 * log-likelihood scale, with range novelty as an override and a calibrated alert threshold.
 *
 * <p>Per value: every enabled detector scores the value against the past and learns it, the
 * likelihoods are combined by taking the smallest tail probability {@code p} (the most confident
 * detector), and the score is {@code log(p + 1e-10) / log(1e-10)}, so 0.5 means a one-in-100 000
 * event for this series and 1 a one-in-10^10 event. A value outside the range seen so far by more
 * than {@link Context#rangeTolerance()} scores at least {@link Context#rangeScore()}. After a score
 * at or above {@link Context#suppressLevel()}, the next {@link Context#suppressValues()} scores are
 * multiplied by {@link Context#suppressFactor()}: one incident raises one alert.
 *
 * <p>Single-threaded (owned by one pipeline thread); allocates only in its constructor (a few
 * arrays, the largest the Holt-Winters season), never in {@link #update(long, double)}.
 */
public final class EnsembleDetector {
    private static final long DAY_NS = 86_400_000_000_000L;

    private final Context context;
    private final RangeNoveltyDetector range;
    private final AnomalyDetector[] detectors;
    private final AnomalyLikelihood[] likelihoods;
    private final double[] lastSurprise;
    private final ThresholdCalibrator calibrator;
    private final boolean rangeEnabled;
    private final double tailFloor;
    private final double logScale;
    private final double surpriseSlope;

    private long count;
    private long prevTimeNs;
    private long intervalNs = Long.MAX_VALUE;
    private int intervalProbes;
    private int suppressLeft;
    private double lastScore;
    private boolean alert;

    /** @param context parameters; {@link Context#conclude()} is called here. */
    public EnsembleDetector(final Context context) {
        this.context = context.conclude();
        final Context c = this.context;
        this.range = new RangeNoveltyDetector(c.warmupValues, 1e6);
        this.rangeEnabled = c.enabled("range");
        this.tailFloor = Math.pow(10.0, -c.scoreDecades);
        this.logScale = Math.log(tailFloor);
        this.surpriseSlope = 1.0 / (c.surpriseHigh - c.surpriseLow);
        int n = 0;
        final AnomalyDetector[] all = new AnomalyDetector[3];
        if (c.enabled("ewma")) {
            all[n++] = new EwmaZScoreDetector(c.ewmaAlpha, c.zCap, c.warmupValues);
        }
        if (c.enabled("holtwinters")) {
            all[n++] = new HoltWintersDetector(c.hwAlpha, c.hwBeta, c.hwGamma, c.hwScaleAlpha,
                c.seasonNs, c.maxSeasonLength, c.zCap, c.warmupValues);
        }
        if (c.enabled("median")) {
            all[n++] = new RobustWindowDetector(c.medianWindow, c.zCap, c.medianWindow / 2);
        }
        this.detectors = java.util.Arrays.copyOf(all, n);
        this.likelihoods = new AnomalyLikelihood[n];
        for (int i = 0; i < n; i++) {
            likelihoods[i] = new AnomalyLikelihood(
                c.likelihoodShortWindow, c.likelihoodLongAlpha, c.likelihoodMinStd,
                c.likelihoodMinMean, c.warmupValues);
        }
        this.lastSurprise = new double[n];
        this.calibrator = new ThresholdCalibrator(c.calibrationBins, c.targetFalsePositiveRate, c.warmupValues);
    }

    /**
     * Scores one value of the series against its past, then learns it. Non-finite values score 0
     * and are not learned.
     *
     * @param eventTimeNs event time in nanoseconds (used for the sampling interval and the season).
     * @param value       the observation.
     * @return anomaly score in [0, 1]; 0 during the first {@link Context#warmupValues()} values.
     */
    public double update(final long eventTimeNs, final double value) {
        if (!Double.isFinite(value)) {
            alert = false;
            lastScore = 0.0;
            return 0.0;
        }
        probeInterval(eventTimeNs);
        final double minScale = Math.max(context.minScaleFraction * range.width(), Double.MIN_NORMAL);
        final double rangeSurprise = range.update(eventTimeNs, value, minScale);
        double minLog = 0.0;
        double sumLog = 0.0;
        for (int i = 0; i < detectors.length; i++) {
            final double surprise = detectors[i].update(eventTimeNs, value, minScale);
            lastSurprise[i] = surprise;
            final double raw = Math.min(1.0, Math.max(0.0, (surprise - context.surpriseLow) * surpriseSlope));
            final double logTail = Math.log(likelihoods[i].update(raw) + tailFloor);
            minLog = Math.min(minLog, logTail);
            sumLog += logTail;
        }
        final double meanLog = detectors.length == 0 ? 0.0 : sumLog / detectors.length;
        final double logTail = context.combineMean * meanLog + (1.0 - context.combineMean) * minLog;
        double score = Math.min(1.0, logTail / logScale);
        if (rangeEnabled && rangeSurprise > context.rangeTolerance) {
            score = Math.max(score, context.rangeScore);
        }
        count++;
        if (count <= context.warmupValues) {
            score = 0.0;
        }
        if (suppressLeft > 0) {
            suppressLeft--;
            score *= context.suppressFactor;
        } else if (score >= context.suppressLevel) {
            suppressLeft = context.suppressValues;
        }
        alert = calibrator.isCalibrated() && score >= calibrator.threshold();
        if (count > context.warmupValues) {
            calibrator.record(score);
        }
        lastScore = score;
        return score;
    }

    private void probeInterval(final long eventTimeNs) {
        if (count > 0 && intervalProbes < HoltWintersDetector.INTERVAL_PROBE) {
            final long gap = eventTimeNs - prevTimeNs;
            if (gap > 0 && gap < intervalNs) {
                intervalNs = gap;
            }
            if (++intervalProbes == HoltWintersDetector.INTERVAL_PROBE
                && intervalNs != Long.MAX_VALUE && context.alertsPerDay > 0.0) {
                final double rate = context.alertsPerDay * intervalNs / DAY_NS;
                calibrator.targetRate(Math.min(0.5, Math.max(1e-9, rate)));
            }
        }
        prevTimeNs = eventTimeNs;
    }

    /** @return whether the last score reached the calibrated alert threshold. */
    public boolean isAlert() {
        return alert;
    }

    /** @return the last score returned by {@link #update(long, double)}. */
    public double lastScore() {
        return lastScore;
    }

    /** @return the current calibrated alert threshold. */
    public double threshold() {
        return calibrator.threshold();
    }

    /** @return the calibrator (to read or change its target rate). */
    public ThresholdCalibrator calibrator() {
        return calibrator;
    }

    /** @return the parameters in use. */
    public Context context() {
        return context;
    }

    /**
     * Writes everything this detector has learned (not its parameters) for a checkpoint. Control plane only.
     *
     * @param out destination.
     * @throws IOException from {@code out}.
     */
    public void writeState(final DataOutput out) throws IOException {
        out.writeLong(count);
        out.writeLong(prevTimeNs);
        out.writeLong(intervalNs);
        out.writeInt(intervalProbes);
        out.writeInt(suppressLeft);
        out.writeDouble(lastScore);
        out.writeBoolean(alert);
        StateIo.writeDoubles(out, lastSurprise);
        range.writeState(out);
        out.writeInt(detectors.length);
        for (int i = 0; i < detectors.length; i++) {
            out.writeUTF(detectors[i].name());
            detectors[i].writeState(out);
            likelihoods[i].writeState(out);
        }
        calibrator.writeState(out);
    }

    /**
     * Replaces the learned state with one written by {@link #writeState} of a detector with the same parameters:
     * every later {@link #update} then returns exactly what the writer's would have. Control plane only.
     *
     * @param in source.
     * @throws IOException from {@code in}, or when the state was written with other detectors or sizes.
     */
    public void readState(final DataInput in) throws IOException {
        count = in.readLong();
        prevTimeNs = in.readLong();
        intervalNs = in.readLong();
        intervalProbes = in.readInt();
        suppressLeft = in.readInt();
        lastScore = in.readDouble();
        alert = in.readBoolean();
        StateIo.readDoubles(in, lastSurprise, "ensemble surprises");
        range.readState(in);
        final int n = in.readInt();
        if (n != detectors.length) {
            throw new IOException("ensemble state has " + n + " detectors, this ensemble " + detectors.length);
        }
        for (int i = 0; i < n; i++) {
            final String name = in.readUTF();
            if (!name.equals(detectors[i].name())) {
                throw new IOException("ensemble state has detector " + name + " where this has " + detectors[i].name());
            }
            detectors[i].readState(in);
            likelihoods[i].readState(in);
        }
        calibrator.readState(in);
    }

    /**
     * Parameters of an {@link EnsembleDetector}, seeded with the defaults below (one parameter set
     * for every series). Not thread-safe; build once on the control plane, then share read-only.
     * {@link #set(String, String)} exists for the command line and experiments.
     */
    public static final class Context {
        /** Default detectors: {@value}. */
        public static final String DETECTORS_DEFAULT = "ewma,holtwinters,median,range";
        /** Default values learned before any score is non-zero: {@value}. */
        public static final int WARMUP_VALUES_DEFAULT = 150;
        /** Default cap on a detector's surprise, in deviation units: {@value}. */
        public static final double Z_CAP_DEFAULT = 20.0;
        /** Default smallest meaningful deviation, as a fraction of the observed range: {@value}. */
        public static final double MIN_SCALE_FRACTION_DEFAULT = 1e-3;
        /** Default EWMA/EWMV weight of a new value: {@value}. */
        public static final double EWMA_ALPHA_DEFAULT = 0.02;
        /** Default Holt-Winters level smoothing: {@value}. */
        public static final double HW_ALPHA_DEFAULT = 0.2;
        /** Default Holt-Winters trend smoothing: {@value}. */
        public static final double HW_BETA_DEFAULT = 0.01;
        /** Default Holt-Winters seasonal smoothing: {@value}. */
        public static final double HW_GAMMA_DEFAULT = 0.2;
        /** Default smoothing of the Holt-Winters residual scale: {@value}. */
        public static final double HW_SCALE_ALPHA_DEFAULT = 0.02;
        /** Default season, nanoseconds (one day): {@value}. */
        public static final long SEASON_NS_DEFAULT = DAY_NS;
        /** Default largest season length in values: {@value}. */
        public static final int MAX_SEASON_LENGTH_DEFAULT = 2048;
        /** Default median/MAD window in values: {@value}. */
        public static final int MEDIAN_WINDOW_DEFAULT = 64;
        /** Default number of recent surprises averaged by the likelihood: {@value}. */
        public static final int LIKELIHOOD_SHORT_WINDOW_DEFAULT = 20;
        /** Default weight of a new average in the likelihood's long-run statistics: {@value}. */
        public static final double LIKELIHOOD_LONG_ALPHA_DEFAULT = 1e-3;
        /** Default floor of the likelihood's long-run standard deviation: {@value}. */
        public static final double LIKELIHOOD_MIN_STD_DEFAULT = 0.0173;
        /** Default floor of the likelihood's long-run mean: {@value}. */
        public static final double LIKELIHOOD_MIN_MEAN_DEFAULT = 0.03;
        /** Default weight of the mean log tail probability against the smallest (0: most confident detector wins): {@value}. */
        public static final double COMBINE_MEAN_DEFAULT = 0.0;
        /** Default range excess (fraction of the range) that counts as novel: {@value}. */
        public static final double RANGE_TOLERANCE_DEFAULT = 0.05;
        /** Default surprise (deviation units) below which a detector's raw anomaly is 0: {@value}. */
        public static final double SURPRISE_LOW_DEFAULT = 2.0;
        /** Default surprise at and above which a detector's raw anomaly is 1: {@value}. */
        public static final double SURPRISE_HIGH_DEFAULT = 6.0;
        /** Default decades of tail probability spanned by the score (10: score 1 at p = 1e-10): {@value}. */
        public static final double SCORE_DECADES_DEFAULT = 10.0;
        /** Default score floor of a range-novel value: {@value}. */
        public static final double RANGE_SCORE_DEFAULT = 1.0;
        /** Default score from which the following scores are suppressed: {@value}. */
        public static final double SUPPRESS_LEVEL_DEFAULT = 0.85;
        /** Default number of values suppressed after such a score: {@value}. */
        public static final int SUPPRESS_VALUES_DEFAULT = 100;
        /** Default factor applied to suppressed scores: {@value}. */
        public static final double SUPPRESS_FACTOR_DEFAULT = 0.5;
        /** Default threshold resolution (bins of the streaming quantile): {@value}. */
        public static final int CALIBRATION_BINS_DEFAULT = 1024;
        /** Default target fraction of values that alert: {@value}. */
        public static final double TARGET_FALSE_POSITIVE_RATE_DEFAULT = 1e-3;

        private String detectors = DETECTORS_DEFAULT;
        private int warmupValues = WARMUP_VALUES_DEFAULT;
        private double zCap = Z_CAP_DEFAULT;
        private double minScaleFraction = MIN_SCALE_FRACTION_DEFAULT;
        private double ewmaAlpha = EWMA_ALPHA_DEFAULT;
        private double hwAlpha = HW_ALPHA_DEFAULT;
        private double hwBeta = HW_BETA_DEFAULT;
        private double hwGamma = HW_GAMMA_DEFAULT;
        private double hwScaleAlpha = HW_SCALE_ALPHA_DEFAULT;
        private long seasonNs = SEASON_NS_DEFAULT;
        private int maxSeasonLength = MAX_SEASON_LENGTH_DEFAULT;
        private int medianWindow = MEDIAN_WINDOW_DEFAULT;
        private int likelihoodShortWindow = LIKELIHOOD_SHORT_WINDOW_DEFAULT;
        private double likelihoodLongAlpha = LIKELIHOOD_LONG_ALPHA_DEFAULT;
        private double likelihoodMinStd = LIKELIHOOD_MIN_STD_DEFAULT;
        private double likelihoodMinMean = LIKELIHOOD_MIN_MEAN_DEFAULT;
        private double combineMean = COMBINE_MEAN_DEFAULT;
        private double rangeTolerance = RANGE_TOLERANCE_DEFAULT;
        private double rangeScore = RANGE_SCORE_DEFAULT;
        private double scoreDecades = SCORE_DECADES_DEFAULT;
        private double surpriseLow = SURPRISE_LOW_DEFAULT;
        private double surpriseHigh = SURPRISE_HIGH_DEFAULT;
        private double suppressLevel = SUPPRESS_LEVEL_DEFAULT;
        private int suppressValues = SUPPRESS_VALUES_DEFAULT;
        private double suppressFactor = SUPPRESS_FACTOR_DEFAULT;
        private int calibrationBins = CALIBRATION_BINS_DEFAULT;
        private double targetFalsePositiveRate = TARGET_FALSE_POSITIVE_RATE_DEFAULT;
        private double alertsPerDay;

        /**
         * Sets a parameter by its name (the field names of this class, e.g. {@code hwAlpha}).
         *
         * @throws IllegalArgumentException naming the key when it is unknown or the value malformed.
         */
        public Context set(final String key, final String value) {
            try {
                switch (key) {
                    case "detectors": return detectors(value);
                    case "warmupValues": warmupValues = Integer.parseInt(value); return this;
                    case "zCap": zCap = Double.parseDouble(value); return this;
                    case "minScaleFraction": minScaleFraction = Double.parseDouble(value); return this;
                    case "ewmaAlpha": ewmaAlpha = Double.parseDouble(value); return this;
                    case "hwAlpha": hwAlpha = Double.parseDouble(value); return this;
                    case "hwBeta": hwBeta = Double.parseDouble(value); return this;
                    case "hwGamma": hwGamma = Double.parseDouble(value); return this;
                    case "hwScaleAlpha": hwScaleAlpha = Double.parseDouble(value); return this;
                    case "seasonNs": seasonNs = Long.parseLong(value); return this;
                    case "maxSeasonLength": maxSeasonLength = Integer.parseInt(value); return this;
                    case "medianWindow": medianWindow = Integer.parseInt(value); return this;
                    case "likelihoodShortWindow": likelihoodShortWindow = Integer.parseInt(value); return this;
                    case "likelihoodLongAlpha": likelihoodLongAlpha = Double.parseDouble(value); return this;
                    case "likelihoodMinStd": likelihoodMinStd = Double.parseDouble(value); return this;
                    case "likelihoodMinMean": likelihoodMinMean = Double.parseDouble(value); return this;
                    case "combineMean": combineMean = Double.parseDouble(value); return this;
                    case "rangeTolerance": rangeTolerance = Double.parseDouble(value); return this;
                    case "surpriseLow": surpriseLow = Double.parseDouble(value); return this;
                    case "surpriseHigh": surpriseHigh = Double.parseDouble(value); return this;
                    case "scoreDecades": scoreDecades = Double.parseDouble(value); return this;
                    case "rangeScore": rangeScore = Double.parseDouble(value); return this;
                    case "suppressLevel": suppressLevel = Double.parseDouble(value); return this;
                    case "suppressValues": suppressValues = Integer.parseInt(value); return this;
                    case "suppressFactor": suppressFactor = Double.parseDouble(value); return this;
                    case "calibrationBins": calibrationBins = Integer.parseInt(value); return this;
                    case "targetFalsePositiveRate": targetFalsePositiveRate = Double.parseDouble(value); return this;
                    case "alertsPerDay": alertsPerDay = Double.parseDouble(value); return this;
                    default: throw new IllegalArgumentException("unknown anomaly parameter: " + key);
                }
            } catch (final NumberFormatException ex) {
                throw new IllegalArgumentException("malformed value for anomaly parameter " + key + ": " + value, ex);
            }
        }

        /**
         * @param list comma-separated subset of {@code ewma, holtwinters, median, range}.
         * @return this.
         */
        public Context detectors(final String list) {
            for (final String name : list.split(",")) {
                final String n = name.trim().toLowerCase(Locale.ROOT);
                if (!n.isEmpty() && !DETECTORS_DEFAULT.contains(n)) {
                    throw new IllegalArgumentException("unknown detector: " + name);
                }
            }
            this.detectors = list.toLowerCase(Locale.ROOT).replace(" ", "");
            return this;
        }

        boolean enabled(final String name) {
            for (final String n : detectors.split(",")) {
                if (n.equals(name)) {
                    return true;
                }
            }
            return false;
        }

        /** @param alertsPerDay target alerts per day of event time; 0 uses the target rate instead. */
        public Context alertsPerDay(final double alertsPerDay) {
            this.alertsPerDay = alertsPerDay;
            return this;
        }

        /** @param rate target fraction of values that alert, in (0, 1). */
        public Context targetFalsePositiveRate(final double rate) {
            this.targetFalsePositiveRate = rate;
            return this;
        }

        /** @return the enabled detectors, comma-separated. */
        public String detectors() {
            return detectors;
        }

        /** @return values learned before any score is non-zero. */
        public int warmupValues() {
            return warmupValues;
        }

        /** @return range excess that counts as novel. */
        public double rangeTolerance() {
            return rangeTolerance;
        }

        /** @return score floor of a range-novel value. */
        public double rangeScore() {
            return rangeScore;
        }

        /** @return score from which the following scores are suppressed. */
        public double suppressLevel() {
            return suppressLevel;
        }

        /** @return values suppressed after a score at or above the suppress level. */
        public int suppressValues() {
            return suppressValues;
        }

        /** @return factor applied to suppressed scores. */
        public double suppressFactor() {
            return suppressFactor;
        }

        /** @return target fraction of values that alert. */
        public double targetFalsePositiveRate() {
            return targetFalsePositiveRate;
        }

        /** @return target alerts per day, 0 when the rate is used instead. */
        public double alertsPerDay() {
            return alertsPerDay;
        }

        /**
         * Validates the parameters.
         *
         * @return this.
         * @throws IllegalArgumentException naming the first invalid parameter.
         */
        public Context conclude() {
            check(warmupValues >= 0, "warmupValues");
            check(zCap > 0.0, "zCap");
            check(minScaleFraction >= 0.0, "minScaleFraction");
            check(ewmaAlpha > 0.0 && ewmaAlpha <= 1.0, "ewmaAlpha");
            check(hwAlpha > 0.0 && hwAlpha <= 1.0, "hwAlpha");
            check(hwBeta >= 0.0 && hwBeta <= 1.0, "hwBeta");
            check(hwGamma >= 0.0 && hwGamma <= 1.0, "hwGamma");
            check(hwScaleAlpha > 0.0 && hwScaleAlpha <= 1.0, "hwScaleAlpha");
            check(seasonNs > 0, "seasonNs");
            check(maxSeasonLength >= 1, "maxSeasonLength");
            check(medianWindow >= 3, "medianWindow");
            check(likelihoodShortWindow >= 1, "likelihoodShortWindow");
            check(likelihoodLongAlpha > 0.0 && likelihoodLongAlpha <= 1.0, "likelihoodLongAlpha");
            check(likelihoodMinStd > 0.0, "likelihoodMinStd");
            check(likelihoodMinMean >= 0.0, "likelihoodMinMean");
            check(combineMean >= 0.0 && combineMean <= 1.0, "combineMean");
            check(rangeTolerance >= 0.0, "rangeTolerance");
            check(scoreDecades > 0.0, "scoreDecades");
            check(surpriseLow >= 0.0, "surpriseLow");
            check(surpriseHigh > surpriseLow, "surpriseHigh");
            check(rangeScore >= 0.0 && rangeScore <= 1.0, "rangeScore");
            check(suppressValues >= 0, "suppressValues");
            check(suppressFactor >= 0.0 && suppressFactor <= 1.0, "suppressFactor");
            check(calibrationBins >= 2, "calibrationBins");
            check(targetFalsePositiveRate > 0.0 && targetFalsePositiveRate < 1.0, "targetFalsePositiveRate");
            check(alertsPerDay >= 0.0, "alertsPerDay");
            return this;
        }

        private static void check(final boolean ok, final String key) {
            if (!ok) {
                throw new IllegalArgumentException("invalid anomaly parameter: " + key);
            }
        }

        @Override
        public String toString() {
            return "detectors=" + detectors + " warmupValues=" + warmupValues + " zCap=" + zCap
                + " minScaleFraction=" + minScaleFraction + " ewmaAlpha=" + ewmaAlpha
                + " hwAlpha=" + hwAlpha + " hwBeta=" + hwBeta + " hwGamma=" + hwGamma
                + " hwScaleAlpha=" + hwScaleAlpha + " seasonNs=" + seasonNs
                + " maxSeasonLength=" + maxSeasonLength + " medianWindow=" + medianWindow
                + " likelihoodShortWindow=" + likelihoodShortWindow
                + " likelihoodLongAlpha=" + likelihoodLongAlpha + " likelihoodMinStd=" + likelihoodMinStd
                + " likelihoodMinMean=" + likelihoodMinMean
                + " combineMean=" + combineMean + " rangeTolerance=" + rangeTolerance + " rangeScore=" + rangeScore + " scoreDecades=" + scoreDecades
                + " surpriseLow=" + surpriseLow + " surpriseHigh=" + surpriseHigh
                + " suppressLevel=" + suppressLevel + " suppressValues=" + suppressValues
                + " suppressFactor=" + suppressFactor + " calibrationBins=" + calibrationBins
                + " targetFalsePositiveRate=" + targetFalsePositiveRate + " alertsPerDay=" + alertsPerDay;
        }
    }
}
