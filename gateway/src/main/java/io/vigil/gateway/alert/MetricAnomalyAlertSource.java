package io.vigil.gateway.alert;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code MetricAnomaly} alerts: the pipeline scores each MetricSample with its series' detectors and writes the score
 * into the event's Decision in the output journal. This source tails the output journal on the alert thread (its own
 * Chronicle tailer: the pipeline is not touched), and for each Decision scored at or above the threshold reads the
 * input record it answers (the output record's reference index) to learn whether it was a metric sample and of which
 * series. A series alerts (labels {@code series}, {@code tenant}, {@code severity=ticket}; the score, its highest and
 * the event time in the annotations: values that change do not belong in labels, which identify the alert) until no
 * sample of it has scored that high for the hold time.
 *
 * <p>It starts at the end of the output journal (history does not alert), reads at most {@code maxRecordsPerTick}
 * answers per evaluation, and follows the server's journals when they are reopened after a storage failure. Not
 * thread-safe: the alert thread only (Chronicle tailers are confined to the thread that uses them).
 */
public final class MetricAnomalyAlertSource implements AlertSource {
    public static final String ALERT = "MetricAnomaly";
    private static final Logger LOG = LoggerFactory.getLogger(MetricAnomalyAlertSource.class);

    private record Hot(int tenantId, long seriesId, long lastHighMs, double lastScore, double maxScore,
        long eventTimeNs) {
    }

    private final Supplier<Journals> journals;
    private final double threshold;
    private final long holdMs;
    private final int maxRecordsPerTick;
    private final JournalRecord answer = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
    private final JournalRecord event = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final DecisionDecoder decision = new DecisionDecoder();
    private final MetricSampleDecoder sample = new MetricSampleDecoder();
    private final Map<String, Hot> hot = new LinkedHashMap<>();
    private Journals current;
    private JournalReader output;
    private JournalReader input;
    private long lastOutputIndex = -1;
    private long answersRead;

    public MetricAnomalyAlertSource(final Supplier<Journals> journals, final double threshold, final long holdMs,
        final int maxRecordsPerTick) {
        this.journals = journals;
        this.threshold = threshold;
        this.holdMs = holdMs;
        this.maxRecordsPerTick = maxRecordsPerTick;
    }

    @Override
    public String name() {
        return "metric-anomaly";
    }

    @Override
    public void evaluate(final long nowMs, final List<Active> into) {
        try {
            readAnswers(nowMs);
        } catch (final RuntimeException ex) {
            // the journals are being reopened (or closed): the next evaluation opens the new ones
            closeReaders();
            throw ex;
        } finally {
            for (final Iterator<Hot> it = hot.values().iterator(); it.hasNext(); ) {
                final Hot series = it.next();
                if (nowMs - series.lastHighMs() > holdMs) {
                    it.remove();
                    continue;
                }
                final Map<String, String> annotations = new LinkedHashMap<>();
                annotations.put("summary", "metric series " + Long.toUnsignedString(series.seriesId()) +
                    " scored anomalous");
                annotations.put("score", String.format(Locale.ROOT, "%.4f", series.lastScore()));
                annotations.put("max_score", String.format(Locale.ROOT, "%.4f", series.maxScore()));
                annotations.put("threshold", String.format(Locale.ROOT, "%.4f", threshold));
                annotations.put("event_time_ns", Long.toString(series.eventTimeNs()));
                into.add(new Active(ALERT, Map.of("series", Long.toUnsignedString(series.seriesId()),
                    "tenant", Integer.toUnsignedString(series.tenantId()), "severity", "ticket"), annotations));
            }
        }
    }

    private void readAnswers(final long nowMs) {
        final Journals now = journals.get();
        if (now == null) {
            return;
        }
        if (now != current) {
            closeReaders();
            output = now.outputReader();
            input = now.inputReader();
            if (lastOutputIndex < 0) {
                output.toEnd();
            } else if (output.moveToIndex(lastOutputIndex)) {
                output.read(answer); // the last one read before: skip it
            } else {
                output.toEnd();
            }
            current = now;
        }
        for (int i = 0; i < maxRecordsPerTick && output.read(answer); i++) {
            lastOutputIndex = answer.index;
            answersRead++;
            if (answer.code != DecisionDecoder.TEMPLATE_ID || answer.payloadLength < MessageHeaderDecoder.ENCODED_LENGTH) {
                continue;
            }
            decision.wrapAndApplyHeader(answer.payload(), 0, header);
            final double score = decision.anomalyScore();
            if (!(score >= threshold)) {
                continue;
            }
            if (!input.readAt(answer.refIndex, event) || event.code != MetricSampleDecoder.TEMPLATE_ID) {
                continue;
            }
            sample.wrapAndApplyHeader(event.payload(), 0, header);
            final String key = event.tenantId + "/" + sample.seriesId();
            final Hot before = hot.get(key);
            hot.put(key, new Hot(event.tenantId, sample.seriesId(), nowMs, score,
                before == null ? score : Math.max(score, before.maxScore()), sample.eventTimeNs()));
        }
    }

    /** Answers read from the output journal since start (tests, diagnostics). */
    public long answersRead() {
        return answersRead;
    }

    private void closeReaders() {
        for (final JournalReader reader : new JournalReader[] {output, input}) {
            if (reader != null) {
                try {
                    reader.close();
                } catch (final RuntimeException ex) {
                    LOG.debug("closing a journal reader of the replaced journals", ex);
                }
            }
        }
        output = null;
        input = null;
        current = null;
    }

    @Override
    public void close() {
        closeReaders();
    }
}
