package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.CheckpointStore;
import io.vigil.engine.Engine;
import io.vigil.engine.EngineContext;
import io.vigil.engine.Pipeline;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.cli.RulesCommand;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import io.vigil.scoring.rules.DecisionRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vigil rules set} while a real server decides a stream: the change takes effect where its control record
 * sits in the input journal, and replays reproduce every decision across it, from a clean state and from a
 * checkpoint written after the change.
 */
@Timeout(120)
class RulesControlTest {
    private static final int EVENTS_BEFORE = 4_000;
    private static final int EVENTS_AFTER = 4_000;

    @TempDir
    Path dataDir;

    @Test
    void shouldApplyARulesChangeAtItsJournalPositionAndReplayAcrossIt() throws Exception {
        final VigilConfig config = LiveRun.config(dataDir, Map.of(VigilConfig.CHECKPOINT_INTERVAL.name(), "1500"));
        final AtomicLong answers = new AtomicLong();
        final VigilClient.Listener listener = new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                answers.incrementAndGet();
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                answers.incrementAndGet();
            }
        };
        final Workload workload = Workload.endingNow(3, EVENTS_BEFORE + EVENTS_AFTER, 24 * Workload.HOUR_NS);
        final Path rulesFile = Files.writeString(dataDir.resolveSibling(dataDir.getFileName() + "-strict.properties"),
            "# review almost everything\n" + VigilConfig.RULE_ANOMALY_REVIEW.name() + " = 0.05\n");
        final String printed;
        try (VigilServer server = VigilServer.start(config);
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(LiveRun.CREDENTIAL, 1, LiveRun.CLIENT_ID, 1, listener);
            send(client, workload, 1, EVENTS_BEFORE, answers);

            final StringWriter out = new StringWriter();
            assertEquals(0, new CommandLine(new RulesCommand()).setOut(new PrintWriter(out, true))
                .execute("set", rulesFile.toString(), "--data", dataDir.toString()));
            printed = out.toString();

            for (long first = EVENTS_BEFORE + 1; first <= EVENTS_BEFORE + EVENTS_AFTER; first += 500) {
                send(client, workload, first, first + 499, answers); // paced, so that checkpoints fall after the change
            }
            assertTrue(server.engine().health().healthy(), server.engine().health().toString());
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }
        assertTrue(printed.contains("rules set at input index"), printed);
        assertTrue(printed.contains("anomalyThreshold=0.05"), printed);

        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"))) {
            final long controlIndex = controlIndex(journals);
            final long[] reviews = reviewsBeforeAndAfter(journals, controlIndex);
            System.out.printf("reviewed or declined: %d of %d before the change, %d of %d after%n", reviews[0], EVENTS_BEFORE,
                reviews[1], EVENTS_AFTER);
            assertTrue(reviews[1] > reviews[0] + EVENTS_AFTER / 4,
                "the stricter rules decide the events after the change: " + reviews[0] + " -> " + reviews[1]);

            final Verifier clean = verify(config, journals, -1, null, 1);
            assertEquals(EVENTS_BEFORE + EVENTS_AFTER, clean.compared());
            assertEquals(0, clean.totalMismatches(), String.join("\n", clean.firstMismatches()));

            final long from = inputIndexOfSequence(journals, EVENTS_BEFORE + EVENTS_AFTER - 500);
            final Verifier fromCheckpoint = verify(config, journals, from, CheckpointStore.from(config), 0);
            assertEquals(501, fromCheckpoint.compared());
            assertEquals(0, fromCheckpoint.totalMismatches(), String.join("\n", fromCheckpoint.firstMismatches()));
        }
    }

    /** Verifies from {@code from} (-1: all); with a checkpoint store, from a checkpoint written after the change. */
    private static Verifier verify(final VigilConfig config, final Journals journals, final long from,
        final CheckpointStore checkpoints, final long expectedControls) throws Exception {
        final Verifier verifier = new Verifier(journals, from, 5);
        final Replayer.Result result;
        try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, verifier, false)) {
            result = Replayer.run(journals, pipeline, config.integer(VigilConfig.MAX_FRAME_BYTES), from, -1, checkpoints,
                Progress.NONE);
            assertEquals(expectedControls, pipeline.controls() - pipeline.watermarkTicks(), "rules control records the replay met");
        }
        if (checkpoints != null) {
            assertNotNull(result.checkpoint, "started from a checkpoint");
            assertTrue(result.startAfterIndex > controlIndex(journals), "the checkpoint was written after the change: " +
                "the changed rules came from its rules section");
        }
        verifier.finish(result.lastIndex);
        return verifier;
    }

    private static void send(final VigilClient client, final Workload workload, final long first, final long last,
        final AtomicLong answers) throws Exception {
        for (long sequence = first; sequence <= last; sequence++) {
            workload.send(client, sequence);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (answers.get() < last && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertEquals(last, answers.get(), "answered");
    }

    private static long controlIndex(final Journals journals) {
        try (JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            long found = RecordHeader.NO_INDEX;
            while (reader.read(record)) {
                if (record.source == RecordHeader.SOURCE_ADMIN && record.code == io.vigil.codecs.sbe.RulesSetDecoder.TEMPLATE_ID) {
                    assertEquals(RecordHeader.NO_INDEX, found, "one control record");
                    found = record.index;
                }
            }
            assertTrue(found != RecordHeader.NO_INDEX, "the control record is in the input journal");
            return found;
        }
    }

    private static long inputIndexOfSequence(final Journals journals, final long sequence) {
        try (JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                if (record.clientSequence == sequence && record.source != RecordHeader.SOURCE_ADMIN) {
                    return record.index;
                }
            }
        }
        throw new AssertionError("no sequence " + sequence);
    }

    /** Decisions other than APPROVE, before and after the control record. */
    private static long[] reviewsBeforeAndAfter(final Journals journals, final long controlIndex) {
        final long[] reviews = new long[2];
        try (JournalReader reader = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final DecisionDecoder decision = new DecisionDecoder();
            while (reader.read(record)) {
                if (record.code != DecisionDecoder.TEMPLATE_ID) {
                    continue;
                }
                decision.wrapAndApplyHeader(record.payload(), 0, header.wrap(record.payload(), 0));
                if (decision.actionRaw() != DecisionRules.APPROVE) {
                    reviews[record.refIndex > controlIndex ? 1 : 0]++;
                }
            }
        }
        return reviews;
    }
}
