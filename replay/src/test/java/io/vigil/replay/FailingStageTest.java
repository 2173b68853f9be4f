package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.engine.Engine;
import io.vigil.engine.EngineContext;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Pipeline;
import io.vigil.engine.Stage;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.DeadLetterTrailer;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stage that throws for one account, injected into a real server (real journals, the real ONNX model, a client
 * over loopback): that account's events are answered INTERNAL_ERROR and dead-lettered with the exception's text, the
 * others are decided normally, and a replay built with the same stages verifies against the journals bit for bit.
 */
@Timeout(120)
class FailingStageTest {
    private static final int EVENTS = 3_000;
    private static final long CURSED_ACCOUNT = 42;
    private static final String MESSAGE = "account 42 is cursed";

    /** Throws for every transaction of {@link #CURSED_ACCOUNT}; inserted right after the features stage. */
    private static final StageAssembler CURSED = stages -> {
        final int features = indexOf(stages, "features");
        stages.add(features + 1, new Stage() {
            @Override
            public String name() {
                return "cursed";
            }

            @Override
            public void onEvent(final EventSlot slot) {
                if (slot.templateId == TransactionDecoder.TEMPLATE_ID && slot.entityKey == CURSED_ACCOUNT) {
                    throw new IllegalStateException(MESSAGE);
                }
            }
        });
    };

    @TempDir
    Path dataDir;

    private static int indexOf(final java.util.List<Stage> stages, final String name) {
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).name().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no stage " + name);
    }

    @Test
    void shouldAnswerInternalErrorDeadLetterTheEventAndGoOnAndReplayShouldStillMatch() throws Exception {
        final VigilConfig config = LiveRun.config(dataDir, Map.of());
        final Map<Long, String> answers = new ConcurrentHashMap<>();
        final VigilClient.Listener listener = new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                answers.put(decision.clientSequence(), "DECISION");
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                answers.put(reject.clientSequence(), reject.reason().name());
            }
        };
        final Workload workload = Workload.endingNow(5, EVENTS, 24 * Workload.HOUR_NS);
        final long internalErrors;
        try (VigilServer server = VigilServer.start(config, CURSED);
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(LiveRun.CREDENTIAL, 1, LiveRun.CLIENT_ID, 1, listener);
            for (long sequence = 1; sequence <= EVENTS; sequence++) {
                workload.send(client, sequence);
            }
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answers.size() < EVENTS && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            assertEquals(EVENTS, answers.size(), "every event answered");
            internalErrors = server.engine().internalErrors();
            assertTrue(server.engine().health().healthy(), server.engine().health().toString());
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }

        final Map<Long, Long> accountBySequence = new HashMap<>();
        final Map<Long, JournalRecord> inputByIndex = new HashMap<>();
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"))) {
            try (JournalReader input = journals.inputReader()) {
                final MessageHeaderDecoder header = new MessageHeaderDecoder();
                final TransactionDecoder tx = new TransactionDecoder();
                JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (input.read(record)) {
                    if (header.wrap(record.payload(), 0).templateId() == TransactionDecoder.TEMPLATE_ID) {
                        accountBySequence.put(record.clientSequence,
                            tx.wrapAndApplyHeader(record.payload(), 0, header).accountId());
                    }
                    inputByIndex.put(record.index, record);
                    record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                }
            }
            long cursedFailed = 0;
            long decidedAfterFirstFailure = 0;
            boolean failedYet = false;
            for (long sequence = 1; sequence <= EVENTS; sequence++) {
                final String answer = answers.get(sequence);
                final Long account = accountBySequence.get(sequence);
                final boolean cursed = account != null && account == CURSED_ACCOUNT;
                if (answer.equals(RejectReason.INTERNAL_ERROR.name())) {
                    assertTrue(cursed, "sequence " + sequence + " of account " + account + " got INTERNAL_ERROR");
                    cursedFailed++;
                    failedYet = true;
                } else if (cursed) {
                    assertTrue(!answer.equals("DECISION"), "sequence " + sequence + " of the cursed account was decided");
                } else if (failedYet && answer.equals("DECISION")) {
                    decidedAfterFirstFailure++;
                }
            }
            assertTrue(cursedFailed >= 3, "the cursed account's events failed: " + cursedFailed);
            assertEquals(cursedFailed, internalErrors, "counted");
            assertTrue(decidedAfterFirstFailure > 1_000, "later events decided normally: " + decidedAfterFirstFailure);

            long deadLetters = 0;
            try (JournalReader dlq = journals.deadLetterReader()) {
                final JournalRecord letter = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (dlq.read(letter)) {
                    if (letter.code != RejectReason.INTERNAL_ERROR.value()) {
                        continue;
                    }
                    deadLetters++;
                    assertEquals(RecordHeader.SOURCE_ENGINE, letter.source);
                    assertEquals("cursed: java.lang.IllegalStateException: " + MESSAGE, DeadLetterTrailer.text(letter));
                    final JournalRecord event = inputByIndex.get(letter.refIndex);
                    assertNotNull(event, "the dead letter refers to its input record");
                    assertEquals(event.clientSequence, letter.clientSequence);
                    assertEquals(event.payloadLength, DeadLetterTrailer.eventLength(letter));
                    assertEquals(0, compare(letter, event), "the dead letter keeps the event's bytes (1 + first differing byte)");
                }
            }
            assertEquals(cursedFailed, deadLetters, "every INTERNAL_ERROR is in the dead-letter journal");

            final Verifier verifier = new Verifier(journals, -1, 5);
            final Replayer.Result result;
            try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, verifier, false, CURSED)) {
                result = Replayer.run(journals, pipeline, config.integer(VigilConfig.MAX_FRAME_BYTES), -1, -1, null,
                    Progress.NONE);
                assertEquals(cursedFailed, pipeline.internalErrors(), "the replay fails on the same events");
            }
            verifier.finish(result.lastIndex);
            assertEquals(EVENTS, verifier.compared());
            assertEquals(0, verifier.totalMismatches(), String.join("\n", verifier.firstMismatches()));
        }
    }

    private static int compare(final JournalRecord letter, final JournalRecord event) {
        for (int i = 0; i < event.payloadLength; i++) {
            if (letter.payload().getByte(i) != event.payload().getByte(i)) {
                return i + 1;
            }
        }
        return 0;
    }
}
