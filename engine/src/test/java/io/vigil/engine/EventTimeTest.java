package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import io.vigil.codecs.sbe.WindowResultDecoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.scoring.rules.DecisionRules;
import io.vigil.scoring.time.Watermarks;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event time on a real pipeline over real journals: watermarks with out-of-order events and an idle source, the
 * allowed lateness, the late journal, the window results at their boundaries, and recovery from an older checkpoint
 * writing no window result twice.
 */
@Timeout(60)
class EventTimeTest {
    /** 2026-01-01T00:00:00Z, a minute boundary. */
    private static final long BASE = 1_767_225_600_000_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int TENANT = 1;
    private static final long CLIENT_A = 11;
    private static final long CLIENT_B = 12;
    private static final WatermarkControl.Policy POLICY = new WatermarkControl.Policy(5 * S, 10 * S, WatermarkControl.UNBOUNDED);
    private static final WatermarkControl.Policy RECOVERY_POLICY = new WatermarkControl.Policy(5 * S, 10 * S, 10 * S);

    @TempDir
    Path dir;

    private final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
    private long sequence;

    /** One answered event: its client sequence, reasons and feature vector. */
    private record Answer(long sequence, int action, int reasons, float[] features) {
    }

    private long transaction(final JournalWriter input, final long client, final long account, final long eventTimeNs,
        final long ingestNs, final long amountMinor) {
        sequence++;
        final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(message, 0, new MessageHeaderEncoder())
            .clientSequence(sequence).eventTimeNs(eventTimeNs).accountId(account).merchantId(9).mcc(5411)
            .amountMinor(amountMinor).currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
        return input.append(ingestNs, 1, client, sequence, -1, TENANT, TransactionEncoder.TEMPLATE_ID, 0, message, 0,
            MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
    }

    private static VigilConfig config(final Path dataDir, final Map<String, String> extra) {
        final Map<String, String> values = new LinkedHashMap<>();
        values.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        values.put(VigilConfig.WINDOWS_ACCOUNT_SIZE.name(), "1m"); // the built-in window is off by default
        values.putAll(extra);
        return VigilConfig.of(values);
    }

    /** Runs every input record of {@code input} through a fresh journaling pipeline writing to {@code journals}. */
    private static List<Answer> replay(final Journals input, final Journals journals, final VigilConfig config,
        final PipelineProbe probe) {
        final List<Answer> answers = new ArrayList<>();
        final ResponseSink sink = (session, buffer, offset, length) -> answers.add(decode(buffer, offset));
        try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, sink, true);
             JournalReader reader = input.inputReader()) {
            final Map<Long, float[]> features = new LinkedHashMap<>();
            pipeline.observer((slot, answer, offset, length) -> features.put(slot.input.clientSequence, slot.features.clone()));
            while (true) {
                final EventSlot slot = new EventSlot(512);
                if (!reader.read(slot.input)) {
                    break;
                }
                pipeline.stage(slot);
                pipeline.flush();
                if (probe != null) {
                    probe.after(slot.input.index, pipeline);
                }
            }
            final List<Answer> withFeatures = new ArrayList<>();
            for (final Answer answer : answers) {
                withFeatures.add(new Answer(answer.sequence, answer.action, answer.reasons, features.get(answer.sequence)));
            }
            return withFeatures;
        }
    }

    @FunctionalInterface
    private interface PipelineProbe {
        void after(long inputIndex, Pipeline pipeline);
    }

    private static Answer decode(final DirectBuffer buffer, final int offset) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        assertEquals(DecisionDecoder.TEMPLATE_ID, header.templateId(), "a Decision");
        final DecisionDecoder d = new DecisionDecoder().wrapAndApplyHeader(buffer, offset, header);
        final int reasons = buffer.getInt(offset + MessageHeaderDecoder.ENCODED_LENGTH + DecisionDecoder.reasonsEncodingOffset(),
            DecisionDecoder.BYTE_ORDER);
        return new Answer(d.clientSequence(), d.actionRaw(), reasons, null);
    }

    @Test
    void shouldHoldTheWatermarkAtTheSlowestSourceUntilATickFindsItIdle() {
        final Map<Long, Long> watermarkAfter = new LinkedHashMap<>();
        final long[] indices = new long[8];
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                indices[0] = WatermarkControl.tick(journals, BASE, POLICY);
                indices[1] = transaction(input, CLIENT_A, 1, BASE, BASE, 100);
                indices[2] = transaction(input, CLIENT_B, 2, BASE + S, BASE, 100);
                indices[3] = transaction(input, CLIENT_A, 1, BASE + 60 * S, BASE + 15 * S, 100);
                indices[4] = WatermarkControl.tick(journals, BASE + 5 * S, POLICY); // B silent for 5 s: not idle yet
                indices[5] = WatermarkControl.tick(journals, BASE + 20 * S, POLICY); // B silent for 20 s: idle
                indices[6] = transaction(input, CLIENT_A, 1, BASE + 58 * S, BASE + 21 * S, 100); // out of order, not late
                indices[7] = transaction(input, CLIENT_A, 1, BASE + 50 * S, BASE + 22 * S, 100); // 5 s behind the watermark
            }
            final List<Answer> answers = replay(journals, journals, config(dir, Map.of()),
                (index, pipeline) -> watermarkAfter.put(index, pipeline.watermarkNs()));
            assertEquals(Watermarks.NONE, watermarkAfter.get(indices[0]), "no event yet");
            assertEquals(BASE - 5 * S, watermarkAfter.get(indices[1]), "A's first event minus the bound");
            assertEquals(BASE - 5 * S, watermarkAfter.get(indices[2]), "the least of the two sources");
            assertEquals(BASE - 4 * S, watermarkAfter.get(indices[3]), "B holds the watermark back while A runs ahead");
            assertEquals(BASE - 4 * S, watermarkAfter.get(indices[4]), "without a tick that finds B idle the watermark holds");
            assertEquals(BASE + 55 * S, watermarkAfter.get(indices[5]), "the tick found B idle: A alone holds it");
            assertEquals(BASE + 55 * S, watermarkAfter.get(indices[6]));
            assertEquals(BASE + 55 * S, watermarkAfter.get(indices[7]), "a late event never moves it back");
            assertEquals(5, answers.size());
            for (int i = 0; i < 4; i++) {
                assertEquals(0, answers.get(i).reasons & (DecisionRules.LATE_EVENT | DecisionRules.TOO_LATE), "answer " + i);
            }
            assertEquals(DecisionRules.LATE_EVENT, answers.get(4).reasons & (DecisionRules.LATE_EVENT | DecisionRules.TOO_LATE),
                "5 s behind the watermark, lateness unbounded: applied, LATE_EVENT");
        }
    }

    @Test
    void shouldApplyLateEventsWithinTheAllowedLatenessAndJournalThoseBeyondUnapplied() {
        final WatermarkControl.Policy policy = new WatermarkControl.Policy(5 * S, 0, 10 * S);
        final Path withLate = dir.resolve("with");
        final Path without = dir.resolve("without");
        final long tooLateIndex;
        try (Journals journals = Journals.open(withLate, RollCycles.FAST_HOURLY);
             Journals reference = Journals.open(without, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter(); JournalWriter other = reference.inputWriter()) {
                WatermarkControl.tick(journals, BASE, policy);
                WatermarkControl.tick(reference, BASE, policy);
                for (final JournalWriter w : new JournalWriter[] {input, other}) {
                    sequence = 0;
                    transaction(w, CLIENT_A, 7, BASE + 100 * S, BASE + 100 * S, 1_000);
                    transaction(w, CLIENT_A, 7, BASE + 200 * S, BASE + 200 * S, 2_000); // watermark 195 s
                    transaction(w, CLIENT_A, 7, BASE + 190 * S, BASE + 201 * S, 3_000); // 5 s late: applied
                }
                tooLateIndex = transaction(input, CLIENT_A, 7, BASE + 180 * S, BASE + 202 * S, 90_000); // 15 s late
                sequence = 4;
                transaction(input, CLIENT_A, 7, BASE + 201 * S, BASE + 203 * S, 4_000);
                sequence = 3;
                transaction(other, CLIENT_A, 7, BASE + 201 * S, BASE + 203 * S, 4_000);
            }
            final List<Answer> answers = replay(journals, journals, config(withLate, Map.of()), null);
            final List<Answer> expected = replay(reference, reference, config(without, Map.of()), null);
            assertEquals(5, answers.size());
            assertEquals(DecisionRules.LATE_EVENT, answers.get(2).reasons & DecisionRules.LATE_EVENT, "within: LATE_EVENT");
            assertEquals(DecisionRules.TOO_LATE, answers.get(3).reasons, "beyond: TOO_LATE alone");
            assertEquals(DecisionRules.REVIEW, answers.get(3).action, "a transaction that could not be scored is reviewed");
            assertEquals(0, answers.get(4).reasons & (DecisionRules.LATE_EVENT | DecisionRules.TOO_LATE));
            assertArrayEquals(expected.get(3).features, answers.get(4).features,
                "the next event's features are those of a stream without the too-late event: it changed no state");

            try (JournalReader late = journals.lateReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                assertTrue(late.read(record), "the too-late event is in the late journal");
                assertEquals(tooLateIndex, record.refIndex);
                assertEquals(TransactionEncoder.TEMPLATE_ID, record.code);
                assertTrue(LateRecord.isLate(record.payload(), record.payloadLength));
                assertEquals(15 * S, LateRecord.latenessNs(record.payload(), record.payloadLength));
                assertEquals(BASE + 195 * S, LateRecord.watermarkNs(record.payload(), record.payloadLength));
                assertEquals(10 * S, LateRecord.allowedNs(record.payload(), record.payloadLength));
                assertFalse(late.read(record), "only that one");
            }
        }
        final java.io.StringWriter out = new java.io.StringWriter();
        assertEquals(0, new picocli.CommandLine(new io.vigil.engine.cli.EventTimeJournalsCommand.Late())
            .setOut(new java.io.PrintWriter(out, true)).execute("tail", "--data", withLate.toString()));
        assertTrue(out.toString().contains("15.000 s") && out.toString().contains("10.000 s"), out.toString());
        assertTrue(out.toString().contains("1 record(s) in late/"), out.toString());
    }

    /** Window results as text lines, in journal order. */
    private static List<String> windows(final Journals journals) {
        final List<String> lines = new ArrayList<>();
        try (JournalReader reader = journals.windowsReader()) {
            if (reader == null) {
                return lines;
            }
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            final WindowResultDecoder d = new WindowResultDecoder();
            while (reader.read(record)) {
                d.wrapAndApplyHeader(record.payload(), 0, new MessageHeaderDecoder());
                final StringBuilder line = new StringBuilder().append(d.tenantId()).append('/').append(d.key()).append(' ')
                    .append((d.windowStartNs() - BASE) / S).append("..").append((d.windowEndNs() - BASE) / S);
                for (final WindowResultDecoder.ValuesDecoder v : d.values()) {
                    line.append(' ').append((long)v.value());
                }
                line.append(' ').append(d.windowName());
                lines.add(line.toString());
            }
        }
        return lines;
    }

    @Test
    void shouldEmitEachWindowOnceWhenTheWatermarkPassesItsEnd() {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY)) {
            final List<Integer> emittedAfter = new ArrayList<>();
            try (JournalWriter input = journals.inputWriter()) {
                WatermarkControl.tick(journals, BASE, POLICY);
                transaction(input, CLIENT_A, 1, BASE, BASE, 100);
                transaction(input, CLIENT_A, 2, BASE + 30 * S, BASE, 5);
                transaction(input, CLIENT_A, 1, BASE + 60 * S - 1, BASE, 200); // last nanosecond of [0, 60)
                transaction(input, CLIENT_A, 1, BASE + 60 * S, BASE, 400); // exactly at the end: the next window
                transaction(input, CLIENT_A, 3, BASE + 65 * S - 1, BASE, 7); // watermark 60 s - 1 ns: nothing closes
                transaction(input, CLIENT_A, 3, BASE + 65 * S, BASE, 8); // watermark 60 s: [0, 60) closes
                transaction(input, CLIENT_A, 2, BASE + 10 * S, BASE, 1_000); // its window is closed: not added
                transaction(input, CLIENT_A, 1, BASE + 130 * S, BASE, 800); // watermark 125 s: [60, 120) closes
            }
            replay(journals, journals, config(dir, Map.of()), (index, pipeline) -> emittedAfter.add((int)pipeline.windowResults()));
            assertEquals(List.of(0, 0, 0, 0, 0, 0, 2, 2, 4), emittedAfter, "results emitted after each record");
            assertEquals(List.of(
                "1/1 0..60 2 300 account.tumbling.1m",
                "1/2 0..60 1 5 account.tumbling.1m",
                "1/1 60..120 1 400 account.tumbling.1m",
                "1/3 60..120 2 15 account.tumbling.1m"), windows(journals));
        }
        final java.io.StringWriter out = new java.io.StringWriter();
        assertEquals(0, new picocli.CommandLine(new io.vigil.engine.cli.EventTimeJournalsCommand.Windows())
            .setOut(new java.io.PrintWriter(out, true)).execute("tail", "--data", dir.toString(), "--key", "3"));
        assertTrue(out.toString().contains("account.tumbling.1m"), out.toString());
        assertTrue(out.toString().contains("2026-01-01T00:01:00Z") && out.toString().contains(" 2,15 "), out.toString());
        assertTrue(out.toString().contains("1 record(s) in windows/"), out.toString());
    }

    @Test
    void shouldDecideAJournalWithoutTicksAsBefore() {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                transaction(input, CLIENT_A, 1, BASE + 3_600 * S, BASE + 3_600 * S, 100);
                transaction(input, CLIENT_A, 1, BASE, BASE + 3_601 * S, 100); // an hour out of order
                transaction(input, CLIENT_A, 1, BASE + 7_200 * S, BASE + 7_200 * S, 100);
            }
            final List<Long> watermarks = new ArrayList<>();
            final List<Answer> answers = replay(journals, journals, config(dir, Map.of()),
                (index, pipeline) -> watermarks.add(pipeline.watermarkNs()));
            assertEquals(List.of(Watermarks.NONE, Watermarks.NONE, Watermarks.NONE), watermarks, "no tick: no event time");
            for (final Answer answer : answers) {
                assertEquals(0, answer.reasons & (DecisionRules.LATE_EVENT | DecisionRules.TOO_LATE));
            }
            assertTrue(windows(journals).isEmpty());
            assertEquals(-1, journals.lastSideIndex(Journals.LATE));
        }
    }

    @Test
    void shouldWriteEachWindowOnceAcrossRestartsAndARebuildFromTheJournal() throws Exception {
        final Path live = dir.resolve("live");
        final Path straight = dir.resolve("straight");
        final VigilConfig config = config(live, Map.of(VigilConfig.CHECKPOINT_INTERVAL.name(), "40",
            VigilConfig.FEED.name(), "tailer"));
        final long[] clients = {CLIENT_A, CLIENT_B};
        try (Journals journals = Journals.open(live, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                WatermarkControl.tick(journals, BASE, RECOVERY_POLICY);
                for (int i = 0; i < 200; i++) {
                    // both clients, 3 s apart in event time, a little out of order, 10 accounts: ~10 minutes of windows
                    final long eventTime = eventTime(i);
                    transaction(input, clients[i % 2], i % 10, eventTime, BASE + i * 3 * S, 10 + i);
                }
            }
            runEngine(config, journals);
            final List<String> firstRun = windows(journals);
            assertFalse(firstRun.isEmpty());
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 200; i < 300; i++) {
                    final long eventTime = eventTime(i);
                    transaction(input, clients[i % 2], i % 10, eventTime, BASE + i * 3 * S, 10 + i);
                }
            }
            runEngine(config, journals); // restores the checkpoint written at the first stop (watermarks, open windows)
            final List<String> secondRun = windows(journals);
            assertEquals(firstRun, secondRun.subList(0, firstRun.size()));
            assertTrue(secondRun.size() > firstRun.size(), "the second run closed more windows");
            // every checkpoint goes: the third start rebuilds the state from the journal's start, emitting every
            // window of the first two runs again, and must write none of them twice
            try (Stream<Path> list = Files.list(live.resolve("checkpoints"))) {
                for (final Path file : list.filter(p -> p.toString().endsWith(".vck")).toList()) {
                    Files.delete(file);
                }
            }
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 300; i < 350; i++) {
                    final long eventTime = eventTime(i);
                    transaction(input, clients[i % 2], i % 10, eventTime, BASE + i * 3 * S, 10 + i);
                }
                WatermarkControl.tick(journals, BASE + 1_000 * S, RECOVERY_POLICY);
            }
            runEngine(config, journals);
            final List<String> recovered = windows(journals);
            assertEquals(secondRun, recovered.subList(0, secondRun.size()), "the earlier runs' results stay as they were");
            try (Journals other = Journals.open(straight, RollCycles.FAST_HOURLY)) {
                replay(journals, other, config(straight, Map.of()), null);
                assertEquals(windows(other), recovered, "an uninterrupted run writes the same results, none twice");
                final List<String> late = records(journals.lateReader());
                assertEquals(14, late.size(), "every 25th event of 350 is too late");
                assertEquals(records(other.lateReader()), late, "the same late records, none twice");
                assertEquals(records(other.outputReader()), records(journals.outputReader()),
                    "the same decisions, byte for byte, each once");
            }
            assertEquals(recovered.size(), recovered.stream().map(l -> l.split(" ")[0] + " " + l.split(" ")[1]).distinct().count(),
                "one result per key and window");
            assertTrue(recovered.size() > secondRun.size(), "the third run closed more windows");
        }
    }

    /** 3 s apart, a little out of order, every 25th 30 s behind: too late for {@link #RECOVERY_POLICY}. */
    private static long eventTime(final int i) {
        return BASE + i * 3 * S - (i % 3 == 0 ? 2 * S : 0) - (i % 25 == 24 ? 30 * S : 0);
    }

    /** The input index of every record of a side or output journal, with its payload, in journal order. */
    private static List<String> records(final JournalReader journal) {
        final List<String> records = new ArrayList<>();
        try (JournalReader reader = journal) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                final byte[] payload = new byte[record.payloadLength];
                record.payload().getBytes(0, payload);
                records.add(record.refIndex + " " + java.util.Arrays.toString(payload));
            }
        }
        return records;
    }

    private static void runEngine(final VigilConfig config, final Journals journals) throws InterruptedException {
        try (Engine engine = Engine.start(new EngineContext(config), journals, ResponseSink.NONE)) {
            assertTrue(engine.awaitCaughtUp(30, TimeUnit.SECONDS));
        }
    }
}
