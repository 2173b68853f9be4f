package io.vigil.scoring.rules;

import static io.vigil.scoring.rules.DecisionRules.action;
import static io.vigil.scoring.rules.DecisionRules.reasons;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.ReasonCodesEncoder;
import io.vigil.scoring.features.TransactionFeatures;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DecisionRulesTest {
    private final DecisionRules rules = new DecisionRules();
    private final RulesConfig c = RulesConfig.DEFAULTS;

    /** A quiet event: 30.00, one event in the minute, usual merchant, no deviation. */
    private static float[] quiet() {
        final float[] f = new float[TransactionFeatures.WIDTH];
        f[TransactionFeatures.LOG_AMOUNT] = (float)Math.log1p(30.0);
        f[TransactionFeatures.COUNT_1M] = 1f;
        f[TransactionFeatures.COUNT_1H] = 2f;
        f[TransactionFeatures.DISTINCT_MERCHANTS_24H] = 3f;
        return f;
    }

    private int decide(final float model, final float[] f) {
        return rules.decide(model, 0f, f, 0, false);
    }

    @Test
    void shouldUseTheWireValuesOfActionAndReasonCodes() {
        assertEquals(Action.APPROVE.value(), DecisionRules.APPROVE);
        assertEquals(Action.REVIEW.value(), DecisionRules.REVIEW);
        assertEquals(Action.DECLINE.value(), DecisionRules.DECLINE);
        assertEquals(ReasonCodesEncoder.mODEL_HIGH(0, true), DecisionRules.MODEL_HIGH);
        assertEquals(ReasonCodesEncoder.mODEL_ELEVATED(0, true), DecisionRules.MODEL_ELEVATED);
        assertEquals(ReasonCodesEncoder.aMOUNT_ANOMALY(0, true), DecisionRules.AMOUNT_ANOMALY);
        assertEquals(ReasonCodesEncoder.vELOCITY_ANOMALY(0, true), DecisionRules.VELOCITY_ANOMALY);
        assertEquals(ReasonCodesEncoder.mERCHANT_HOPPING(0, true), DecisionRules.MERCHANT_HOPPING);
        assertEquals(ReasonCodesEncoder.cARD_TESTING(0, true), DecisionRules.CARD_TESTING);
        assertEquals(ReasonCodesEncoder.mODEL_FALLBACK(0, true), DecisionRules.MODEL_FALLBACK);
        assertEquals(ReasonCodesEncoder.mETRIC_ANOMALY(0, true), DecisionRules.METRIC_ANOMALY);
    }

    @Test
    void shouldPackAndUnpackDecisions() {
        final int d = DecisionRules.pack(DecisionRules.DECLINE, DecisionRules.CARD_TESTING | DecisionRules.MODEL_HIGH);
        assertEquals(DecisionRules.DECLINE, action(d));
        assertEquals(DecisionRules.CARD_TESTING | DecisionRules.MODEL_HIGH, reasons(d));
        assertEquals(true, DecisionRules.hasReason(d, DecisionRules.CARD_TESTING));
        assertEquals(false, DecisionRules.hasReason(d, DecisionRules.MERCHANT_HOPPING));
    }

    @Test
    void shouldApproveQuietEventWithLowScore() {
        final int d = decide(0.01f, quiet());
        assertEquals(DecisionRules.APPROVE, action(d));
        assertEquals(0, reasons(d));
    }

    @Test
    void shouldReviewAtTheReviewThresholdAndNotBelow() {
        assertEquals(DecisionRules.APPROVE, action(decide(Math.nextDown(c.reviewThreshold()), quiet())));
        final int d = decide(c.reviewThreshold(), quiet());
        assertEquals(DecisionRules.REVIEW, action(d));
        assertEquals(DecisionRules.MODEL_ELEVATED, reasons(d));
    }

    @Test
    void shouldDeclineAtTheDeclineThresholdAndNotBelow() {
        assertEquals(DecisionRules.REVIEW, action(decide(Math.nextDown(c.declineThreshold()), quiet())));
        final int d = decide(c.declineThreshold(), quiet());
        assertEquals(DecisionRules.DECLINE, action(d));
        assertEquals(DecisionRules.MODEL_HIGH, reasons(d));
    }

    @Test
    void shouldFlagAmountAnomalyAtItsThreshold() {
        final float[] f = quiet();
        f[TransactionFeatures.AMOUNT_Z] = Math.nextDown(c.amountZThreshold());
        assertEquals(0, reasons(decide(0f, f)));
        f[TransactionFeatures.AMOUNT_Z] = c.amountZThreshold();
        final int d = decide(0f, f);
        assertEquals(DecisionRules.AMOUNT_ANOMALY, reasons(d));
        assertEquals(DecisionRules.REVIEW, action(d));
    }

    @Test
    void shouldFlagVelocityAnomalyAtItsThreshold() {
        final float[] f = quiet();
        f[TransactionFeatures.VELOCITY_Z] = Math.nextDown(c.velocityZThreshold());
        assertEquals(0, reasons(decide(0f, f)));
        f[TransactionFeatures.VELOCITY_Z] = c.velocityZThreshold();
        final int d = decide(0f, f);
        assertEquals(DecisionRules.VELOCITY_ANOMALY, reasons(d));
        assertEquals(DecisionRules.REVIEW, action(d));
    }

    @Test
    void shouldFlagMerchantHoppingOnlyWhenAllConditionsHold() {
        final float[] f = quiet();
        f[TransactionFeatures.NEW_MERCHANT] = 1f;
        f[TransactionFeatures.NEW_MERCHANT_RATE] = c.hoppingMinNewMerchantRate();
        f[TransactionFeatures.COUNT_1H] = c.hoppingMinCount1h();
        f[TransactionFeatures.SECS_SINCE_PREV] = c.hoppingMaxSecsSincePrev();
        f[TransactionFeatures.LOG_EVENTS] = (float)Math.log1p(c.hoppingMinHistoryEvents());
        final int d = decide(0f, f);
        assertEquals(DecisionRules.MERCHANT_HOPPING, reasons(d));
        f[TransactionFeatures.LOG_EVENTS] = Math.nextDown((float)Math.log1p(c.hoppingMinHistoryEvents()));
        assertEquals(0, reasons(decide(0f, f)), "a young account: every merchant is new");
        f[TransactionFeatures.LOG_EVENTS] = (float)Math.log1p(c.hoppingMinHistoryEvents());
        f[TransactionFeatures.SECS_SINCE_PREV] = Math.nextUp(c.hoppingMaxSecsSincePrev());
        assertEquals(0, reasons(decide(0f, f)));
        f[TransactionFeatures.SECS_SINCE_PREV] = c.hoppingMaxSecsSincePrev();
        assertEquals(DecisionRules.REVIEW, action(d));

        f[TransactionFeatures.COUNT_1H] = c.hoppingMinCount1h() - 1;
        assertEquals(0, reasons(decide(0f, f)));
        f[TransactionFeatures.COUNT_1H] = c.hoppingMinCount1h();
        f[TransactionFeatures.NEW_MERCHANT_RATE] = Math.nextDown(c.hoppingMinNewMerchantRate());
        assertEquals(0, reasons(decide(0f, f)));
        f[TransactionFeatures.NEW_MERCHANT_RATE] = c.hoppingMinNewMerchantRate();
        f[TransactionFeatures.NEW_MERCHANT] = 0f;
        assertEquals(0, reasons(decide(0f, f)));
    }

    @Test
    void shouldFlagCardTestingForManySmallAmountsAtTheBoundaries() {
        final float[] f = quiet();
        f[TransactionFeatures.COUNT_1M] = c.cardTestingMinCount1m();
        f[TransactionFeatures.LOG_AMOUNT] = (float)Math.log1p(c.cardTestingMaxAmountMinor() / 100.0);
        final int d = decide(0f, f);
        assertEquals(DecisionRules.CARD_TESTING, reasons(d));
        assertEquals(DecisionRules.REVIEW, action(d));

        f[TransactionFeatures.LOG_AMOUNT] = (float)Math.log1p((c.cardTestingMaxAmountMinor() + 1) / 100.0);
        assertEquals(0, reasons(decide(0f, f)));
        f[TransactionFeatures.LOG_AMOUNT] = (float)Math.log1p(1.0);
        f[TransactionFeatures.COUNT_1M] = c.cardTestingMinCount1m() - 1;
        assertEquals(0, reasons(decide(0f, f)));
    }

    @Test
    void shouldDeclineWhenEnoughRulesFire() {
        final float[] f = quiet();
        f[TransactionFeatures.COUNT_1M] = 20f;
        f[TransactionFeatures.LOG_AMOUNT] = (float)Math.log1p(1.0);
        f[TransactionFeatures.VELOCITY_Z] = 12f;
        final int d = decide(0f, f);
        assertEquals(DecisionRules.CARD_TESTING | DecisionRules.VELOCITY_ANOMALY, reasons(d));
        assertEquals(DecisionRules.DECLINE, action(d));
    }

    @Test
    void shouldReviewAtTheAnomalyThresholdAndNameTheLargerDeviation() {
        final float[] f = quiet();
        f[TransactionFeatures.AMOUNT_Z] = 4.5f;
        f[TransactionFeatures.VELOCITY_Z] = 3f;
        assertEquals(DecisionRules.APPROVE, action(rules.decide(0f, Math.nextDown(c.anomalyThreshold()), f, 0, false)));
        final int d = rules.decide(0f, c.anomalyThreshold(), f, 0, false);
        assertEquals(DecisionRules.REVIEW, action(d));
        assertEquals(DecisionRules.AMOUNT_ANOMALY, reasons(d));
        f[TransactionFeatures.VELOCITY_Z] = 4.9f;
        assertEquals(DecisionRules.VELOCITY_ANOMALY, reasons(rules.decide(0f, c.anomalyThreshold(), f, 0, false)));
    }

    @Test
    void shouldIgnoreTheModelInFallback() {
        final int high = rules.decide(0.99f, 0f, quiet(), 0, true);
        assertEquals(DecisionRules.APPROVE, action(high));
        assertEquals(DecisionRules.MODEL_FALLBACK, reasons(high));

        final float[] f = quiet();
        f[TransactionFeatures.COUNT_1M] = 10f;
        f[TransactionFeatures.LOG_AMOUNT] = (float)Math.log1p(2.0);
        final int rule = rules.decide(0f, 0f, f, 0, true);
        assertEquals(DecisionRules.REVIEW, action(rule));
        assertEquals(DecisionRules.MODEL_FALLBACK | DecisionRules.CARD_TESTING, reasons(rule));
    }

    @Test
    void shouldTreatNaNModelScoreAsFallback() {
        final int d = rules.decide(Float.NaN, 0f, quiet(), 0, false);
        assertEquals(DecisionRules.APPROVE, action(d));
        assertEquals(DecisionRules.MODEL_FALLBACK, reasons(d));
    }

    @Test
    void shouldReadFeaturesAtTheOffset() {
        final float[] f = new float[3 + TransactionFeatures.WIDTH];
        System.arraycopy(quiet(), 0, f, 3, TransactionFeatures.WIDTH);
        f[3 + TransactionFeatures.AMOUNT_Z] = 9f;
        assertEquals(DecisionRules.AMOUNT_ANOMALY, reasons(rules.decide(0f, 0f, f, 3, false)));
    }

    @Test
    void shouldCombineModelAndRuleReasons() {
        final float[] f = quiet();
        f[TransactionFeatures.AMOUNT_Z] = 8f;
        final int d = decide(0.95f, f);
        assertEquals(DecisionRules.DECLINE, action(d));
        assertEquals(DecisionRules.MODEL_HIGH | DecisionRules.AMOUNT_ANOMALY, reasons(d));
    }

    @Test
    void shouldRejectInconsistentThresholds() {
        assertThrows(IllegalArgumentException.class,
            () -> new RulesConfig(0.9f, 0.5f, 0.8f, 5f, 5f, 0.7f, 4, 120f, 10, 5, 500, 2));
        assertThrows(IllegalArgumentException.class,
            () -> new RulesConfig(0.5f, 0.9f, 1.5f, 5f, 5f, 0.7f, 4, 120f, 10, 5, 500, 2));
        assertThrows(IllegalArgumentException.class,
            () -> new RulesConfig(0.5f, 0.9f, 0.8f, 5f, 5f, 0.7f, 4, 120f, 10, 5, 500, 0));
    }

    /** Rules over a permuted vector, resolved by name, decide as over the default vector: on random vectors. */
    @Test
    void shouldReadTheirFeaturesByName() {
        final java.util.List<String> reversed = new java.util.ArrayList<>(TransactionFeatures.NAMES);
        java.util.Collections.reverse(reversed);
        final io.vigil.scoring.features.FeatureSet permuted =
            new io.vigil.scoring.features.FeatureSet("p", "p-1", "ab".repeat(32), reversed);
        final DecisionRules byName = new DecisionRules(c, RuleInputs.DEFAULTS.resolve(permuted));
        final java.util.Random random = new java.util.Random(5);
        final float[] f = new float[TransactionFeatures.WIDTH];
        final float[] p = new float[TransactionFeatures.WIDTH + 3];
        int fired = 0;
        for (int n = 0; n < 100_000; n++) {
            for (int i = 0; i < f.length; i++) {
                f[i] = random.nextInt(4) == 0 ? 0f : (float)(random.nextDouble() * (i == TransactionFeatures.SECS_SINCE_PREV ?
                    400 : 12));
                p[3 + f.length - 1 - i] = f[i];
            }
            f[TransactionFeatures.NEW_MERCHANT] = random.nextBoolean() ? 1f : 0f;
            p[3 + f.length - 1 - TransactionFeatures.NEW_MERCHANT] = f[TransactionFeatures.NEW_MERCHANT];
            final float model = random.nextFloat();
            final float anomaly = random.nextFloat();
            final int expected = rules.decide(model, anomaly, f, 0, false);
            assertEquals(expected, byName.decide(model, anomaly, p, 3, false));
            fired += DecisionRules.ruleFired(expected) ? 1 : 0;
        }
        org.junit.jupiter.api.Assertions.assertTrue(fired > 1000, "rules fired " + fired);
    }

    @Test
    void shouldMapInputsTurnRulesOffAndNameWhatIsMissing() {
        final io.vigil.scoring.features.FeatureSet small = new io.vigil.scoring.features.FeatureSet("s", "s-1",
            "cd".repeat(32), java.util.List.of("n", "z"));
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RuleInputs.DEFAULTS.resolve(small));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("rule amount reads its input amount_z from " +
            "feature 'amount_z', which feature set 's' s-1") && e.getMessage().contains("(it emits [n, z])") &&
            e.getMessage().contains("vigil.rules.inputs") && e.getMessage().contains("vigil.rules.off"), e.getMessage());

        final RuleInputs mapped = RuleInputs.parse("amount_z=z, count_1m = n", "velocity,hopping,anomaly,card_testing");
        final DecisionRules r = new DecisionRules(c, mapped.resolve(small));
        assertEquals(DecisionRules.AMOUNT_ANOMALY, reasons(r.decide(0f, 0.99f, new float[] {9f, 6f}, 0, false)));
        assertEquals(0, reasons(r.decide(0f, 0.99f, new float[] {9f, 1f}, 0, false)), "anomaly off: no review");
        assertEquals(1, r.inputs().at(RuleInputs.AMOUNT_Z));
        assertEquals(-1, r.inputs().at(RuleInputs.COUNT_1M), "card testing off: not read");
        assertEquals(-1, r.inputs().at(RuleInputs.LOG_AMOUNT));

        assertThrows(IllegalArgumentException.class, () -> RuleInputs.parse("amount=z", ""), "unknown input");
        assertThrows(IllegalArgumentException.class, () -> RuleInputs.parse("", "speed"), "unknown rule");
        assertThrows(IllegalArgumentException.class, () -> RuleInputs.parse("amount_z", ""), "not input=feature");
    }
}
