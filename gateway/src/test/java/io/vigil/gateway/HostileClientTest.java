package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.EngineContext;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class HostileClientTest {
    private static final String CREDENTIAL = "hostile-test";

    @TempDir
    Path dataDir;
    private VigilServer server;

    /** A server on the defaults and a fresh data directory, with the gateway's values {@code settings} sets. */
    private void start(final java.util.function.UnaryOperator<GatewayContext> settings) throws InterruptedException {
        final VigilConfig defaults = VigilConfig.of(Map.of());
        final GatewayContext gateway = new GatewayContext(defaults).port(0).credential(CREDENTIAL)
            .heartbeatIntervalNs(TimeUnit.SECONDS.toNanos(10));
        server = VigilServer.start(settings.apply(gateway),
            new EngineContext(defaults).dataDir(dataDir).rollCycle("FAST_DAILY"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldCloseAConnectionThatHoldsAPartialFrame() throws Exception {
        start(g -> g.frameTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300)));
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 3));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR");
            raw.send(raw.frame, 10);
            assertEquals(RejectReason.FRAME_TIMEOUT, raw.readReject().reason());
            assertTrue(raw.closedByServer());
        }
        assertEquals(1, deadLetters(RejectReason.FRAME_TIMEOUT));
        assertEquals(1, eventually(() -> server.gatewayRejects(RejectReason.FRAME_TIMEOUT), 1));
    }

    @Test
    void shouldRefuseConnectionsOverTheLimit() throws Exception {
        start(g -> g.maxConnections(2));
        try (RawConnection first = new RawConnection(server.port());
             RawConnection second = new RawConnection(server.port())) {
            first.send(first.frame, first.logon(CREDENTIAL, 1));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, first.readFrame());
            second.send(second.frame, second.logon(CREDENTIAL, 2));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, second.readFrame());
            try (RawConnection third = new RawConnection(server.port())) {
                assertEquals(RejectReason.TOO_MANY_CONNECTIONS, third.readReject().reason());
                assertTrue(third.closedByServer());
            }
            assertEquals(1, eventually(() -> server.gatewayRejects(RejectReason.TOO_MANY_CONNECTIONS), 1));
        }
        Thread.sleep(200);
        try (RawConnection again = new RawConnection(server.port())) {
            again.send(again.frame, again.logon(CREDENTIAL, 4));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, again.readFrame());
        }
    }

    @Test
    void shouldRefuseAnAddressAfterRepeatedLogonFailures() throws Exception {
        start(g -> g.logonFailuresMax(3).logonFailuresWindowNs(TimeUnit.MINUTES.toNanos(1)));
        for (int i = 0; i < 3; i++) {
            try (RawConnection raw = new RawConnection(server.port())) {
                raw.send(raw.frame, raw.logon("guess-" + i, 5));
                assertEquals(RejectReason.BAD_CREDENTIAL, raw.readReject().reason());
                assertTrue(raw.closedByServer());
            }
        }
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 5));
            assertEquals(RejectReason.TOO_MANY_LOGON_FAILURES, raw.readReject().reason());
            assertTrue(raw.closedByServer());
        }
        assertEquals(3, deadLetters(RejectReason.BAD_CREDENTIAL));
        assertEquals(1, deadLetters(RejectReason.TOO_MANY_LOGON_FAILURES));
        assertEquals(3, eventually(() -> server.gatewayRejects(RejectReason.BAD_CREDENTIAL), 3));
        assertEquals(1, eventually(() -> server.gatewayRejects(RejectReason.TOO_MANY_LOGON_FAILURES), 1));
    }

    @Test
    void shouldAcceptSequenceGapsAndRefuseRegressionsIntoThem() throws Exception {
        start(g -> g);
        final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 21, 1, answers);
            for (final long seq : new long[] {1, 5, 100}) {
                client.sendTransaction(seq, nowNs, 1, 2, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            }
            answers.await(3);
            client.sendTransaction(50, nowNs, 1, 2, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            answers.await(4);
        }
        assertEquals("DECISION", answers.bySequence.get(1L));
        assertEquals("DECISION", answers.bySequence.get(5L));
        assertEquals("DECISION", answers.bySequence.get(100L));
        assertEquals(RejectReason.SEQUENCE_NOT_INCREASING.name(), answers.bySequence.get(50L));
        assertEquals(4, answers.count.get());
    }

    @Test
    void shouldRefuseSequencesAbove2To63Minus1AsOutOfRange() throws Exception {
        start(g -> g);
        final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final long twoTo63 = Long.MIN_VALUE;
        final long twoTo64Minus1 = -1L;
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 22, 1, answers);
            client.sendTransaction(Long.MAX_VALUE - 1, Long.MIN_VALUE, 1, 2, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            client.sendTransaction(Long.MAX_VALUE, nowNs, 1, 2, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            answers.await(2);
            for (final long seq : new long[] {twoTo63, twoTo64Minus1, Long.MAX_VALUE, 5}) {
                client.sendTransaction(seq, nowNs, 1, 2, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            }
            answers.await(6);
        }
        assertEquals(RejectReason.EVENT_TIME_TOO_OLD.name(), answers.bySequence.get(Long.MAX_VALUE - 1),
            "an event time of -2^63 is too old, not in the future");
        assertEquals("DECISION", answers.bySequence.get(Long.MAX_VALUE), "2^63 - 1 is the last sequence");
        assertEquals(RejectReason.SEQUENCE_OUT_OF_RANGE.name(), answers.bySequence.get(twoTo63));
        assertEquals(RejectReason.SEQUENCE_OUT_OF_RANGE.name(), answers.bySequence.get(twoTo64Minus1));
        assertEquals(-1L, answers.journalIndex.get(twoTo64Minus1));
        assertEquals(1, answers.duplicates.get(), "2^63 - 1 resent is answered again from the journals");
        assertEquals(RejectReason.SEQUENCE_NOT_INCREASING.name(), answers.bySequence.get(5L));
        assertEquals(6, answers.count.get());
        assertEquals(2, deadLetters(RejectReason.SEQUENCE_OUT_OF_RANGE));
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            assertEquals(Long.MAX_VALUE, client.logon(CREDENTIAL, 1, 22, 1, new GatewayEndToEndTest.Answers()),
                "the refused sequences left the client's mark where it was");
        }
    }

    @Test
    void shouldCloseAConnectionThatNeverSpeaks() throws Exception {
        start(g -> g.heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(100)));
        try (RawConnection raw = new RawConnection(server.port())) {
            assertEquals(RejectReason.IDLE_TIMEOUT.value(), raw.readLogoutReason(), "the close is explained");
            assertTrue(raw.closedByServer());
        }
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            assertThrows(java.io.IOException.class, () -> {
                Thread.sleep(600);
                client.logon(CREDENTIAL, 1, 1, 1, new GatewayEndToEndTest.Answers());
            });
        }
    }

    @Test
    void shouldSendHeartbeatsToAnIdleSessionAndCloseItWhenSilent() throws Exception {
        start(g -> g.heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(200)));
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 6));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            assertEquals(io.vigil.codecs.sbe.HeartbeatDecoder.TEMPLATE_ID, raw.readFrame(), "server heartbeat while idle");
            assertEquals(RejectReason.IDLE_TIMEOUT.value(), raw.readLogoutReason(), "closed after 3 silent intervals, saying why");
            assertTrue(raw.closedByServer());
        }
        assertEquals(0, deadLetters(RejectReason.FRAME_TIMEOUT), "no frame was pending: nothing to dead-letter");
        assertTrue(eventually(() -> server.gatewayRejects(RejectReason.IDLE_TIMEOUT), 1) >= 1);
    }

    @Test
    void shouldRejectAndDeadLetterAPartialFrameWhenTheConnectionFallsSilent() throws Exception {
        // 3 heartbeat intervals (600 ms) of silence come long before the frame timeout (default 5 s)
        start(g -> g.heartbeatIntervalNs(TimeUnit.MILLISECONDS.toNanos(200)));
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 8));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR");
            raw.send(raw.frame, 20);
            final io.vigil.codecs.sbe.RejectDecoder reject = raw.readReject();
            assertEquals(RejectReason.FRAME_TIMEOUT, reject.reason());
            assertEquals(0, reject.clientSequence());
            assertEquals(-1, reject.journalIndex());
            assertTrue(raw.closedByServer());
        }
        try (JournalReader dlq = server.journals().deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            assertTrue(dlq.read(record), "the partial frame is dead-lettered");
            assertEquals(RejectReason.FRAME_TIMEOUT.value(), record.code);
            assertEquals(20, record.payloadLength, "with the bytes that had arrived");
        }
    }

    @Test
    void shouldTellEverySessionThatTheServerIsShuttingDown() throws Exception {
        start(g -> g);
        try (RawConnection raw = new RawConnection(server.port())) {
            raw.send(raw.frame, raw.logon(CREDENTIAL, 9));
            assertEquals(LogonAckDecoder.TEMPLATE_ID, raw.readFrame());
            raw.send(raw.frame, raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR"));
            assertEquals(io.vigil.codecs.sbe.DecisionDecoder.TEMPLATE_ID, raw.readFrame());
            server.close();
            server = null;
            assertEquals(RejectReason.SHUTTING_DOWN.value(), raw.readLogoutReason());
            assertTrue(raw.closedByServer());
        }
    }

    /** The counter's value once it reached {@code expected}, or after 5 s (counters are read across threads). */
    private static long eventually(final java.util.function.LongSupplier counter, final long expected) throws InterruptedException {
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (counter.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return counter.getAsLong();
    }

    private long deadLetters(final RejectReason reason) {
        long count = 0;
        try (JournalReader dlq = server.journals().deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (dlq.read(record)) {
                count += record.code == reason.value() ? 1 : 0;
            }
        }
        return count;
    }
}
