package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Idempotent resend: a resent, already journaled sequence gets its recorded answer and is processed nowhere again. */
@Timeout(60)
class ResendTest {
    private static final String CREDENTIAL = "resend-secret";

    @TempDir
    Path dataDir;
    private VigilServer server;

    @BeforeEach
    void startServer() throws InterruptedException {
        server = VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL)));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** Every answer, as "sequence kind journalIndex modelScoreBits action/reason". */
    static final class Recorder implements VigilClient.Listener {
        final List<String> answers = new CopyOnWriteArrayList<>();

        @Override
        public void onDecision(final DecisionDecoder d) {
            answers.add(d.clientSequence() + " DECISION " + d.journalIndex() + " " + Float.floatToRawIntBits(d.modelScore()) +
                " " + Float.floatToRawIntBits(d.anomalyScore()) + " " + d.action() + " " + d.reasons().getRaw());
        }

        @Override
        public void onReject(final RejectDecoder r) {
            answers.add(r.clientSequence() + " REJECT " + r.journalIndex() + " " + r.reason());
        }

        void await(final int count) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (answers.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertEquals(count, answers.size(), answers.toString());
        }

        String of(final long sequence, final int nth) {
            int seen = 0;
            for (final String answer : answers) {
                if (answer.startsWith(sequence + " ") && seen++ == nth) {
                    return answer;
                }
            }
            return null;
        }
    }

    private static void send(final VigilClient client, final long sequence, final long amount) throws Exception {
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        client.sendTransaction(sequence, nowNs - 1_000_000_000L * (10 - sequence), 42, 7, 5411, amount, "EUR", "DE",
            Channel.ECOMMERCE, Label.UNKNOWN);
    }

    @Test
    void shouldAnswerAResentSequenceWithTheRecordedAnswerOnANewSession() throws Exception {
        final Recorder first = new Recorder();
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 9, 1, first);
            send(client, 1, 1200);
            send(client, 2, 0);
            send(client, 3, 98_000);
            first.await(3);
        }
        assertEquals(RejectReason.INVALID_AMOUNT.name(), first.of(2, 0).split(" ")[3]);
        final long inputBefore = server.journals().lastInputIndex();
        final long outputBefore = server.journals().lastOutputIndex();

        final Recorder second = new Recorder();
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            assertEquals(3, client.logon(CREDENTIAL, 1, 9, 1, second));
            send(client, 3, 98_000);
            send(client, 1, 1200);
            send(client, 2, 0);
            send(client, 4, 1300);
            second.await(4);
        }
        assertEquals(first.of(1, 0), second.of(1, 0), "the recorded Decision, field for field");
        assertEquals(first.of(2, 0), second.of(2, 0), "the recorded Reject");
        assertEquals(first.of(3, 0), second.of(3, 0));
        assertEquals(1, eventsAfter(server.journals(), inputBefore), "only sequence 4 was journaled");
        assertEquals(outputBefore, server.journals().lastOutputIndex() - 1, "only sequence 4 was answered");
    }

    @Test
    void shouldStillRejectASequenceThatWasNeverJournaled() throws Exception {
        final Recorder recorder = new Recorder();
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 10, 1, recorder);
            send(client, 1, 1200);
            send(client, 5, 1200);
            recorder.await(2);
            send(client, 3, 1200);
            recorder.await(3);
        }
        assertEquals("3 REJECT -1 " + RejectReason.SEQUENCE_NOT_INCREASING, recorder.of(3, 0));
    }

    /** Events (not control records such as watermark ticks) journaled after {@code index}. */
    private static long eventsAfter(final io.vigil.journal.Journals journals, final long index) {
        long events = 0;
        try (io.vigil.journal.JournalReader reader = journals.inputReader()) {
            final io.vigil.journal.JournalRecord record = new io.vigil.journal.JournalRecord(io.vigil.journal.Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                if (record.index > index && record.source != io.vigil.journal.RecordHeader.SOURCE_ADMIN) {
                    events++;
                }
            }
        }
        return events;
    }
}
