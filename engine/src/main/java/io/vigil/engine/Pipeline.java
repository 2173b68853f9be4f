package io.vigil.engine;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.counters.RejectCounts;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionAnomaly;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.model.OnnxModel;
import io.vigil.scoring.rules.DecisionRules;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.FloatBuffer;

/**
 * The stages every event goes through, in order: decode and validate, features, anomaly score, model inference,
 * decision rules, output journal and answer. The live engine drives it from a Disruptor handler; offline replay
 * drives the very same object from a loop, so both compute bit for bit the same decisions.
 *
 * <p>Events are staged with {@link #stage} and completed, in order, by {@link #flush}: inference runs once per
 * batch of staged events. Not thread-safe: owned by the one pipeline thread, which also owns all per-key state.
 * Allocation-free per event in steady state; ONNX Runtime's Java API allocates a few objects per batch, and new
 * accounts or series grow the state tables.
 */
public final class Pipeline implements AutoCloseable {
    /**
     * Sees every event the pipeline answers, after its answer was journaled and sent: offline tools (feature export,
     * replay) read the slot's features, scores and decision from it. Called on the pipeline thread; must not keep
     * the slot.
     */
    @FunctionalInterface
    public interface Observer {
        void onAnswered(EventSlot slot, DirectBuffer answer, int offset, int length);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);
    private static final int ANSWER_BUFFER_BYTES = 256;

    private final EventValidator validator;
    private final TransactionFeatures features;
    private final MetricAnomalyScorer metrics;
    private final OnnxModel model;
    private final DecisionRules rules;
    private final JournalWriter output;
    private final JournalWriter deadLetters;
    private final ResponseSink sink;
    private final EventSlot[] staged;
    private final float[] scores;
    private final FloatBuffer modelInput;
    private final int width = TransactionFeatures.WIDTH;
    private final String modelVersion;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final TransactionDecoder transactionDecoder = new TransactionDecoder();
    private final MetricSampleDecoder metricDecoder = new MetricSampleDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final DecisionEncoder decisionEncoder = new DecisionEncoder();
    private final RejectEncoder rejectEncoder = new RejectEncoder();
    private final UnsafeBuffer answer = new UnsafeBuffer(new byte[ANSWER_BUFFER_BYTES]);
    private final RejectCounts rejectCounts = new RejectCounts();

    private int stagedCount;
    private int inferenceRows;
    private long answered;
    private long rejected;
    private long modelFallbacks;
    private long modelFailures;
    private long modelOverBudget;
    private long inferenceBudgetNs;
    private long lastInputIndex = RecordHeader.NO_INDEX;
    private long answeredUpToIndex = RecordHeader.NO_INDEX;
    private StageLatencies latencies;
    private Observer observer;
    private boolean rulesOnly;

    /**
     * @param output      where answers are journaled; null for a dry run that journals nothing.
     * @param deadLetters where rejected events are journaled; null for a dry run.
     */
    public Pipeline(
        final EventValidator validator,
        final TransactionFeatures features,
        final MetricAnomalyScorer metrics,
        final OnnxModel model,
        final DecisionRules rules,
        final JournalWriter output,
        final JournalWriter deadLetters,
        final ResponseSink sink) {
        this.validator = validator;
        this.features = features;
        this.metrics = metrics;
        this.model = model;
        this.rules = rules;
        this.output = output;
        this.deadLetters = deadLetters;
        this.sink = sink;
        this.staged = new EventSlot[model.maxBatch()];
        this.scores = new float[model.maxBatch()];
        this.modelInput = model.input();
        this.modelVersion = model.version();
        if (model.width() != width) {
            throw new IllegalArgumentException("model " + modelVersion + " takes " + model.width() +
                " features, the feature set " + TransactionFeatures.VERSION + " has " + width);
        }
    }

    /**
     * Events at or before this input index were answered before a restart: they update state but are neither
     * scored by the model nor answered nor journaled again.
     */
    public void answeredUpTo(final long inputIndex) {
        answeredUpToIndex = inputIndex;
    }

    /**
     * Offline what-if only: never run the model, decide every event by the rules and the anomaly score alone (as a
     * fallback does, MODEL_FALLBACK set).
     */
    public void rulesOnly(final boolean rulesOnly) {
        this.rulesOnly = rulesOnly;
    }

    /** Hands every answered event to {@code observer} (offline tools); null for none. */
    public void observer(final Observer observer) {
        this.observer = observer;
    }

    /** Records each answered event's stage times into {@code latencies} (live engine only). */
    public void recordLatencies(final StageLatencies latencies) {
        this.latencies = latencies;
    }

    /** Largest number of events staged before {@link #stage} flushes by itself. */
    public int maxBatch() {
        return staged.length;
    }

