/**
 * Decision rules: model score, anomaly score and features to an action with reason codes ({@link io.vigil.scoring.rules.DecisionRules}, thresholds in {@link io.vigil.scoring.rules.RulesConfig}).
 */
package io.vigil.scoring.rules;
