package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.CheckpointStore;
import io.vigil.engine.Engine;
import io.vigil.engine.EngineContext;
import io.vigil.engine.Pipeline;
import io.vigil.engine.ResponseSink;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash recovery: the server runs in its own JVM and is killed with SIGKILL at seeded random moments while a client
 * streams; each time it is restarted and the client reconnects, resends what it has not seen answered, and goes on.
 * Then: every answer the client saw is in the journals, every event has exactly one answer, and the state the
 * restarted server ends with equals that of one uninterrupted replay of the same input.
 */
@Tag("slow")
@Timeout(240)
class CrashRecoveryTest {
    private static final int EVENTS = 60_000;
    private static final int KILLS = 6;
    private static final int WINDOW = 2_000;
    private static final Pattern RECOVERY = Pattern.compile("recovery: replayed (\\d+) journaled events .* in (\\d+) ms");
    private static final Pattern RESTORED = Pattern.compile("restored checkpoint .* in (\\d+) ms");

    @TempDir
    Path dir;

    /** What the client saw per sequence: the first answer; later ones must be identical. */
    private final Map<Long, String> seen = new ConcurrentHashMap<>();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong inconsistent = new AtomicLong();
    private final List<String> report = new ArrayList<>();

    private final VigilClient.Listener listener = new VigilClient.Listener() {
        @Override
        public void onDecision(final DecisionDecoder d) {
            record(d.clientSequence(), "D " + d.journalIndex() + " " + Float.floatToRawIntBits(d.modelScore()) + " " +
                Float.floatToRawIntBits(d.anomalyScore()) + " " + d.actionRaw() + " " + d.reasons().getRaw());
        }

        @Override
        public void onReject(final RejectDecoder r) {
            record(r.clientSequence(), "R " + r.journalIndex() + " " + r.reasonRaw());
        }
    };

