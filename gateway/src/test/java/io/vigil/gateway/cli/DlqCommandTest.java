package io.vigil.gateway.cli;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Stage;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(60)
class DlqCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void shouldListDeadLettersAndReinjectCorrectedOnes() throws Exception {
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final AtomicInteger answers = new AtomicInteger();
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
                VigilConfig.DATA_DIR.name(), dataDir.toString(), VigilConfig.PORT.name(), "0")));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon("vigil-demo-secret", 3, 8, 1, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    answers.incrementAndGet();
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    answers.incrementAndGet();
                }
            });
            client.sendTransaction(1, nowNs, 10, 20, 5411, 0, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            client.sendTransaction(2, nowNs, 11, 21, 5411, 2500, "QQQ", "FR", Channel.ECOMMERCE, Label.UNKNOWN);
            client.sendTransaction(3, nowNs, 12, 22, 5411, 700, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            while (answers.get() < 3) {
                Thread.sleep(2);
            }
        }

        final List<Long> deadLetters = new ArrayList<>();
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                deadLetters.add(record.index);
            }
        }
        assertEquals(2, deadLetters.size());

        final ByteArrayOutputStream listed = new ByteArrayOutputStream();
        final DlqCommand.ListCommand list = new DlqCommand.ListCommand();
        list.out = new PrintStream(listed, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(list).execute("--data", dataDir.toString()));
        final String listing = listed.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("INVALID_AMOUNT"), listing);
        assertTrue(listing.contains("UNKNOWN_CURRENCY"), listing);
        assertTrue(listing.contains("2 dead letters"), listing);

        final Path fixes = dataDir.resolve("fixes.txt");
        Files.writeString(fixes, "# corrected by operations\n" +
            deadLetters.get(0) + " amountMinor=1500\n" +
            deadLetters.get(1) + " currency=EUR\n");
        final ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        final DlqCommand.ReplayCommand replay = new DlqCommand.ReplayCommand();
        replay.out = new PrintStream(replayed, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(replay).execute("--data", dataDir.toString(), "--fix", fixes.toString()),
            replayed.toString(StandardCharsets.UTF_8));
        final String report = replayed.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("2 re-injected, 2 decided"), report);

        // the corrected events went the whole way: input journal, then a Decision in the output journal
        int decidedForReinjector = 0;
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                if (record.clientId == 4476001 && record.code == DecisionDecoder.TEMPLATE_ID) {
                    decidedForReinjector++;
                }
            }
        }
        assertEquals(2, decidedForReinjector);
    }

    @Test
    void shouldListTheFailureOfAnInternalErrorAndReinjectTheEventUnchanged() throws Exception {
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final AtomicInteger answers = new AtomicInteger();
        final List<String> rejects = new java.util.concurrent.CopyOnWriteArrayList<>();
        final StageAssembler failing = stages -> stages.add(2, new Stage() {
            @Override
            public String name() {
                return "rates";
            }

            @Override
            public void onEvent(final EventSlot slot) {
                if (slot.entityKey == 13) {
                    throw new IllegalStateException("no exchange rate for account 13");
                }
            }
        });
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
                VigilConfig.DATA_DIR.name(), dataDir.toString(), VigilConfig.PORT.name(), "0")), failing);
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon("vigil-demo-secret", 3, 8, 1, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    answers.incrementAndGet();
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    rejects.add(reject.reason().name());
                    answers.incrementAndGet();
                }
            });
            client.sendTransaction(1, nowNs, 13, 20, 5411, 1234, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            client.sendTransaction(2, nowNs, 12, 22, 5411, 700, "EUR", "DE", Channel.POS, Label.UNKNOWN);
            while (answers.get() < 2) {
                Thread.sleep(2);
            }
        }
        assertEquals(List.of("INTERNAL_ERROR"), rejects);

        final ByteArrayOutputStream listed = new ByteArrayOutputStream();
        final DlqCommand.ListCommand list = new DlqCommand.ListCommand();
        list.out = new PrintStream(listed, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(list).execute("--data", dataDir.toString(), "--reason", "internal_error"));
        final String listing = listed.toString(StandardCharsets.UTF_8);
        assertTrue(listing.contains("INTERNAL_ERROR"), listing);
        assertTrue(listing.contains("Transaction account 13 amount 1234 EUR | failure: rates: " +
            "java.lang.IllegalStateException: no exchange rate for account 13"), listing);
        assertTrue(listing.contains("1 dead letters"), listing);

        final long index;
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            assertTrue(reader.read(record));
            index = record.index;
        }
        final Path fixes = Files.writeString(dataDir.resolve("fixes.txt"), index + "\n");
        final ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        final DlqCommand.ReplayCommand replay = new DlqCommand.ReplayCommand();
        replay.out = new PrintStream(replayed, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(replay).execute("--data", dataDir.toString(), "--fix", fixes.toString()),
            replayed.toString(StandardCharsets.UTF_8));
        assertTrue(replayed.toString(StandardCharsets.UTF_8).contains("1 re-injected, 1 decided"),
            replayed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldExplainABadFixFile() throws Exception {
        Files.createDirectories(dataDir.resolve("dlq"));
        final Path fixes = dataDir.resolve("fixes.txt");
        Files.writeString(fixes, "12 amountMinor\n");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CommandLine command = new CommandLine(new DlqCommand.ReplayCommand());
        command.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        command.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println(ex.getMessage());
            return 2;
        });
        assertEquals(2, command.execute("--data", dataDir.toString(), "--fix", fixes.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("expected field=value"), err.toString(StandardCharsets.UTF_8));
    }
}
