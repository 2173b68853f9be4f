package io.vigil.gateway.cli;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.EventSlot;
import io.vigil.engine.Stage;
import io.vigil.engine.StageAssembler;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
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
import java.util.HashMap;
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
                VigilConfig.DATA_DIR.name(), dataDir.toString(), GatewayConfiguration.PORT.name(), "0")));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon("vigil-demo-secret", 1, 8, 1, new VigilClient.Listener() {
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

        // a second run re-injects nothing: the first one recorded what it sent
        final ByteArrayOutputStream second = new ByteArrayOutputStream();
        final DlqCommand.ReplayCommand again = new DlqCommand.ReplayCommand();
        again.out = new PrintStream(second, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(again).execute("--data", dataDir.toString(), "--fix", fixes.toString()));
        final String secondReport = second.toString(StandardCharsets.UTF_8);
        assertTrue(secondReport.contains("dead letter " + deadLetters.get(0) + " was re-injected before") &&
            secondReport.contains("nothing to re-inject"), secondReport);
        assertEquals(2, decidedFor(dataDir, 4476001));

        // --again does it once more, on purpose
        final ByteArrayOutputStream third = new ByteArrayOutputStream();
        final DlqCommand.ReplayCommand forced = new DlqCommand.ReplayCommand();
        forced.out = new PrintStream(third, true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(forced).execute("--data", dataDir.toString(), "--fix", fixes.toString(), "--again"),
            third.toString(StandardCharsets.UTF_8));
        assertTrue(third.toString(StandardCharsets.UTF_8).contains("2 re-injected, 2 decided"), third.toString(StandardCharsets.UTF_8));
        assertEquals(4, decidedFor(dataDir, 4476001));
    }

    private static int decidedFor(final Path dataDir, final long clientId) {
        int decided = 0;
        try (Journals journals = Journals.openReadOnly(dataDir, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                if (record.clientId == clientId && record.code == DecisionDecoder.TEMPLATE_ID) {
                    decided++;
                }
            }
        }
        return decided;
    }

    @Test
    void shouldReinjectEachDeadLetterUnderItsOwnTenant() throws Exception {
        final Path credentials = dataDir.resolve("credentials.txt");
        Files.write(credentials, List.of(
            line(8, 1, "one-8"), line(8, 2, "two-8"),
            line(100, 1, "one-100"), line(200, 2, "two-200")));
        final Path config = dataDir.resolve("vigil.properties");
        Files.writeString(config, GatewayConfiguration.CREDENTIALS_FILE.name() + "=" + credentials + "\n");
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final Path data = dataDir.resolve("data");
        try (VigilServer server = VigilServer.start(VigilConfig.load(config).with(Map.of(
                VigilConfig.DATA_DIR.name(), data.toString(), GatewayConfiguration.PORT.name(), "0")))) {
            for (final int tenant : new int[] {1, 2}) {
                final AtomicInteger answers = new AtomicInteger();
                try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                    client.logon(tenant == 1 ? "one-8" : "two-8", tenant, 8, 1, counting(answers));
                    // the same client id and sequence in both tenants, each event invalid in its own way
                    client.sendTransaction(1, nowNs, 10, 20, 5411, tenant == 1 ? 0 : 700, tenant == 1 ? "EUR" : "QQQ", "DE",
                        Channel.POS, Label.UNKNOWN);
                    while (answers.get() < 1) {
                        Thread.sleep(2);
                    }
                }
            }
        }
        final Map<Long, Integer> tenantOfDeadLetter = new java.util.LinkedHashMap<>();
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.deadLetterReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                tenantOfDeadLetter.put(record.index, record.tenantId);
            }
        }
        assertEquals(List.of(1, 2), new ArrayList<>(tenantOfDeadLetter.values()));
        final List<Long> indices = new ArrayList<>(tenantOfDeadLetter.keySet());
        final Path fixes = dataDir.resolve("fixes.txt");
        Files.writeString(fixes, indices.get(0) + " amountMinor=1500\n" + indices.get(1) + " currency=EUR\n");

        // a tenant without a credential: refused before anything is sent
        final Path onlyOne = dataDir.resolve("reinject-1.txt");
        Files.writeString(onlyOne, "# tenantId clientId secret\n1 100 one-100\n");
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final CommandLine refused = new CommandLine(new DlqCommand.ReplayCommand());
        refused.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        refused.setExecutionExceptionHandler((ex, cmd, parse) -> {
            cmd.getErr().println(ex.getMessage());
            return 2;
        });
        assertEquals(2, refused.execute("--data", data.toString(), "--fix", fixes.toString(), "--config", config.toString(),
            "--credentials", onlyOne.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("no credential for tenant 2"), err.toString(StandardCharsets.UTF_8));
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"))) {
            assertEquals(2, count(journals.inputReader()), "nothing was re-injected");
        }

        final Path both = dataDir.resolve("reinject.txt");
        Files.writeString(both, "1 100 one-100\n2 200 two-200\n");
        final ByteArrayOutputStream replayed = new ByteArrayOutputStream();
        final DlqCommand.ReplayCommand replay = new DlqCommand.ReplayCommand();
        replay.out = new PrintStream(replayed, true, StandardCharsets.UTF_8);
        replay.err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(0, new CommandLine(replay).execute("--data", data.toString(), "--fix", fixes.toString(),
            "--config", config.toString(), "--credentials", both.toString()), replayed.toString(StandardCharsets.UTF_8));
        final String report = replayed.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("2 re-injected, 2 decided"), report);
        assertTrue(report.contains("tenant 2 client 200 sequence 1: "), report);

        final Map<Integer, Long> decidedClientOfTenant = new HashMap<>();
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.outputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            while (reader.read(record)) {
                if (record.code == DecisionDecoder.TEMPLATE_ID) {
                    decidedClientOfTenant.put(record.tenantId, record.clientId);
                }
            }
        }
        assertEquals(Map.of(1, 100L, 2, 200L), decidedClientOfTenant, "each event decided under its own tenant");
    }

    static String line(final long clientId, final int tenantId, final String secret) {
        return io.vigil.gateway.Credentials.create(clientId, tenantId, secret.toCharArray(),
            io.vigil.gateway.Credentials.MIN_ITERATIONS, new java.security.SecureRandom()).toLine();
    }

    /** Records of a journal, control records of the input journal (watermark ticks) aside. */
    private static long count(final JournalReader reader) {
        try (reader) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            long n = 0;
            while (reader.read(record)) {
                n += record.source == io.vigil.journal.RecordHeader.SOURCE_ADMIN ? 0 : 1; // not the watermark ticks
            }
            return n;
        }
    }

    private static VigilClient.Listener counting(final AtomicInteger answers) {
        return new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                answers.incrementAndGet();
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                answers.incrementAndGet();
            }
        };
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
                VigilConfig.DATA_DIR.name(), dataDir.toString(), GatewayConfiguration.PORT.name(), "0")), failing);
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon("vigil-demo-secret", 1, 8, 1, new VigilClient.Listener() {
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
