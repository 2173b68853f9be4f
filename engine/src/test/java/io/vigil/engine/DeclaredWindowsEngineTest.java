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
import io.vigil.scoring.features.spec.FeatureSpec;
import io.vigil.scoring.rules.DecisionRules;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The window results of a running feature definition's tumbling and session windows ({@code vigil.features.spec})
 * on a real pipeline over real journals: boundaries, lateness (the definition's), an idle source, the built-in window
 * beside them, a dry run, and recovery from checkpoints and from the journal writing each result exactly once.
 */
@Timeout(120)
class DeclaredWindowsEngineTest {
    /** 2026-01-01T00:00:00Z, a minute boundary. */
    private static final long BASE = 1_767_225_600_000_000_000L;
    private static final long S = 1_000_000_000L;
    private static final int TENANT = 1;
    private static final long CLIENT_A = 11;
    private static final long CLIENT_B = 12;
    /** What the gateway would tick with for the definition below: bound 5 s, idle after 10 s, lateness 10 s. */
    private static final WatermarkControl.Policy POLICY = new WatermarkControl.Policy(5 * S, 10 * S, 10 * S);

    @TempDir
    Path dir;

    private final UnsafeBuffer message = new UnsafeBuffer(new byte[128]);
    private long sequence;

    /** The default definition with a 1-minute tumbling and a 20-second session window (not emitted), lateness 10 s. */
    static String definition() throws IOException {
        final String base;
        try (InputStream in = FeatureSpec.class.getResourceAsStream(FeatureSpec.DEFAULT_RESOURCE)) {
            base = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(base.contains("\nwindows:\n"));
        return "allowed_lateness: 10s\n" + base
            .replace("version: txf-1", "version: txf-1-kpi")
            .replace("\nwindows:\n", "\nwindows:\n  t1m: {type: tumbling, size: 1m}\n  s20: {type: session, gap: 20s}\n") +
            "\n" + String.join("\n",
            "  - {name: kpi_count_1m, aggregate: count, window: t1m, emit: false}",
            "  - {name: kpi_sum_1m, aggregate: sum, of: amount, window: t1m, emit: false}",
            "  - {name: kpi_max_1m, aggregate: max, of: amount, window: t1m, emit: false}",
            "  - {name: kpi_count_s, aggregate: count, window: s20, emit: false}",
            "  - {name: kpi_sum_s, aggregate: sum, of: amount, window: s20, emit: false}",
            "");
    }

    private Path spec() throws IOException {
        final Path file = dir.resolve("kpi.yaml");
        if (!Files.exists(file)) {
            Files.writeString(file, definition());
        }
        return file;
    }

    private VigilConfig config(final Path dataDir, final Map<String, String> extra) throws IOException {
        final Map<String, String> values = new LinkedHashMap<>();
        values.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        values.put(VigilConfig.FEATURES_SPEC.name(), spec().toString());
        values.putAll(extra);
        return VigilConfig.of(values);
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

    /** Runs every input record through a fresh pipeline; returns the answers' reasons and the results after each. */
    private static List<long[]> replay(final Journals input, final Journals journals, final VigilConfig config,
        final boolean journaling) {
        final List<long[]> out = new ArrayList<>();
        final List<Integer> reasons = new ArrayList<>();
        final ResponseSink sink = (session, buffer, offset, length) -> reasons.add(reasons(buffer, offset));
        try (Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, sink, journaling);
             JournalReader reader = input.inputReader()) {
            while (true) {
                final EventSlot slot = new EventSlot(512);
                if (!reader.read(slot.input)) {
                    break;
                }
                pipeline.stage(slot);
                pipeline.flush();
                out.add(new long[] {pipeline.windowResults(), reasons.isEmpty() ? 0 : reasons.get(reasons.size() - 1),
                    reasons.size(), pipeline.windowClosedEvents()});
            }
        }
        return out;
    }

    private static int reasons(final DirectBuffer buffer, final int offset) {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        assertEquals(DecisionDecoder.TEMPLATE_ID, header.templateId(), "a Decision");
        return buffer.getInt(offset + MessageHeaderDecoder.ENCODED_LENGTH + DecisionDecoder.reasonsEncodingOffset(),
            DecisionDecoder.BYTE_ORDER);
    }

    /**
     * What a reader takes as the results of {@code producer}: per key, the last firing of each window, where a result
     * replaces every earlier one of its key whose window lies within its own (a revised tumbling window, or a session
     * that grew or merged sessions after firing): {tenant, key, start, end, firing, count (the first value)}.
     */
    private static List<long[]> finalResults(final Journals journals, final String producer) {
        final List<long[]> current = new ArrayList<>();
        try (JournalReader reader = journals.windowsReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            final WindowResultDecoder d = new WindowResultDecoder();
            while (reader.read(record)) {
                d.wrapAndApplyHeader(record.payload(), 0, new MessageHeaderDecoder());
                final long tenant = d.tenantId();
                final long key = d.key();
                final long start = d.windowStartNs();
                final long end = d.windowEndNs();
                long count = -1;
                for (final WindowResultDecoder.ValuesDecoder v : d.values()) { // the group before the name (SBE order)
                    count = count < 0 ? (long)v.value() : count;
                }
                if (!d.windowName().equals(producer)) {
                    continue;
                }
                current.removeIf(r -> r[0] == tenant && r[1] == key && r[2] >= start && r[3] <= end);
                assertTrue(current.stream().noneMatch(r -> r[0] == tenant && r[1] == key && r[2] < end && start < r[3]),
                    "a result overlaps an earlier one of its key only by containing it");
                current.add(new long[] {tenant, key, start, end, record.clientSequence, count});
            }
        }
        return current;
    }

    /** Window results as text lines, in journal order: name tenant/key start..end (s) values #id, then @firing if > 0. */
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
                final long id = d.windowId();
                final StringBuilder line = new StringBuilder();
                for (final WindowResultDecoder.ValuesDecoder v : d.values()) {
                    line.append(' ').append((long)v.value());
                }
                final String values = line.toString();
                lines.add(d.windowName() + " " + d.tenantId() + "/" + d.key() + " " + (d.windowStartNs() - BASE) / S + ".." +
                    (d.windowEndNs() - BASE) / S + values + (id == WindowsStage.ACCOUNT_WINDOW_ID ? "" : " #" + id) +
                    (record.clientSequence == 0 ? "" : " @" + record.clientSequence)); // a late firing's number
            }
        }
        return lines;
    }

    private static String id(final String name) {
        return " #" + io.vigil.scoring.features.spec.DeclaredWindows.of(
            io.vigil.scoring.features.spec.CompiledFeatures.compile(FeatureSpec.parse(uncheckedDefinition(), "t"), 1))
            .stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow().windowId();
    }

    private static String uncheckedDefinition() {
        try {
            return definition();
        } catch (final IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void shouldEmitTheDefinitionsWindowsAtTheirEndsBesideTheBuiltInWindow() throws IOException {
        final String t = id("transactions.t1m");
        final String s = id("transactions.s20");
        final List<long[]> after;
        try (Journals journals = Journals.open(dir.resolve("data"), RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                WatermarkControl.tick(journals, BASE, POLICY);                         // 0
                transaction(input, CLIENT_A, 1, BASE, BASE, 100);                      // 1
                transaction(input, CLIENT_A, 1, BASE + 60 * S - 1, BASE, 200);         // 2: last ns of [0, 60); wm 55 s - 1 ns
                transaction(input, CLIENT_A, 1, BASE + 60 * S, BASE, 400);             // 3: exactly at the end: next window
                transaction(input, CLIENT_B, 2, BASE + 61 * S, BASE, 7);               // 4: B is a source from here
                transaction(input, CLIENT_A, 3, BASE + 65 * S, BASE, 1);               // 5: B holds the watermark (56 s)
                transaction(input, CLIENT_B, 2, BASE + 65 * S - 1, BASE, 8);           // 6: wm 60 s - 1 ns: nothing closes
                transaction(input, CLIENT_B, 2, BASE + 65 * S, BASE + S, 9);           // 7: wm 60 s: [0, 60) closes
                transaction(input, CLIENT_A, 1, BASE + 20 * S, BASE + 2 * S, 1_000);   // 8: 40 s late: TOO_LATE
                transaction(input, CLIENT_A, 3, BASE + 58 * S, BASE + 3 * S, 2_000);   // 9: 2 s late, its minute closed
                transaction(input, CLIENT_A, 1, BASE + 200 * S, BASE + 15 * S, 16);    // 10: B holds the watermark at 60 s
                WatermarkControl.tick(journals, BASE + 20 * S, POLICY);                // 11: B idle: watermark 195 s
                transaction(input, CLIENT_A, 1, BASE + 190 * S, BASE + 21 * S, 64);    // 12: 5 s late, its window open
                transaction(input, CLIENT_A, 1, BASE + 300 * S, BASE + 22 * S, 128);   // 13: wm 295 s
            }
            after = replay(journals, journals, config(dir.resolve("data"),
                Map.of(VigilConfig.WINDOWS_ACCOUNT_SIZE.name(), "1m")), true);
            assertEquals(DecisionRules.TOO_LATE, after.get(8)[1], "40 s behind: beyond the definition's 10 s");
            assertEquals(DecisionRules.LATE_EVENT, after.get(9)[1] & DecisionRules.LATE_EVENT);
            assertEquals(DecisionRules.LATE_EVENT, after.get(12)[1] & DecisionRules.LATE_EVENT);
            assertEquals(1, after.get(2)[0], "the first session [0, 20 s) closes at watermark 55 s");
            assertEquals(1, after.get(6)[0], "the watermark is 1 ns short of the minute's end");
            assertEquals(3, after.get(7)[0], "the minute closes exactly at its end: built-in and declared");
            assertEquals(List.of(
                "transactions.s20 1/1 0..20 1 100" + s,
                "account.tumbling.1m 1/1 0..60 2 300",
                "transactions.t1m 1/1 0..60 2 300 200" + t,
                // the tick turned B idle: the watermark jumps to 195 s; [60, 120) closes, and the sessions with it
                "account.tumbling.1m 1/1 60..120 1 400",
                "account.tumbling.1m 1/2 60..120 3 24",
                "account.tumbling.1m 1/3 60..120 1 1",
                "transactions.t1m 1/1 60..120 1 400 400" + t,
                "transactions.t1m 1/2 60..120 3 24 9" + t,
                "transactions.t1m 1/3 60..120 1 1 1" + t,
                // the 58 s event (2 s late) of account 3, whose minute had no window yet: a first result, late
                "transactions.t1m 1/3 0..60 1 2000 2000" + t,
                "transactions.s20 1/1 59..80 2 600" + s,   // 60 s - 1 ns and 60 s
                "transactions.s20 1/2 61..85 3 24" + s,
                "transactions.s20 1/3 58..85 2 2001" + s,  // the late 58 s event joined [65, 85)
                // the late 190 s event updated the open [180, 240) and joined the session at 200 s
                "account.tumbling.1m 1/1 180..240 2 80",
                "transactions.t1m 1/1 180..240 2 80 64" + t,
                "transactions.s20 1/1 190..220 2 80" + s), windows(journals));
            assertEquals(1, after.get(after.size() - 1)[3], "the 58 s event came for a closed minute of the built-in " +
                "window (t1m keeps its minutes for the allowed lateness); the too-late one reached no window");
        }
        // a dry run (replay run --dry-run) computes the same results and writes none
        try (Journals journals = Journals.open(dir.resolve("data"), RollCycles.FAST_HOURLY);
             Journals dry = Journals.open(dir.resolve("dry"), RollCycles.FAST_HOURLY)) {
            final List<long[]> dryAfter = replay(journals, dry, config(dir.resolve("dry"),
                Map.of(VigilConfig.WINDOWS_ACCOUNT_SIZE.name(), "1m")), false);
            assertEquals(after.get(after.size() - 1)[0], dryAfter.get(dryAfter.size() - 1)[0]);
            assertEquals(List.of(), windows(dry));
        }
    }

    @Test
    void shouldTakeTheAllowedLatenessFromTheDefinitionAndRefuseAConflictingSetting() throws IOException {
        final EngineContext context = new EngineContext(config(dir, Map.of()));
        context.conclude();
        assertEquals(10 * S, context.allowedLatenessNs());
        assertEquals(10 * S, WatermarkControl.Policy.of(context).allowedLatenessNs(), "the gateway's ticks carry it");
        final EngineContext same = new EngineContext(config(dir, Map.of(VigilConfig.LATENESS_ALLOWED.name(), "10000ms")));
        same.conclude();
        assertEquals(10 * S, same.allowedLatenessNs());
        final ConfigurationException conflict = assertThrows(ConfigurationException.class, () ->
            new EngineContext(config(dir, Map.of(VigilConfig.LATENESS_ALLOWED.name(), "1m"))).conclude());
        assertTrue(conflict.getMessage().contains("vigil.lateness.allowed") &&
            conflict.getMessage().contains("allowed_lateness 10s") && conflict.getMessage().contains("kpi.yaml"),
            conflict.getMessage());
        final EngineContext recorded = new EngineContext(config(dir, Map.of(VigilConfig.LATENESS_ALLOWED.name(), "unbounded")));
        recorded.conclude();
        assertEquals(10 * S, recorded.allowedLatenessNs(), "the key at its default value, as a recorded run " +
            "configuration (replay) lists it: the definition's");
        final Path plain = dir.resolve("plain.yaml");
        Files.writeString(plain, definition().replace("allowed_lateness: 10s\n", ""));
        final EngineContext undeclared = new EngineContext(VigilConfig.of(Map.of(VigilConfig.DATA_DIR.name(), dir.toString(),
            VigilConfig.FEATURES_SPEC.name(), plain.toString(), VigilConfig.LATENESS_ALLOWED.name(), "1m")));
        undeclared.conclude();
        assertEquals(60 * S, undeclared.allowedLatenessNs(), "a definition without allowed_lateness: the key's");
    }

    /**
     * 3 s apart, a little out of order, every 25th 30 s behind (too late), every 7th 15 s behind (late, within the
     * lateness: late firings), every 40th a 30 s pause (sessions end).
     */
    /**
     * 10 accounts in turn; every other late event goes to the account of the event 15 s before it (its minute may have
     * fired), the others join their own account's previous session, 30 s before, fired 20 s after it.
     */
    private static long account(final int i) {
        return i % 14 == 3 ? (i - 5) % 10 : i % 10;
    }

    private static long eventTime(final int i) {
        return BASE + i * 3 * S + (i / 40) * 30 * S - (i % 3 == 0 ? 2 * S : 0) - (i % 25 == 24 ? 30 * S : 0) -
            (i % 7 == 3 ? 15 * S : 0);
    }

    @Test
    void shouldWriteEachResultOnceAcrossRestartsAndARebuildFromTheJournal() throws Exception {
        final Path live = dir.resolve("live");
        final Path straight = dir.resolve("straight");
        final VigilConfig config = config(live, Map.of(VigilConfig.CHECKPOINT_INTERVAL.name(), "40",
            VigilConfig.FEED.name(), "tailer"));
        final long[] clients = {CLIENT_A, CLIENT_B};
        try (Journals journals = Journals.open(live, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                WatermarkControl.tick(journals, BASE, POLICY);
                for (int i = 0; i < 200; i++) {
                    transaction(input, clients[i % 2], account(i), eventTime(i), BASE + i * 3 * S, 10 + i);
                }
            }
            runEngine(config, journals);
            final List<String> firstRun = windows(journals);
            assertTrue(firstRun.stream().anyMatch(l -> l.startsWith("transactions.s20")), "sessions closed");
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 200; i < 300; i++) {
                    transaction(input, clients[i % 2], account(i), eventTime(i), BASE + i * 3 * S, 10 + i);
                }
            }
            runEngine(config, journals); // restores the checkpoint of the first stop: open windows and sessions
            final List<String> secondRun = windows(journals);
            assertEquals(firstRun, secondRun.subList(0, firstRun.size()));
            assertTrue(secondRun.size() > firstRun.size(), "the second run closed more windows");
            try (Stream<Path> list = Files.list(live.resolve("checkpoints"))) {
                for (final Path file : list.filter(p -> p.toString().endsWith(".vck")).toList()) {
                    Files.delete(file);
                }
            }
            try (JournalWriter input = journals.inputWriter()) {
                for (int i = 300; i < 350; i++) {
                    transaction(input, clients[i % 2], account(i), eventTime(i), BASE + i * 3 * S, 10 + i);
                }
                // far ahead on both clients: every earlier window closes
                transaction(input, CLIENT_A, 99, BASE + 10_000 * S, BASE + 10_000 * S, 1);
                transaction(input, CLIENT_B, 99, BASE + 10_000 * S, BASE + 10_000 * S, 1);
            }
            runEngine(config, journals); // no checkpoint: rebuilds from the journal's start, emitting everything again
            final List<String> recovered = windows(journals);
            assertEquals(secondRun, recovered.subList(0, secondRun.size()), "the earlier runs' results stay as they were");
            assertTrue(recovered.size() > secondRun.size(), "the third run closed more windows");
            try (Journals other = Journals.open(straight, RollCycles.FAST_HOURLY)) {
                replay(journals, other, config(straight, Map.of()), true);
                assertEquals(windows(other), recovered, "an uninterrupted run writes the same results, none twice");
            }
            assertEquals(recovered.size(), recovered.stream().map(l -> l.split(" ")[0] + " " + l.split(" ")[1] + " " +
                l.split(" ")[2] + " " + (l.contains(" @") ? l.substring(l.indexOf(" @")) : "")).distinct().count(),
                "one result per key, window and firing");
            assertTrue(recovered.stream().anyMatch(l -> l.startsWith("transactions.t1m") && l.endsWith(" @1")),
                "late firings of minutes");
            assertTrue(recovered.stream().anyMatch(l -> l.startsWith("transactions.s20") && l.contains(" @")),
                "late firings of sessions");
            // every event but the too-late ones (and the two far ahead) is in exactly one result of each producer
            long tooLate = 0;
            try (JournalReader late = journals.lateReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (late.read(record)) {
                    tooLate++;
                }
            }
            assertEquals(14, tooLate, "every 25th of 350");
            for (final String producer : List.of("transactions.t1m", "transactions.s20")) {
                final long counted = finalResults(journals, producer).stream().mapToLong(r -> r[5]).sum();
                assertEquals(350 - tooLate, counted, producer + ": every applied event counted once in the last firings");
            }
        }
    }

    @Test
    void shouldFireAMinuteAgainForLateEventsWithinTheLatenessAndPurgeItAfterEvenAcrossARestart() throws Exception {
        final String t = id("transactions.t1m");
        final Path live = dir.resolve("live");
        final VigilConfig config = config(live, Map.of(VigilConfig.FEED.name(), "tailer"));
        try (Journals journals = Journals.open(live, RollCycles.FAST_HOURLY)) {
            try (JournalWriter input = journals.inputWriter()) {
                WatermarkControl.tick(journals, BASE, POLICY);                         // 0
                transaction(input, CLIENT_A, 1, BASE + 10 * S, BASE, 100);             // 1
                transaction(input, CLIENT_A, 1, BASE + 64 * S, BASE, 1);               // 2: wm 59 s
                transaction(input, CLIENT_A, 2, BASE + 66 * S, BASE, 2);               // 3: wm 61 s: [0, 60) fires
                transaction(input, CLIENT_A, 1, BASE + 55 * S, BASE, 5);               // 4: 6 s late: applied to it
            }
            runEngine(config, journals); // stops with the revised minute not fired yet: the checkpoint holds it
            try (JournalWriter input = journals.inputWriter()) {
                transaction(input, CLIENT_A, 1, BASE + 58 * S, BASE, 7);               // 5: 3 s late: applied too
                transaction(input, CLIENT_A, 3, BASE + 67 * S, BASE, 1);               // 6: wm 62 s: fires again, once
                transaction(input, CLIENT_A, 1, BASE + 50 * S, BASE, 1_000);           // 7: 12 s late: TOO_LATE
                transaction(input, CLIENT_A, 1, BASE + 75 * S, BASE, 4);               // 8: wm 70 s: [0, 60) purged
                transaction(input, CLIENT_A, 9, BASE + 200 * S, BASE, 8);              // 9: wm 195 s
            }
            runEngine(config, journals);
            final List<String> results = windows(journals).stream().filter(l -> l.startsWith("transactions.t1m")).toList();
            assertEquals(List.of(
                "transactions.t1m 1/1 0..60 1 100 100" + t,
                "transactions.t1m 1/1 0..60 3 112 100" + t + " @1", // both late events, one revised result
                "transactions.t1m 1/1 60..120 2 5 4" + t,
                "transactions.t1m 1/2 60..120 1 2 2" + t,
                "transactions.t1m 1/3 60..120 1 1 1" + t), results);
            try (Journals other = Journals.open(dir.resolve("straight"), RollCycles.FAST_HOURLY)) {
                replay(journals, other, config(dir.resolve("straight"), Map.of()), true);
                assertEquals(windows(other), windows(journals), "an uninterrupted run writes the same firings, none twice");
            }
        }
    }

    private static void runEngine(final VigilConfig config, final Journals journals) throws InterruptedException {
        try (Engine engine = Engine.start(new EngineContext(config), journals, ResponseSink.NONE)) {
            assertTrue(engine.awaitCaughtUp(30, TimeUnit.SECONDS));
        }
    }
}