    /**
     * Decodes, validates and computes features and the anomaly score of one event, and stages it for inference and
     * decision. Flushes by itself when the batch is full.
     */
    public void stage(final EventSlot slot) {
        slot.reset();
        slot.alreadyAnswered = slot.input.index <= answeredUpToIndex;
        final int length = slot.input.payloadLength;
        if (length < MessageHeaderDecoder.ENCODED_LENGTH) {
            slot.rejectReason = RejectReason.FRAME_TOO_SHORT.value();
        } else {
            headerDecoder.wrap(slot.input.payload(), 0);
            slot.templateId = headerDecoder.templateId();
            if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
                stageTransaction(slot);
            } else if (slot.templateId == MetricSampleDecoder.TEMPLATE_ID) {
                stageMetric(slot);
            } else {
                slot.rejectReason = RejectReason.UNEXPECTED_MESSAGE.value();
            }
        }
        slot.anomalyNs = System.nanoTime();
        staged[stagedCount++] = slot;
        if (stagedCount == staged.length) {
            flush();
        }
    }

    private void stageTransaction(final EventSlot slot) {
        final TransactionDecoder tx = transactionDecoder;
        tx.wrapAndApplyHeader(slot.input.payload(), 0, headerDecoder);
        slot.eventTimeNs = tx.eventTimeNs();
        slot.entityKey = tx.accountId();
        slot.rejectReason = validator.validate(tx, slot.input.timeNs);
        slot.validatedNs = System.nanoTime();
        if (slot.rejectReason != 0) {
            return;
        }
        features.onTransaction(slot.input.tenantId, tx.accountId(), tx.merchantId(), tx.mcc(), tx.amountMinor(), tx.channelRaw(),
            tx.eventTimeNs(), slot.features, 0);
        slot.featuresNs = System.nanoTime();
        slot.anomalyScore = TransactionAnomaly.score(slot.features, 0);
        if (!slot.alreadyAnswered) {
            slot.needsInference = true;
            final int base = inferenceRows * width;
            for (int i = 0; i < width; i++) {
                modelInput.put(base + i, slot.features[i]);
            }
            inferenceRows++;
        }
    }

    private void stageMetric(final EventSlot slot) {
        final MetricSampleDecoder sample = metricDecoder;
        sample.wrapAndApplyHeader(slot.input.payload(), 0, headerDecoder);
        slot.eventTimeNs = sample.eventTimeNs();
        slot.entityKey = sample.seriesId();
        slot.rejectReason = validator.validate(sample, slot.input.timeNs);
        slot.validatedNs = System.nanoTime();
        if (slot.rejectReason != 0) {
            return;
        }
        slot.featuresNs = slot.validatedNs;
        slot.anomalyScore = (float)metrics.update(slot.input.tenantId, sample.seriesId(), sample.eventTimeNs(), sample.value());
        slot.decision = metrics.isAlert(slot.input.tenantId, sample.seriesId()) ?
            DecisionRules.pack(DecisionRules.REVIEW, DecisionRules.METRIC_ANOMALY) :
            DecisionRules.pack(DecisionRules.APPROVE, 0);
    }

    /** Runs inference over the staged events, then decides, journals and answers each of them in order. */
    public void flush() {
        if (stagedCount == 0) {
            return;
        }
        boolean fallback = rulesOnly;
        if (inferenceRows > 0 && !rulesOnly) {
            final long startNs = System.nanoTime();
            try {
                model.run(inferenceRows, scores);
                final long tookNs = System.nanoTime() - startNs;
                if (inferenceBudgetNs > 0 && tookNs > inferenceBudgetNs) {
                    fallback = true;
                    modelFallbacks += inferenceRows;
                    modelOverBudget++;
                    if (Long.bitCount(modelOverBudget) == 1) {
                        LOG.warn("model {} took {} us for a batch of {}, over its budget of {} us; deciding by rules " +
                            "alone ({} batches so far)", modelVersion, tookNs / 1000, inferenceRows, inferenceBudgetNs / 1000,
                            modelOverBudget);
                    }
                }
            } catch (final RuntimeException ex) {
                fallback = true;
                modelFallbacks += inferenceRows;
                modelFailures++;
                if (Long.bitCount(modelFailures) == 1) {
                    LOG.warn("model {} failed on a batch of {}; deciding by rules alone ({} failed batches so far)",
                        modelVersion, inferenceRows, modelFailures, ex);
                }
            }
        }
        final long inferredNs = System.nanoTime();
        int row = 0;
        for (int i = 0; i < stagedCount; i++) {
            final EventSlot slot = staged[i];
            staged[i] = null;
            slot.inferredNs = inferredNs;
            if (slot.needsInference) {
                slot.modelFallback = fallback || slot.forceModelFallback;
                slot.modelScore = slot.modelFallback ? 0f : scores[row];
                row++;
            }
            complete(slot);
        }
        stagedCount = 0;
        inferenceRows = 0;
    }

    private void complete(final EventSlot slot) {
        lastInputIndex = slot.input.index;
        if (slot.alreadyAnswered) {
            return;
        }
        final int length;
        final int answerTemplateId;
        if (slot.rejectReason != 0) {
            length = encodeReject(slot);
            answerTemplateId = RejectEncoder.TEMPLATE_ID;
            rejected++;
            rejectCounts.increment(slot.rejectReason);
            if (deadLetters != null) {
                final long dlqIndex = deadLetters.append(slot.input.timeNs, slot.input.sessionId, slot.input.clientId,
                    slot.input.clientSequence, slot.input.index, slot.input.tenantId, slot.rejectReason,
                    RecordHeader.SOURCE_ENGINE, slot.input.payload(), 0, slot.input.payloadLength);
                if (dlqIndex == JournalWriter.FAILED && deadLetters.failures() == 1) {
                    LOG.error("dead-letter journal append failed at input index {}; rejected events are still " +
                        "answered and stay in the input and output journals (logged once)", slot.input.index,
                        deadLetters.lastFailure());
                }
            }
        } else {
            length = encodeDecision(slot);
            answerTemplateId = DecisionEncoder.TEMPLATE_ID;
        }
        slot.decidedNs = System.nanoTime();
        if (output != null) {
            final long index = output.append(slot.input.timeNs, slot.input.sessionId, slot.input.clientId,
                slot.input.clientSequence, slot.input.index, slot.input.tenantId, answerTemplateId,
                0, answer, 0, length);
            if (index == JournalWriter.FAILED && output.failures() == 1) {
                LOG.error("output journal append failed at input index {}; answers are still sent, and after a " +
                    "restart events without a journaled answer are answered again (logged once)", slot.input.index,
                    output.lastFailure());
            }
        }
        answered++;
        if (latencies != null && slot.validatedNs != 0) {
            latencies.record(slot);
        }
        sink.onResponse(slot.input.sessionId, slot.input.tenantId, slot.input.clientId, answer, 0, length);
        if (observer != null) {
            observer.onAnswered(slot, answer, 0, length);
        }
    }

    private int encodeDecision(final EventSlot slot) {
        if (slot.templateId == TransactionDecoder.TEMPLATE_ID) {
            slot.decision = rules.decide(slot.modelScore, slot.anomalyScore, slot.features, 0, slot.modelFallback);
        }
        final int decision = slot.decision;
        final DecisionEncoder encoder = decisionEncoder.wrapAndApplyHeader(answer, 0, headerEncoder)
            .clientSequence(slot.input.clientSequence)
            .journalIndex(slot.input.index)
            .modelScore(slot.modelScore)
            .anomalyScore(slot.anomalyScore)
            .modelVersion(slot.templateId == TransactionDecoder.TEMPLATE_ID ? modelVersion : "")
            .action(Action.get((short)DecisionRules.action(decision)));
        answer.putInt(encoder.offset() + DecisionEncoder.reasonsEncodingOffset(), DecisionRules.reasons(decision),
            DecisionEncoder.BYTE_ORDER);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    private int encodeReject(final EventSlot slot) {
        final RejectEncoder encoder = rejectEncoder.wrapAndApplyHeader(answer, 0, headerEncoder)
            .clientSequence(slot.input.clientSequence)
            .reason(RejectReason.get(slot.rejectReason))
            .journalIndex(slot.input.index)
            .refTemplateId(slot.templateId);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /** Events answered (decided or rejected) since start. */
    public long answered() {
        return answered;
    }

    /** Events rejected by validation since start. */
    public long rejected() {
        return rejected;
    }

    /** Rejects by reason since start (the pipeline thread only: published to the counters at batch end). */
    public RejectCounts rejectCounts() {
        return rejectCounts;
    }

    /** Records appended to the dead-letter journal since start; the pipeline thread only. */
    public long deadLettered() {
        return deadLetters == null ? 0 : deadLetters.appended();
    }

    /** Appends to the output or dead-letter journal that failed since start; the pipeline thread only. */
    public long journalFailures() {
        return (output == null ? 0 : output.failures()) + (deadLetters == null ? 0 : deadLetters.failures());
    }

    /** Index of the last answer appended to the output journal, -1 if none; the pipeline thread only. */
    public long lastOutputIndex() {
        return output == null ? RecordHeader.NO_INDEX : output.lastIndex();
    }

    /**
     * A batch whose inference takes longer than this is decided by the rules alone (MODEL_FALLBACK); 0 disables.
     * Live engine only: replay reproduces the recorded fallbacks instead (see {@link EventSlot#forceModelFallback}).
     */
    public void inferenceBudgetNs(final long budgetNs) {
        this.inferenceBudgetNs = budgetNs;
    }

    /** Inference calls that threw. */
    public long modelFailures() {
        return modelFailures;
    }

    /** Inference calls that returned after their budget. */
    public long modelOverBudget() {
        return modelOverBudget;
    }

    /** Events decided by rules alone because inference failed. */
    public long modelFallbacks() {
        return modelFallbacks;
    }

    /** Input index of the last event completed, -1 if none. */
    public long lastInputIndex() {
        return lastInputIndex;
    }

    public TransactionFeatures features() {
        return features;
    }

    /** The metric series' anomaly state (checkpoints). */
    public MetricAnomalyScorer metrics() {
        return metrics;
    }

    public String modelVersion() {
        return modelVersion;
    }

    @Override
    public void close() {
        if (output != null) {
            output.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
        model.close();
    }
}
