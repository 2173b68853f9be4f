package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.WatermarkTickDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.rules.DecisionRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event time through a real server and a real client over loopback: the gateway's watermark ticks (one at start,
 * then periodic while events flow) start event time, and answers carry LATE_EVENT and TOO_LATE as the policy says.
 */
@Timeout(60)
class EventTimeEndToEndTest {
    private static final String CREDENTIAL = "event-time";

    @TempDir
    Path dataDir;

    @Test
    void shouldTickFromTheStartAndMarkLateAndTooLateEvents() throws Exception {
        final Map<Long, Long> reasons = new ConcurrentHashMap<>();
        final VigilClient.Listener listener = new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                reasons.put(decision.clientSequence(), decision.reasons().getRaw());
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                reasons.put(reject.clientSequence(), -1L);
            }
        };
        final long s = 1_000_000_000L;
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
                VigilConfig.DATA_DIR.name(), dataDir.toString(),
                GatewayConfiguration.PORT.name(), "0",
                GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
                VigilConfig.WATERMARK_TICK_INTERVAL.name(), "200ms",
                VigilConfig.LATENESS_ALLOWED.name(), "30s")));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 5, 1, listener);
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            send(client, 1, nowNs);
            send(client, 2, nowNs - 3 * s); // within the 5 s bound: not late
            send(client, 3, nowNs - 20 * s); // 15 s behind the watermark: late, applied
            send(client, 4, nowNs - 60 * s); // 55 s behind: too late
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (reasons.size() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            final long eventTimeBits = DecisionRules.LATE_EVENT | DecisionRules.TOO_LATE;
            assertEquals(0L, reasons.get(1L) & eventTimeBits);
            assertEquals(0L, reasons.get(2L) & eventTimeBits);
            assertEquals((long)DecisionRules.LATE_EVENT, reasons.get(3L) & eventTimeBits);
            assertEquals((long)DecisionRules.TOO_LATE, reasons.get(4L));
            Thread.sleep(700); // a few sweeps: ticks go on while events were journaled recently
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            assertTrue(reader.read(record));
            assertEquals(WatermarkTickDecoder.TEMPLATE_ID, record.code, "the first record is the start tick");
            assertEquals(RecordHeader.SOURCE_ADMIN, record.source);
            int ticks = 1;
            long lastTime = record.timeNs;
            while (reader.read(record)) {
                assertTrue(record.timeNs >= lastTime, "ingest times stay in order");
                lastTime = record.timeNs;
                ticks += record.code == WatermarkTickDecoder.TEMPLATE_ID ? 1 : 0;
            }
            assertTrue(ticks >= 3, "periodic ticks while events flow: " + ticks);
        }
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader late = journals.lateReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            assertTrue(late.read(record), "the too-late event is in late/");
            assertEquals(4, record.clientSequence);
            assertTrue(!late.read(record), "only it");
        }
    }

    private static void send(final VigilClient client, final long sequence, final long eventTimeNs) throws Exception {
        client.sendTransaction(sequence, eventTimeNs, 42, 7, 5411, 1_000, "EUR", "DE", Channel.POS, Label.UNKNOWN);
    }
}
