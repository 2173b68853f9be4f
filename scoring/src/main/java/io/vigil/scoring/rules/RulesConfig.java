package io.vigil.scoring.rules;

/**
 * Thresholds of {@link DecisionRules}; {@link #DEFAULTS} holds the documented defaults.
 *
 * <p><b>Thread safety:</b> immutable, thread-safe. <b>Allocation:</b> none after construction.
 *
 * @param reviewThreshold            model score at or above which the event is reviewed (MODEL_ELEVATED).
 *                                   Default {@value #DEFAULT_REVIEW_THRESHOLD}.
 * @param declineThreshold           model score at or above which the event is declined (MODEL_HIGH).
 *                                   Default {@value #DEFAULT_DECLINE_THRESHOLD}.
 * @param anomalyThreshold           anomaly score at or above which the event is reviewed. Default
 *                                   {@value #DEFAULT_ANOMALY_THRESHOLD} (a z-distance of about 6.4).
 * @param amountZThreshold           amount z-score at or above which AMOUNT_ANOMALY fires. Default
 *                                   {@value #DEFAULT_AMOUNT_Z_THRESHOLD}.
 * @param velocityZThreshold         velocity z-score at or above which VELOCITY_ANOMALY fires. Default
 *                                   {@value #DEFAULT_VELOCITY_Z_THRESHOLD}.
 * @param hoppingMinNewMerchantRate  new-merchant rate (EWMA of the new-merchant flag) at or above which, with
 *                                   a new merchant and {@code hoppingMinCount1h} events in the hour,
 *                                   MERCHANT_HOPPING fires. Default {@value #DEFAULT_HOPPING_MIN_NEW_MERCHANT_RATE}
 *                                   (about four to five new merchants in a row).
 * @param hoppingMinCount1h          see above. Default {@value #DEFAULT_HOPPING_MIN_COUNT_1H}.
 * @param hoppingMaxSecsSincePrev    and at most this many seconds since the account's previous event.
 *                                   Default {@value #DEFAULT_HOPPING_MAX_SECS_SINCE_PREV}.
 * @param hoppingMinHistoryEvents    and at least this many earlier events on the account: on a young account every
 *                                   merchant is new, so without history the rule flags ordinary first purchases.
 *                                   Default {@value #DEFAULT_HOPPING_MIN_HISTORY_EVENTS}.
 * @param cardTestingMinCount1m      events in the minute at or above which, with a small amount,
 *                                   CARD_TESTING fires. Default {@value #DEFAULT_CARD_TESTING_MIN_COUNT_1M}.
 * @param cardTestingMaxAmountMinor  amount (minor units) at or below which an amount is small for card
 *                                   testing. Default {@value #DEFAULT_CARD_TESTING_MAX_AMOUNT_MINOR}.
 * @param declineMinRuleHits         rule reasons (amount, velocity, hopping, card testing) that together
 *                                   decline the event; fewer review it. Default
 *                                   {@value #DEFAULT_DECLINE_MIN_RULE_HITS}.
 */
public record RulesConfig(
    float reviewThreshold,
    float declineThreshold,
    float anomalyThreshold,
    float amountZThreshold,
    float velocityZThreshold,
    float hoppingMinNewMerchantRate,
    int hoppingMinCount1h,
    float hoppingMaxSecsSincePrev,
    int hoppingMinHistoryEvents,
    int cardTestingMinCount1m,
    long cardTestingMaxAmountMinor,
    int declineMinRuleHits) {

    public static final float DEFAULT_REVIEW_THRESHOLD = 0.5f;
    public static final float DEFAULT_DECLINE_THRESHOLD = 0.9f;
    public static final float DEFAULT_ANOMALY_THRESHOLD = 0.8f;
    public static final float DEFAULT_AMOUNT_Z_THRESHOLD = 5.0f;
    public static final float DEFAULT_VELOCITY_Z_THRESHOLD = 5.0f;
    public static final float DEFAULT_HOPPING_MIN_NEW_MERCHANT_RATE = 0.8f;
    public static final int DEFAULT_HOPPING_MIN_COUNT_1H = 5;
    public static final float DEFAULT_HOPPING_MAX_SECS_SINCE_PREV = 120f;
    public static final int DEFAULT_HOPPING_MIN_HISTORY_EVENTS = 10;
    public static final int DEFAULT_CARD_TESTING_MIN_COUNT_1M = 5;
    public static final long DEFAULT_CARD_TESTING_MAX_AMOUNT_MINOR = 500L;
    public static final int DEFAULT_DECLINE_MIN_RULE_HITS = 2;

    /** The defaults above. */
    public static final RulesConfig DEFAULTS = new RulesConfig(
        DEFAULT_REVIEW_THRESHOLD, DEFAULT_DECLINE_THRESHOLD, DEFAULT_ANOMALY_THRESHOLD, DEFAULT_AMOUNT_Z_THRESHOLD,
        DEFAULT_VELOCITY_Z_THRESHOLD, DEFAULT_HOPPING_MIN_NEW_MERCHANT_RATE, DEFAULT_HOPPING_MIN_COUNT_1H, DEFAULT_HOPPING_MAX_SECS_SINCE_PREV,
        DEFAULT_HOPPING_MIN_HISTORY_EVENTS, DEFAULT_CARD_TESTING_MIN_COUNT_1M, DEFAULT_CARD_TESTING_MAX_AMOUNT_MINOR, DEFAULT_DECLINE_MIN_RULE_HITS);

    /** Validates the thresholds. */
    public RulesConfig {
        if (!(reviewThreshold >= 0f && reviewThreshold <= declineThreshold && declineThreshold <= 1f)) {
            throw new IllegalArgumentException(
                "need 0 <= reviewThreshold <= declineThreshold <= 1: " + reviewThreshold + ", " + declineThreshold);
        }
        if (!(anomalyThreshold >= 0f && anomalyThreshold <= 1f)) {
            throw new IllegalArgumentException("anomalyThreshold must be in [0, 1]: " + anomalyThreshold);
        }
        if (hoppingMinHistoryEvents < 0) {
            throw new IllegalArgumentException("hoppingMinHistoryEvents must be >= 0: " + hoppingMinHistoryEvents);
        }
        if (cardTestingMaxAmountMinor < 0 || declineMinRuleHits < 1) {
            throw new IllegalArgumentException("cardTestingMaxAmountMinor >= 0 and declineMinRuleHits >= 1 required");
        }
    }
}
