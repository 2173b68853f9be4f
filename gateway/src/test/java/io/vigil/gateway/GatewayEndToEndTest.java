package io.vigil.gateway;

import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class GatewayEndToEndTest {
    private static final String CREDENTIAL = "test-secret";
    private static final long NS_PER_DAY = TimeUnit.DAYS.toNanos(1);

    @TempDir
    Path dataDir;
    private VigilServer server;

    /** What a test expects for one client sequence: a Decision, or a Reject with this reason. */
    private static final RejectReason DECISION = null;

    @BeforeEach
    void startServer() throws InterruptedException {
        server = VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY")));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** Records every answer by client sequence. */
    static final class Answers implements VigilClient.Listener {
        final Map<Long, String> bySequence = new ConcurrentHashMap<>();
        final Map<Long, Long> journalIndex = new ConcurrentHashMap<>();
        final AtomicInteger duplicates = new AtomicInteger();
        final AtomicInteger count = new AtomicInteger();
        /** The reason bits of each decision, by client sequence. */
        final Map<Long, Integer> reasons = new ConcurrentHashMap<>();

        @Override
        public void onDecision(final DecisionDecoder decision) {
            reasons.put(decision.clientSequence(), (int)decision.reasons().getRaw());
            record(decision.clientSequence(), "DECISION", decision.journalIndex());
        }

        @Override
        public void onReject(final RejectDecoder reject) {
            record(reject.clientSequence(), reject.reason().name(), reject.journalIndex());
        }

        private void record(final long sequence, final String what, final long index) {
            if (bySequence.putIfAbsent(sequence, what) != null) {
                duplicates.incrementAndGet();
            }
            journalIndex.put(sequence, index);
            count.incrementAndGet();
        }

        void await(final int expected) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count.get() < expected && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
        }
    }

    @Test
    void shouldAnswerEveryEventOnceAndJournalDecisionsAndDeadLetters() throws Exception {
        final Answers answers = new Answers();
        final Map<Long, RejectReason> expected = new HashMap<>();
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final int events = 300;
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            assertEquals(0, client.logon(CREDENTIAL, 1, 77, 1, answers));
            for (long seq = 1; seq <= events; seq++) {
                final long eventTimeNs = nowNs - (events - seq) * 1_000_000_000L;
                switch ((int)(seq % 10)) {
                    case 0:
                        client.sendTransaction(seq, eventTimeNs, 5, 6, 5411, 0, "EUR", "DE", Channel.POS, Label.UNKNOWN);
                        expected.put(seq, RejectReason.INVALID_AMOUNT);
                        break;
                    case 1:
                        client.sendTransaction(seq, eventTimeNs, 5, 6, 5411, 100, "QQQ", "DE", Channel.POS, Label.UNKNOWN);
                        expected.put(seq, RejectReason.UNKNOWN_CURRENCY);
                        break;
                    case 2:
                        client.sendTransaction(seq, nowNs + NS_PER_DAY, 5, 6, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
                        expected.put(seq, RejectReason.EVENT_TIME_IN_FUTURE);
                        break;
                    case 3:
                        client.sendTransaction(seq, nowNs - 30 * NS_PER_DAY, 5, 6, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
                        expected.put(seq, RejectReason.EVENT_TIME_TOO_OLD);
                        break;
                    case 4:
                        client.sendTransaction(seq, eventTimeNs, 5, 6, 5411, 1_000_000_000_000L, "EUR", "DE", Channel.POS, Label.UNKNOWN);
                        expected.put(seq, RejectReason.AMOUNT_OVER_LIMIT);
                        break;
                    case 5:
                        client.sendMetric(seq, eventTimeNs, 3, 42.0 + seq % 3);
                        expected.put(seq, DECISION);
                        break;
                    case 6:
                        client.sendMetric(seq, eventTimeNs, 3, Double.NaN);
                        expected.put(seq, RejectReason.INVALID_VALUE);
                        break;
                    default:
                        client.sendTransaction(seq, eventTimeNs, 1000 + seq % 7, 2000 + seq % 13, 5411, 1500 + seq, "EUR", "DE",
                            Channel.ECOMMERCE, Label.LEGIT);
                        expected.put(seq, DECISION);
                }
            }
            answers.await(events);
            // a sequence already journaled is answered again from the output journal and journaled nowhere
            client.sendTransaction(150, nowNs, 5, 6, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            answers.await(events + 1);
        }

        assertEquals(events + 1, answers.count.get(), "one answer per event");
        assertEquals(1, answers.duplicates.get(), "only the resent sequence 150 is answered twice");
        for (long seq = 1; seq <= events; seq++) {
            final RejectReason reason = expected.get(seq);
            if (seq == 150) {
                continue;
            }
            assertEquals(reason == null ? "DECISION" : reason.name(), answers.bySequence.get(seq), "sequence " + seq);
        }
        assertTrue(server.engine().awaitCaughtUp(10, TimeUnit.SECONDS));

        // input journal: every event once, in order; output: one answer per input record, pointing back at it
        final Journals journals = server.journals();
        final Map<Long, Long> inputIndexBySequence = new HashMap<>();
        try (JournalReader input = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (input.read(record)) {
                if (record.source == RecordHeader.SOURCE_ADMIN) {
                    continue; // a control record: the gateway's watermark ticks
                }
                assertNull(inputIndexBySequence.put(record.clientSequence, record.index), "journaled twice: " + record);
                assertEquals(77, record.clientId);
            }
        }
        assertEquals(events, inputIndexBySequence.size());

        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final DecisionDecoder decision = new DecisionDecoder();
        final RejectDecoder reject = new RejectDecoder();
        int decisions = 0;
        int rejects = 0;
        try (JournalReader output = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (output.read(record)) {
                assertEquals(inputIndexBySequence.get(record.clientSequence), record.refIndex);
                header.wrap(record.payload(), 0);
                if (header.templateId() == DecisionDecoder.TEMPLATE_ID) {
                    decision.wrapAndApplyHeader(record.payload(), 0, header);
                    assertNull(expected.get(record.clientSequence), "decided but should be rejected: " + record.clientSequence);
                    assertEquals(record.refIndex, decision.journalIndex());
                    assertEquals(record.refIndex, (long)answers.journalIndex.get(record.clientSequence));
                    decisions++;
                } else {
                    reject.wrapAndApplyHeader(record.payload(), 0, header);
                    assertEquals(expected.get(record.clientSequence), reject.reason());
                    rejects++;
                }
            }
        }
        final long expectedRejects = expected.values().stream().filter(r -> r != null).count();
        assertEquals(expectedRejects, rejects);
        assertEquals(events - expectedRejects, decisions);

        // dead letters: every engine reject with its reason and input index; the resent sequence left none
        int engineDeadLetters = 0;
        int gatewayDeadLetters = 0;
        try (JournalReader dlq = journals.deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (dlq.read(record)) {
                if (record.source == RecordHeader.SOURCE_ENGINE) {
                    assertEquals(expected.get(record.clientSequence).value(), record.code);
                    assertEquals(inputIndexBySequence.get(record.clientSequence), record.refIndex);
                    engineDeadLetters++;
                } else {
                    assertEquals(RecordHeader.SOURCE_GATEWAY, record.source);
                    assertEquals(RejectReason.SEQUENCE_NOT_INCREASING.value(), record.code);
                    assertEquals(150, record.clientSequence);
                    gatewayDeadLetters++;
                }
            }
        }
        assertEquals(expectedRejects, engineDeadLetters);
        assertEquals(0, gatewayDeadLetters);
    }

    @Test
    void shouldRejectWrongCredentialAndClose() throws Exception {
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            final VigilClient.LogonRejectedException ex = assertThrows(VigilClient.LogonRejectedException.class,
                () -> client.logon("not-the-secret", 1, 5, 1, new Answers()));
            assertEquals(RejectReason.BAD_CREDENTIAL, ex.reason());
        }
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon("wrong", 5));
            assertEquals(RejectReason.BAD_CREDENTIAL, raw.readReject().reason());
            assertTrue(raw.closedByServer());
        }
    }

    @Test
    void shouldRejectEventsBeforeLogonAndKeepTheConnection() throws Exception {
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR"));
            final RejectDecoder reject = raw.readReject();
            assertEquals(RejectReason.NOT_LOGGED_ON, reject.reason());
            assertEquals(1, reject.clientSequence());
            raw.send(raw.frame, raw.logon(CREDENTIAL, 9));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            raw.send(raw.frame, raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR"));
            assertEquals(DecisionDecoder.TEMPLATE_ID, raw.readFrame());
        }
        assertEquals(1, countDeadLetters(RejectReason.NOT_LOGGED_ON));
    }

    @Test
    void shouldRejectBrokenFramingThenCloseAndKeepServing() throws Exception {
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(new byte[] {0, 0, 0, 20, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14});
            assertEquals(RejectReason.BAD_ENCODING_TYPE, raw.readReject().reason());
            assertTrue(raw.closedByServer());
        }
        try (RawConnection raw = new RawConnection(server.port())) {
            final byte[] big = new byte[2000];
            big[2] = (byte)(2000 >> 8);
            big[3] = (byte)(2000 & 0xFF);
            big[4] = 0x5B;
            big[5] = (byte)0xE0;
            raw.send(big);
            assertEquals(RejectReason.FRAME_TOO_LARGE, raw.readReject().reason());
            assertTrue(raw.closedByServer());
        }
        assertEquals(1, countDeadLetters(RejectReason.BAD_ENCODING_TYPE));
        assertEquals(1, countDeadLetters(RejectReason.FRAME_TOO_LARGE));
        assertServerStillDecides();
    }

    @Test
    void shouldRejectUnknownTemplateAndContinue() throws Exception {
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 11));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            final int length = raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR");
            raw.frame.putShort(Framing.SOFH_LENGTH + 2, (short)999, MessageHeaderDecoder.BYTE_ORDER);
            raw.send(raw.frame, length);
            final RejectDecoder reject = raw.readReject();
            assertEquals(RejectReason.UNKNOWN_TEMPLATE, reject.reason());
            assertEquals(999, reject.refTemplateId());
            raw.send(raw.frame, raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR"));
            assertEquals(DecisionDecoder.TEMPLATE_ID, raw.readFrame());
        }
        assertEquals(1, countDeadLetters(RejectReason.UNKNOWN_TEMPLATE));
    }

    @Test
    void shouldDeadLetterAFrameTruncatedByADisconnect() throws Exception {
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 12));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            final int length = raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR");
            raw.send(raw.frame, length - 10);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (countDeadLetters(RejectReason.TRUNCATED_FRAME) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, countDeadLetters(RejectReason.TRUNCATED_FRAME));
        assertServerStillDecides();
    }

    private void assertServerStillDecides() throws Exception {
        final Answers answers = new Answers();
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            final long last = client.logon(CREDENTIAL, 1, 99, 1, answers);
            client.sendTransaction(last + 1, System.currentTimeMillis() * 1_000_000L, 1, 2, 5411, 100, "EUR", "DE",
                Channel.POS, Label.UNKNOWN);
            answers.await(1);
            assertEquals("DECISION", answers.bySequence.get(last + 1));
        }
    }

    private long countDeadLetters(final RejectReason reason) {
        long count = 0;
        try (JournalReader dlq = server.journals().deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (dlq.read(record)) {
                if (record.code == reason.value()) {
                    assertNotNull(record.payload());
                    assertTrue(record.payloadLength > 0);
                    count++;
                }
            }
        }
        return count;
    }
}
