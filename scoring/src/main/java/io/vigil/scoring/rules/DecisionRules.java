package io.vigil.scoring.rules;

import io.vigil.scoring.features.FeatureSet;

/**
 * Turns a model score, an anomaly score and a feature vector into an action and reason codes, packed into one int:
 * {@code action | (reasons << 8)}. The features the rules read are found by name in the running
 * {@link FeatureSet} at construction ({@link RuleInputs}: by default the default set's names, {@code amount_z},
 * {@code count_1m}, ...), so {@link #decide} reads them at precomputed positions; a rule turned off reads nothing.
 *
 * <p><b>Thread safety:</b> immutable, thread-safe. <b>Allocation:</b> none after construction.
 *
 * <p>Action values are those of {@code io.vigil.codecs.sbe.Action} (APPROVE=0, REVIEW=1, DECLINE=2);
 * reason bits are the choices of the {@code ReasonCodes} set. The rules, each at-or-above its threshold
 * (see {@link RulesConfig}):
 * <ul>
 * <li>model score ≥ decline threshold → DECLINE, MODEL_HIGH; else ≥ review threshold → REVIEW, MODEL_ELEVATED;</li>
 * <li>AMOUNT_ANOMALY: amount_z ≥ amountZThreshold; VELOCITY_ANOMALY: velocity_z ≥ velocityZThreshold;</li>
 * <li>MERCHANT_HOPPING: new_merchant, new_merchant_rate ≥ hoppingMinNewMerchantRate and
 *     count_1h ≥ hoppingMinCount1h, secs_since_prev ≤ hoppingMaxSecsSincePrev, and at least
 *     hoppingMinHistoryEvents earlier events on the account (log_events ≥ ln(1 + that));</li>
 * <li>CARD_TESTING: count_1m ≥ cardTestingMinCount1m and amount ≤ cardTestingMaxAmountMinor;</li>
 * <li>anomaly score ≥ anomalyThreshold → REVIEW (with AMOUNT/VELOCITY_ANOMALY when their z-score is
 *     past its threshold, else with the larger of the two);</li>
 * <li>any rule reason → at least REVIEW; {@code declineMinRuleHits} rule reasons or more → DECLINE.</li>
 * </ul>
 * When {@code modelFallback} is true, or the model score is NaN, the model score is ignored and
 * MODEL_FALLBACK is set: the action comes from the rules and the anomaly score alone.
 */
public final class DecisionRules {
    public static final int APPROVE = 0;
    public static final int REVIEW = 1;
    public static final int DECLINE = 2;

    public static final int MODEL_HIGH = 1;
    public static final int MODEL_ELEVATED = 1 << 1;
    public static final int AMOUNT_ANOMALY = 1 << 2;
    public static final int VELOCITY_ANOMALY = 1 << 3;
    public static final int MERCHANT_HOPPING = 1 << 4;
    public static final int CARD_TESTING = 1 << 5;
    public static final int MODEL_FALLBACK = 1 << 6;
    public static final int METRIC_ANOMALY = 1 << 7;
    /** The event arrived behind the watermark, within the allowed lateness (set by the engine, never by {@link #decide}). */
    public static final int LATE_EVENT = 1 << 8;
    /** The event arrived later than the allowed lateness: answered, not applied (set by the engine). */
    public static final int TOO_LATE = 1 << 9;

    private static final int RULE_REASONS = AMOUNT_ANOMALY | VELOCITY_ANOMALY | MERCHANT_HOPPING | CARD_TESTING;

    private final RulesConfig config;
    private final RuleInputs.Resolved inputs;
    private final float cardTestingMaxLogAmount;
    private final float hoppingMinLogEvents;
    // positions of the inputs in the vector (RuleInputs), -1 when unread
    private final int amountZAt;
    private final int velocityZAt;
    private final int newMerchantAt;
    private final int newMerchantRateAt;
    private final int count1hAt;
    private final int secsSincePrevAt;
    private final int logEventsAt;
    private final int count1mAt;
    private final int logAmountAt;
    private final boolean amountOn;
    private final boolean velocityOn;
    private final boolean hoppingOn;
    private final boolean cardTestingOn;
    private final boolean anomalyOn;

    /** The default thresholds over the default feature set. */
    public DecisionRules() {
        this(RulesConfig.DEFAULTS);
    }

    /** Over the default feature set. */
    public DecisionRules(final RulesConfig config) {
        this(config, RuleInputs.DEFAULTS.resolve(FeatureSet.defaultSet()));
    }

