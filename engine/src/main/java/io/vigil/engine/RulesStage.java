package io.vigil.engine;

import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.rules.DecisionRules;

/**
 * The one place decisions are made: a transaction by {@link DecisionRules} from its model score, anomaly score and
 * features; a metric sample by its series' alert state. Not thread-safe; allocation-free.
 */
final class RulesStage implements Stage {
    private DecisionRules rules;

    RulesStage(final DecisionRules rules) {
        this.rules = rules;
    }

    DecisionRules rules() {
        return rules;
    }

    @Override
    public String name() {
        return "rules";
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.alreadyAnswered) {
            return;
        }
        if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
            slot.decision = rules.decide(slot.modelScore, slot.anomalyScore, slot.features, 0, slot.modelFallback);
        } else if (slot.templateId == MetricSampleDecoder.TEMPLATE_ID) {
            slot.decision = slot.metricAlert ?
                DecisionRules.pack(DecisionRules.REVIEW, DecisionRules.METRIC_ANOMALY) :
                DecisionRules.pack(DecisionRules.APPROVE, 0);
        }
    }
}
