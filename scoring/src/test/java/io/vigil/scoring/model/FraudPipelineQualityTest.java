package io.vigil.scoring.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.vigil.scoring.features.TransactionAnomaly;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.rules.DecisionRules;
import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;

/**
 * The whole scoring chain in Java (generator → features → ONNX model in batches → rules) on a seed the model
 * was not fitted on: precision and recall of the committed model must be meaningful, and allocation per
 * batch small.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FraudPipelineQualityTest {
    private static final int BATCH = 64;

    @Test
    void shouldDetectHeldOutFraudWithUsefulPrecisionAndRecall() {
        final SyntheticTransactions stream =
            new SyntheticTransactions(20_260_101L, 20_000, TrainingDataExport.START_EVENT_TIME_NS, 20_000_000L, 0.005);
        final TransactionFeatures features = new TransactionFeatures(20_000);
        final DecisionRules rules = new DecisionRules();
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] rows = new float[BATCH * TransactionFeatures.WIDTH];
        final boolean[] labels = new boolean[BATCH];
        final float[] scores = new float[BATCH];
        long tp = 0;
        long fp = 0;
        long fn = 0;
        long ruleTp = 0;
        long ruleFp = 0;
        final long[] legitReasons = new long[8];
        final long[] fraudReasons = new long[8];
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        long allocatedInRuns = 0;
        long runs = 0;
        try (OnnxModel model = OnnxModel.loadDefault(BATCH)) {
            for (int batch = 0; batch < 600_000 / BATCH; batch++) {
                for (int r = 0; r < BATCH; r++) {
                    stream.next(tx);
                    features.onTransaction(1, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel,
                        tx.eventTimeNs, rows, r * TransactionFeatures.WIDTH);
                    labels[r] = tx.fraud;
                }
                model.input().put(0, rows);
                final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
                model.run(BATCH, scores);
                if (batch > 1000) {
                    allocatedInRuns += threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
                    runs++;
                }
                if (batch < 200_000 / BATCH) {
                    continue; // warm-up: let account histories build up
                }
                for (int r = 0; r < BATCH; r++) {
                    final int offset = r * TransactionFeatures.WIDTH;
                    final int decision = rules.decide(
                        scores[r], TransactionAnomaly.score(rows, offset), rows, offset, false);
                    final boolean flagged = DecisionRules.action(decision) != DecisionRules.APPROVE;
                    final boolean ruleFlagged =
                        DecisionRules.action(rules.decide(0f, TransactionAnomaly.score(rows, offset), rows, offset, true)) !=
                        DecisionRules.APPROVE;
                    for (int bit = 0; bit < 8; bit++) {
                        if ((DecisionRules.reasons(decision) & (1 << bit)) != 0) {
                            (labels[r] ? fraudReasons : legitReasons)[bit]++;
                        }
                    }
                    if (flagged && labels[r]) {
                        tp++;
                    } else if (flagged) {
                        fp++;
                    } else if (labels[r]) {
                        fn++;
                    }
                    if (ruleFlagged && labels[r]) {
                        ruleTp++;
                    } else if (ruleFlagged) {
                        ruleFp++;
                    }
                }
            }
        }
        final double precision = tp / (double)Math.max(1, tp + fp);
        final double recall = tp / (double)Math.max(1, tp + fn);
        final double rulePrecision = ruleTp / (double)Math.max(1, ruleTp + ruleFp);
        final double ruleRecall = ruleTp / (double)Math.max(1, tp + fn);
        System.out.printf("model+rules: precision %.3f recall %.3f (tp %d fp %d fn %d); rules only (fallback): " +
            "precision %.3f recall %.3f; ORT run allocates %d bytes per batch of %d%n",
            precision, recall, tp, fp, fn, rulePrecision, ruleRecall, allocatedInRuns / Math.max(1, runs), BATCH);
        System.out.println("reason bits on legit events " + java.util.Arrays.toString(legitReasons) +
            ", on fraud events " + java.util.Arrays.toString(fraudReasons));
        assertTrue(precision >= 0.6 && precision <= 0.995, "precision " + precision);
        assertTrue(recall >= 0.6 && recall <= 0.995, "recall " + recall);
        assertTrue(allocatedInRuns / Math.max(1, runs) < 4096, "bytes per run " + allocatedInRuns / Math.max(1, runs));
    }
}