    /** Over the feature set {@code inputs} were resolved against. */
    public DecisionRules(final RulesConfig config, final RuleInputs.Resolved inputs) {
        this.config = config;
        this.inputs = inputs;
        this.cardTestingMaxLogAmount = (float)Math.log1p(config.cardTestingMaxAmountMinor() / 100.0);
        this.hoppingMinLogEvents = (float)Math.log1p(config.hoppingMinHistoryEvents());
        amountZAt = inputs.at(RuleInputs.AMOUNT_Z);
        velocityZAt = inputs.at(RuleInputs.VELOCITY_Z);
        newMerchantAt = inputs.at(RuleInputs.NEW_MERCHANT);
        newMerchantRateAt = inputs.at(RuleInputs.NEW_MERCHANT_RATE);
        count1hAt = inputs.at(RuleInputs.COUNT_1H);
        secsSincePrevAt = inputs.at(RuleInputs.SECS_SINCE_PREV);
        logEventsAt = inputs.at(RuleInputs.LOG_EVENTS);
        count1mAt = inputs.at(RuleInputs.COUNT_1M);
        logAmountAt = inputs.at(RuleInputs.LOG_AMOUNT);
        final RuleInputs r = inputs.inputs();
        amountOn = r.on(RuleInputs.RULE_AMOUNT);
        velocityOn = r.on(RuleInputs.RULE_VELOCITY);
        hoppingOn = r.on(RuleInputs.RULE_HOPPING);
        cardTestingOn = r.on(RuleInputs.RULE_CARD_TESTING);
        anomalyOn = r.on(RuleInputs.RULE_ANOMALY);
    }

    /** The same inputs with other thresholds (a RulesSet control record). */
    public DecisionRules withConfig(final RulesConfig changed) {
        return new DecisionRules(changed, inputs);
    }

    public RulesConfig config() {
        return config;
    }

    /** @return the inputs' positions in the vector. */
    public RuleInputs.Resolved inputs() {
        return inputs;
    }

    /** @return the packed decision {@code action | (reasons << 8)}. */
    public int decide(
        final float modelScore,
        final float anomalyScore,
        final float[] features,
        final int offset,
        final boolean modelFallback) {
        final RulesConfig c = config;
        int reasons = 0;
        int action = APPROVE;

        // an input no enabled rule reads is at -1 and never read
        final float amountZ = amountZAt >= 0 ? features[offset + amountZAt] : 0f;
        final float velocityZ = velocityZAt >= 0 ? features[offset + velocityZAt] : 0f;
        if (amountOn && amountZ >= c.amountZThreshold()) {
            reasons |= AMOUNT_ANOMALY;
        }
        if (velocityOn && velocityZ >= c.velocityZThreshold()) {
            reasons |= VELOCITY_ANOMALY;
        }
        if (hoppingOn &&
            features[offset + newMerchantAt] > 0.5f &&
            features[offset + newMerchantRateAt] >= c.hoppingMinNewMerchantRate() &&
            features[offset + count1hAt] >= c.hoppingMinCount1h() &&
            features[offset + secsSincePrevAt] <= c.hoppingMaxSecsSincePrev() &&
            features[offset + logEventsAt] >= hoppingMinLogEvents) {
            reasons |= MERCHANT_HOPPING;
        }
        if (cardTestingOn &&
            features[offset + count1mAt] >= c.cardTestingMinCount1m() &&
            features[offset + logAmountAt] <= cardTestingMaxLogAmount) {
            reasons |= CARD_TESTING;
        }
        final int ruleHits = Integer.bitCount(reasons);
        if (ruleHits >= c.declineMinRuleHits()) {
            action = DECLINE;
        } else if (ruleHits > 0) {
            action = REVIEW;
        }

        if (anomalyOn && anomalyScore >= c.anomalyThreshold()) {
            action = Math.max(action, REVIEW);
            if ((reasons & (AMOUNT_ANOMALY | VELOCITY_ANOMALY)) == 0) {
                reasons |= amountZ >= velocityZ ? AMOUNT_ANOMALY : VELOCITY_ANOMALY;
            }
        }

        if (modelFallback || Float.isNaN(modelScore)) {
            reasons |= MODEL_FALLBACK;
        } else if (modelScore >= c.declineThreshold()) {
            reasons |= MODEL_HIGH;
            action = DECLINE;
        } else if (modelScore >= c.reviewThreshold()) {
            reasons |= MODEL_ELEVATED;
            action = Math.max(action, REVIEW);
        }
        return pack(action, reasons);
    }

    public static int pack(final int action, final int reasons) {
        return action | (reasons << 8);
    }

    /** @return the {@code Action} value of a packed decision. */
    public static int action(final int decision) {
        return decision & 0xFF;
    }

    /** @return the {@code ReasonCodes} bits of a packed decision. */
    public static int reasons(final int decision) {
        return decision >>> 8;
    }

    /** @return true if {@code reasonBit} (one of the constants above) is set in the packed decision. */
    public static boolean hasReason(final int decision, final int reasonBit) {
        return (reasons(decision) & reasonBit) != 0;
    }

    /** @return true if any of the feature rules fired (amount, velocity, hopping, card testing). */
    public static boolean ruleFired(final int decision) {
        return (reasons(decision) & RULE_REASONS) != 0;
    }
}