    private void record(final long sequence, final String answer) {
        final String first = seen.putIfAbsent(sequence, answer);
        if (first != null) {
            duplicates.incrementAndGet();
            if (!first.equals(answer)) {
                inconsistent.incrementAndGet();
                System.out.println("INCONSISTENT sequence " + sequence + ": " + first + " then " + answer);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private Process startServer(final Path data, final Path config, final int port, final int run) throws IOException {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        final String flags = System.getProperty("vigil.jvm.flags", "");
        for (final String flag : flags.trim().split("\\s+")) {
            if (!flag.isEmpty()) {
                command.add(flag);
            }
        }
        // a small, quick-starting JVM for each of the many restarts: the default collector off, the serial one on
        command.addAll(List.of("-Xmx512m", "-XX:-UseZGC", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
            System.getProperty("java.class.path"), CrashServerMain.class.getName(),
            "--port", Integer.toString(port), "--data", data.toString(), "--config", config.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("server-" + run + ".log").toFile()).start();
    }

    private static boolean awaitListening(final int port, final Process process, final long timeoutMs)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                return socket.isConnected();
            } catch (final IOException ex) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    @Test
    void shouldLoseNothingAndDecideNothingTwiceAcrossKills() throws Exception {
        final long seed = Long.getLong("vigil.crash.seed", System.nanoTime());
        System.out.println("CrashRecoveryTest seed " + seed + " (rerun with -Dvigil.crash.seed=" + seed + ")");
        final Random random = new Random(seed);
        final Path data = dir.resolve("data");
        final Path config = Files.writeString(dir.resolve("server.properties"),
            GatewayConfiguration.CREDENTIAL.name() + "=" + LiveRun.CREDENTIAL + "\n" +
                VigilConfig.CHECKPOINT_INTERVAL.name() + "=4000\n" +
                GatewayConfiguration.HEARTBEAT_INTERVAL.name() + "=500ms\n");
        final Workload workload = Workload.endingNow(seed, EVENTS, 2 * 24 * Workload.HOUR_NS);
        final long[] killAt = new long[KILLS];
        for (int i = 0; i < KILLS; i++) {
            killAt[i] = (long)(EVENTS * (i + 0.2 + 0.6 * random.nextDouble()) / (KILLS + 1));
        }
        int kills = 0;
        int run = 0;
        Process server = null;
        try {
            while (true) {
                final int port = freePort();
                final long startNs = System.nanoTime();
                server = startServer(data, config, port, run);
                assertTrue(awaitListening(port, server, 60_000), "server run " + run + " did not come up");
                final long upMs = (System.nanoTime() - startNs) / 1_000_000;
                final int thisRun = run++;
                boolean killed = false;
                try (VigilClient client = VigilClient.connect("127.0.0.1", port)) {
                    final long journaled = client.logon(LiveRun.CREDENTIAL, 1, LiveRun.CLIENT_ID, 1, listener);
                    client.autoFlush(false);
                    // resend what was journaled but not seen answered: the recorded answer, or the pipeline's
                    int resent = 0;
                    for (long s = 1; s <= journaled; s++) {
                        if (!seen.containsKey(s)) {
                            workload.send(client, s);
                            resent++;
                        }
                    }
                    client.flush();
                    report.add(String.format("run %d: up in %d ms; %,d journaled, %,d seen answered, %,d resent", thisRun,
                        upMs, journaled, seen.size(), resent));
                    final long killDelayMs = random.nextInt(30);
                    long next = journaled + 1;
                    while (seen.size() < EVENTS) {
                        if (kills < KILLS && seen.size() >= killAt[kills]) {
                            Thread.sleep(killDelayMs);
                            server.destroyForcibly().waitFor();
                            kills++;
                            killed = true;
                            break;
                        }
                        if (next <= EVENTS && next - seen.size() < WINDOW) {
                            final long until = Math.min(EVENTS, next + 64);
                            for (; next <= until; next++) {
                                workload.send(client, next);
                            }
                            client.flush();
                        } else {
                            Thread.sleep(1);
                        }
                        if (!client.isConnected()) {
                            throw new IOException("lost the connection to a live server");
                        }
                    }
                    if (!killed) {
                        client.logout();
                        client.awaitClosed(5, TimeUnit.SECONDS);
                    }
                } catch (final IOException ex) {
                    if (!killed) {
                        throw ex;
                    }
                }
                if (!killed) {
                    server.destroy();
                    assertTrue(server.waitFor(60, TimeUnit.SECONDS), "server did not stop on SIGTERM");
                    break;
                }
            }
        } finally {
            if (server != null && server.isAlive()) {
                server.destroyForcibly().waitFor();
            }
        }
        for (int i = 0; i < run; i++) {
            final String log = Files.readString(dir.resolve("server-" + i + ".log"));
            final Matcher recovery = RECOVERY.matcher(log);
            final Matcher restored = RESTORED.matcher(log);
            report.set(i, report.get(i) + (restored.find() ? "; checkpoint restored in " + restored.group(1) + " ms" : "") +
                (recovery.find() ? "; replayed " + recovery.group(1) + " events in " + recovery.group(2) + " ms" : ""));
        }
        report.forEach(System.out::println);
        System.out.printf("%d kills, %,d duplicate answers seen by the client (identical to the first: %s)%n", kills,
            duplicates.get(), inconsistent.get() == 0);

        assertEquals(KILLS, kills);
        assertEquals(0, inconsistent.get(), "an answer seen twice differed");
        assertEquals(EVENTS, seen.size(), "every event sent was answered");
        assertJournalsHoldExactlyOneAnswerPerEvent(data);
        assertFinalStateEqualsAnUninterruptedReplay(data);
        final ReplayCli verify = ReplayCli.run("verify", "--data", data.toString(), "--config", config.toString());
        assertEquals(0, verify.exitCode, verify.output);
    }

    private void assertJournalsHoldExactlyOneAnswerPerEvent(final Path data) {
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"))) {
            final Map<Long, Long> inputBySequence = new HashMap<>();
            try (JournalReader input = journals.inputReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (input.read(record)) {
                    if (record.source == RecordHeader.SOURCE_ADMIN) {
                        continue; // control records: the gateway's watermark ticks
                    }
                    assertNull(inputBySequence.put(record.clientSequence, record.index), "journaled twice: " + record);
                }
            }
            assertEquals(EVENTS, inputBySequence.size(), "every event journaled once");
            final Map<Long, Long> outputByInput = new HashMap<>();
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final DecisionDecoder decision = new DecisionDecoder();
            final RejectDecoder reject = new RejectDecoder();
            try (JournalReader output = journals.outputReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (output.read(record)) {
                    assertNull(outputByInput.put(record.refIndex, record.index), "answered twice: " + record);
                    assertEquals(inputBySequence.get(record.clientSequence), record.refIndex);
                    header.wrap(record.payload(), 0);
                    final String answer;
                    if (header.templateId() == DecisionDecoder.TEMPLATE_ID) {
                        final DecisionDecoder d = decision.wrapAndApplyHeader(record.payload(), 0, header);
                        answer = "D " + d.journalIndex() + " " + Float.floatToRawIntBits(d.modelScore()) + " " +
                            Float.floatToRawIntBits(d.anomalyScore()) + " " + d.actionRaw() + " " + d.reasons().getRaw();
                    } else {
                        final RejectDecoder r = reject.wrapAndApplyHeader(record.payload(), 0, header);
                        answer = "R " + r.journalIndex() + " " + r.reasonRaw();
                    }
                    assertEquals(answer, seen.get(record.clientSequence), "the client saw the journaled answer");
                }
            }
            assertEquals(EVENTS, outputByInput.size(), "every journaled event answered once");
        }
    }

    private static void assertFinalStateEqualsAnUninterruptedReplay(final Path data) throws Exception {
        final VigilConfig config = VigilConfig.of(Map.of(VigilConfig.DATA_DIR.name(), data.toString()));
        final CheckpointStore.Checkpoint live = CheckpointStore.read(new CheckpointStore(data.resolve("checkpoints"), 3)
            .list().get(0));
        final Path replayed = Files.createTempDirectory("vigil-uninterrupted");
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"));
             Pipeline pipeline = Engine.newPipeline(new EngineContext(config), journals, ResponseSink.NONE, false)) {
            final Replayer.Result result = Replayer.run(journals, pipeline, 512, -1, -1, null, Progress.NONE);
            assertEquals(EVENTS, result.events - pipeline.controls(), "events read (watermark ticks aside)");
            assertEquals(result.lastIndex, live.inputIndex(), "the final checkpoint reflects every event");
            final CheckpointStore.Checkpoint uninterrupted = CheckpointStore.read(
                new CheckpointStore(replayed, 1).write(pipeline, result.lastIndex));
            final String difference = StateSnapshots.firstDifference(StateSnapshots.accounts(uninterrupted),
                StateSnapshots.accounts(live));
            assertNull(difference, difference);
            assertTrue(Arrays.equals(StateSnapshots.metrics(uninterrupted), StateSnapshots.metrics(live)),
                "metric series state");
            assertNotNull(live.modelVersion());
        } finally {
            try (var files = Files.walk(replayed)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
