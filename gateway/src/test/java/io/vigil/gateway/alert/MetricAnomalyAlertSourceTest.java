package io.vigil.gateway.alert;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleEncoder;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Metric anomaly alerts read from real journals in a temporary directory: a Decision scored at or above the threshold
 * that answers a MetricSample alerts for that series until the hold time passes without another.
 */
@Timeout(60)
class MetricAnomalyAlertSourceTest {
    private static final int TENANT = 3;

    @TempDir
    Path dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();

    private long metric(final Journals journals, final long sequence, final long seriesId) {
        final MetricSampleEncoder sample = new MetricSampleEncoder().wrapAndApplyHeader(buffer, 0, header)
            .clientSequence(sequence).eventTimeNs(1_000 * sequence).seriesId(seriesId).value(42.0);
        return journals.inputWriter().append(sequence, 1, 9, sequence, RecordHeader.NO_INDEX, TENANT,
            MetricSampleEncoder.TEMPLATE_ID, 0, buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + sample.encodedLength());
    }

    private void decision(final Journals journals, final long inputIndex, final long sequence, final float score) {
        final DecisionEncoder decision = new DecisionEncoder().wrapAndApplyHeader(buffer, 0, header)
            .clientSequence(sequence).journalIndex(inputIndex).modelScore(0).anomalyScore(score).action(Action.REVIEW);
        journals.outputWriter().append(sequence, 1, 9, sequence, inputIndex, TENANT, DecisionEncoder.TEMPLATE_ID, 0,
            buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + decision.encodedLength());
    }

    @Test
    void shouldAlertForASeriesScoredAboveTheThresholdUntilTheHoldTimePasses() {
        try (Journals journals = Journals.open(dir, Journals.rollCycle("FAST_DAILY"))) {
            // history before the source starts does not alert
            decision(journals, metric(journals, 1, 7), 1, 0.999f);
            final MetricAnomalyAlertSource source = new MetricAnomalyAlertSource(() -> journals, 0.99, 60_000, 1000);
            final List<AlertSource.Active> active = new ArrayList<>();
            source.evaluate(0, active);
            assertEquals(List.of(), active);

            decision(journals, metric(journals, 2, 7), 2, 0.995f);
            decision(journals, metric(journals, 3, 8), 3, 0.5f);
            decision(journals, metric(journals, 4, 7), 4, 0.992f);
            source.evaluate(10_000, active);
            assertEquals(3, source.answersRead());
            assertEquals(1, active.size(), active.toString());
            final AlertSource.Active alert = active.get(0);
            assertEquals(MetricAnomalyAlertSource.ALERT, alert.name());
            assertEquals(Map.of("series", "7", "tenant", "3", "severity", "ticket"), alert.labels());
            assertEquals("0.9920", alert.annotations().get("score"));
            assertEquals("0.9950", alert.annotations().get("max_score"));
            assertEquals("4000", alert.annotations().get("event_time_ns"));

            // still within the hold time: still alerting; past it: resolved
            active.clear();
            source.evaluate(70_000, active);
            assertEquals(1, active.size());
            active.clear();
            source.evaluate(70_001, active);
            assertEquals(List.of(), active);
            source.close();
        }
    }
}
