package io.vigil.engine;

import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.scoring.model.OnnxModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.FloatBuffer;

/**
 * ONNX inference, once per batch (a {@linkplain #barrier() barrier}): each transaction to answer adds a row to the
 * model's input tensor, the features the model reads gathered by name from the slot's vector (their positions,
 * {@link OnnxModel#inputIndices()}, decided once at load); at the end of the batch one {@code run} scores them all.
 * Without a model ({@code vigil.model.path=none}) every transaction is decided by the rules alone (MODEL_FALLBACK). A batch whose
 * inference throws or runs over its budget is marked MODEL_FALLBACK (decided by the rules alone). Not thread-safe;
 * allocation-free per event (ONNX Runtime's Java API allocates a few objects per batch).
 */
final class ModelStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(ModelStage.class);

    private final OnnxModel model;
    private final float[] scores;
    private final FloatBuffer modelInput;
    private final int width;
    /** Column i of a row is the slot's feature at gather[i]. */
    private final int[] gather;
    private final String modelVersion;
    private int rows;
    private long fallbacks;
    private long failures;
    private long overBudget;
    private long budgetNs;
    private boolean rulesOnly;

    /** @param model bound to the running feature set ({@link OnnxModel#bind}); unbound, it reads columns 0..width-1. */
    ModelStage(final OnnxModel model) {
        this.model = model;
        this.scores = new float[model.maxBatch()];
        this.modelInput = model.input();
        this.modelVersion = model.version();
        this.width = model.width();
        final int[] bound = model.inputIndices();
        this.gather = bound != null ? bound.clone() : java.util.stream.IntStream.range(0, width).toArray();
    }

    /** Without a model: every transaction is decided by the rules alone. */
    ModelStage(final int maxBatch) {
        this.model = null;
        this.scores = new float[maxBatch];
        this.modelInput = null;
        this.modelVersion = NO_MODEL;
        this.width = 0;
        this.gather = new int[0];
        this.rulesOnly = true;
    }

    /** The model version of decisions made without a model. */
    static final String NO_MODEL = "none";

    @Override
    public String name() {
        return "model";
    }

    @Override
    public boolean barrier() {
        return true;
    }

    int maxBatch() {
        return scores.length;
    }

    String modelVersion() {
        return modelVersion;
    }

    void budgetNs(final long budgetNs) {
        this.budgetNs = budgetNs;
    }

    void rulesOnly(final boolean rulesOnly) {
        this.rulesOnly = rulesOnly || model == null;
    }

    long fallbacks() {
        return fallbacks;
    }

    long failures() {
        return failures;
    }

    long overBudget() {
        return overBudget;
    }

    @Override
    public void onEvent(final EventSlot slot) {
        if (slot.templateId != TransactionDecoder.TEMPLATE_ID || slot.alreadyAnswered) {
            return;
        }
        if (model != null) {
            final int base = rows * width;
            final float[] features = slot.features;
            final int[] at = gather;
            for (int i = 0; i < at.length; i++) {
                modelInput.put(base + i, features[at[i]]);
            }
        }
        slot.needsInference = true;
        rows++;
    }

    @Override
    public void onBatchEnd(final EventSlot[] batch, final int count) {
        final int inferred = rows;
        rows = 0;
        boolean fallback = rulesOnly;
        if (inferred > 0 && !rulesOnly) {
            final long startNs = System.nanoTime();
            try {
                model.run(inferred, scores);
                final long tookNs = System.nanoTime() - startNs;
                if (budgetNs > 0 && tookNs > budgetNs) {
                    fallback = true;
                    fallbacks += inferred;
                    overBudget++;
                    if (Long.bitCount(overBudget) == 1) {
                        LOG.warn("model {} took {} us for a batch of {}, over its budget of {} us; deciding by rules " +
                            "alone ({} batches so far)", modelVersion, tookNs / 1000, inferred, budgetNs / 1000, overBudget);
                    }
                }
            } catch (final RuntimeException ex) {
                fallback = true;
                fallbacks += inferred;
                failures++;
                if (Long.bitCount(failures) == 1) {
                    LOG.warn("model {} failed on a batch of {}; deciding by rules alone ({} failed batches so far)",
                        modelVersion, inferred, failures, ex);
                }
            }
        }
        final long inferredNs = System.nanoTime();
        int row = 0;
        for (int i = 0; i < count; i++) {
            final EventSlot slot = batch[i];
            slot.inferredNs = inferredNs;
            if (slot.needsInference) {
                slot.modelFallback = fallback || slot.forceModelFallback;
                slot.modelScore = slot.modelFallback || row >= inferred ? 0f : scores[row];
                row++;
            }
        }
    }

    void close() {
        if (model != null) {
            model.close();
        }
    }
}
