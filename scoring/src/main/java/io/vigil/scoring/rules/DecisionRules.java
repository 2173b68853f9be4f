package io.vigil.scoring.rules;

import io.vigil.scoring.features.TransactionFeatures;

/**
 * Turns a model score, an anomaly score and a {@link TransactionFeatures} vector into an action and
 * reason codes, packed into one int: {@code action | (reasons << 8)}.
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
    private final float cardTestingMaxLogAmount;
    private final float hoppingMinLogEvents;

    public DecisionRules() {
        this(RulesConfig.DEFAULTS);
    }

    public DecisionRules(final RulesConfig config) {
        this.config = config;
        this.cardTestingMaxLogAmount = (float)Math.log1p(config.cardTestingMaxAmountMinor() / 100.0);
        this.hoppingMinLogEvents = (float)Math.log1p(config.hoppingMinHistoryEvents());
    }

    public RulesConfig config() {
        return config;
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

        final float amountZ = features[offset + TransactionFeatures.AMOUNT_Z];
        final float velocityZ = features[offset + TransactionFeatures.VELOCITY_Z];
        if (amountZ >= c.amountZThreshold()) {
            reasons |= AMOUNT_ANOMALY;
        }
        if (velocityZ >= c.velocityZThreshold()) {
            reasons |= VELOCITY_ANOMALY;
        }
        if (features[offset + TransactionFeatures.NEW_MERCHANT] > 0.5f &&
            features[offset + TransactionFeatures.NEW_MERCHANT_RATE] >= c.hoppingMinNewMerchantRate() &&
            features[offset + TransactionFeatures.COUNT_1H] >= c.hoppingMinCount1h() &&
            features[offset + TransactionFeatures.SECS_SINCE_PREV] <= c.hoppingMaxSecsSincePrev() &&
            features[offset + TransactionFeatures.LOG_EVENTS] >= hoppingMinLogEvents) {
            reasons |= MERCHANT_HOPPING;
        }
        if (features[offset + TransactionFeatures.COUNT_1M] >= c.cardTestingMinCount1m() &&
            features[offset + TransactionFeatures.LOG_AMOUNT] <= cardTestingMaxLogAmount) {
            reasons |= CARD_TESTING;
        }
        final int ruleHits = Integer.bitCount(reasons);
        if (ruleHits >= c.declineMinRuleHits()) {
            action = DECLINE;
        } else if (ruleHits > 0) {
            action = REVIEW;
        }

        if (anomalyScore >= c.anomalyThreshold()) {
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
