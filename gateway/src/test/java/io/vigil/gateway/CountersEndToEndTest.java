package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.engine.VigilConfig;
import io.vigil.engine.cli.StatCommand;
import io.vigil.engine.counters.CounterType;
import io.vigil.engine.counters.CountersFileReader;
import io.vigil.engine.counters.EngineState;
import io.vigil.engine.counters.VigilCounters;
import io.vigil.gateway.client.VigilClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server on loopback streams events, good and deliberately bad; readers that are not the writer — a
 * read-only mapping in this JVM, and {@code vigil stat --once} in a separate JVM — see counts that match what the
 * test sent.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CountersEndToEndTest {
    private static final String CREDENTIAL = "test-secret";
    private static final int EVENTS = 300;

    @TempDir
    Path dataDir;

    @Test
    void shouldCountWhatTheServerDidForAReaderInAnotherProcess() throws Exception {
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
            VigilConfig.CHECKPOINT_INTERVAL.name(), "100",
            // the tick at start only: a periodic one between reading a counter and the journal would race them
            VigilConfig.WATERMARK_TICK_INTERVAL.name(), "1h",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY"));
        final AtomicInteger answers = new AtomicInteger();
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
        int invalidAmount = 0;
        int unknownCurrency = 0;
        int invalidValue = 0;
        try (VigilServer server = VigilServer.start(config)) {
            try (CountersFileReader reader = CountersFileReader.open(dataDir)) {
                assertEquals(server.counters().file(), reader.path());
                assertEquals(EngineState.LIVE.code(), reader.value(CounterType.ENGINE_STATE));
                assertEquals(16384, reader.value(CounterType.RING_SIZE));
                try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                    client.logon(CREDENTIAL, 1, 41, 1, listener);
                    final long nowNs = System.currentTimeMillis() * 1_000_000L;
                    for (long seq = 1; seq <= EVENTS; seq++) {
                        final long eventTimeNs = nowNs - (EVENTS - seq) * 1_000_000L;
                        switch ((int)(seq % 10)) {
                            case 0:
                                client.sendTransaction(seq, eventTimeNs, 5, 6, 5411, 0, "EUR", "DE", Channel.POS, Label.UNKNOWN);
                                invalidAmount++;
                                break;
                            case 1:
                                client.sendTransaction(seq, eventTimeNs, 5, 6, 5411, 100, "QQQ", "DE", Channel.POS, Label.UNKNOWN);
                                unknownCurrency++;
                                break;
                            case 2:
                                client.sendMetric(seq, eventTimeNs, 3, Double.NaN);
                                invalidValue++;
                                break;
                            case 3:
                                client.sendMetric(seq, eventTimeNs, 3, 40.0 + seq % 5);
                                break;
                            default:
                                client.sendTransaction(seq, eventTimeNs, 1000 + seq % 7, 2000 + seq % 13, 5411, 1500 + seq,
                                    "EUR", "DE", Channel.ECOMMERCE, Label.LEGIT);
                        }
                    }
                    awaitValue("answers at the client", EVENTS, answers::get);
                    // rejected by the gateway, dead-lettered there, never journaled: an event before Logon
                    try (RawConnection raw = new RawConnection(server.port())) {
                        raw.send(raw.frame, raw.transaction(1, System.currentTimeMillis() * 1_000_000L, 100, "EUR"));
                        assertEquals(RejectReason.NOT_LOGGED_ON, raw.readReject().reason());
                    }
                    final int rejects = invalidAmount + unknownCurrency + invalidValue;

                    awaitValue(reader, CounterType.EVENTS_IN, EVENTS);
                    awaitValue(reader, CounterType.ANSWERED, EVENTS);
                    awaitRejected(reader, RejectReason.INVALID_AMOUNT, invalidAmount);
                    awaitRejected(reader, RejectReason.UNKNOWN_CURRENCY, unknownCurrency);
                    awaitRejected(reader, RejectReason.INVALID_VALUE, invalidValue);
                    awaitRejected(reader, RejectReason.NOT_LOGGED_ON, 1);
                    awaitValue(reader, CounterType.DEAD_LETTERS, rejects + 1);
                    awaitValue(reader, CounterType.CONNECTIONS, 1);
                    awaitValue(reader, CounterType.PIPELINE_LAG, 0);
                    awaitValue(reader, CounterType.RING_OCCUPANCY, 0);
                    assertEquals(0, reader.rejected(RejectReason.EVENT_TIME_TOO_OLD.value()));
                    assertEquals(0, reader.value(CounterType.ERRORS));
                    assertEquals(0, reader.value(CounterType.MODEL_FALLBACKS));
                    assertEquals(0, reader.value(CounterType.JOURNAL_UNAVAILABLE));
                    assertEquals(server.journals().lastInputIndex(), reader.value(CounterType.INPUT_INDEX));
                    assertEquals(server.journals().lastInputIndex(), reader.value(CounterType.COMPLETED_INDEX));
                    assertEquals(server.journals().lastOutputIndex(), reader.value(CounterType.OUTPUT_INDEX));
                    assertEquals(server.engine().checkpointsWritten(), reader.value(CounterType.CHECKPOINTS));
                    assertTrue(reader.value(CounterType.CHECKPOINTS) >= 1, "a checkpoint after every 100 events, at a batch end");
                    final long lastCheckpointMs = reader.value(CounterType.LAST_CHECKPOINT);
                    assertTrue(lastCheckpointMs > 0 && lastCheckpointMs <= System.currentTimeMillis(), "" + lastCheckpointMs);

                    // the same numbers, seen by `vigil stat --once` in a separate JVM
                    final Map<String, String> stat = statInAnotherJvm(0);
                    assertEquals(String.format("%,d", EVENTS), stat.get("events in (journaled)"));
                    assertEquals(String.format("%,d", EVENTS), stat.get("answered"));
                    assertEquals(String.valueOf(invalidAmount), stat.get("rejected: INVALID_AMOUNT"));
                    assertEquals(String.valueOf(unknownCurrency), stat.get("rejected: UNKNOWN_CURRENCY"));
                    assertEquals(String.valueOf(invalidValue), stat.get("rejected: INVALID_VALUE"));
                    assertEquals("1", stat.get("rejected: NOT_LOGGED_ON"));
                    assertEquals(null, stat.get("rejected: EVENT_TIME_TOO_OLD"), "reasons at 0 are left out");
                    assertEquals(String.valueOf(rejects + 1), stat.get("dead letters"));
                    assertEquals("LIVE", stat.get("engine state"));
                    assertEquals("0x" + Long.toHexString(server.journals().lastInputIndex()),
                        stat.get("input journal: last index"));
                }
            }
        }
        // after an orderly stop the file stays, with the final values and the engine stopped
        try (CountersFileReader reader = CountersFileReader.open(dataDir)) {
            assertEquals(EngineState.STOPPED.code(), reader.value(CounterType.ENGINE_STATE));
            assertEquals(EVENTS, reader.value(CounterType.ANSWERED));
            assertEquals(0, reader.value(CounterType.CONNECTIONS));
        }
    }

    @Test
    void shouldCountEventsDecidedByRulesAloneAsModelFallbacks() throws Exception {
        // an inference budget of 1 ns: every batch runs over it and is decided by the rules alone
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
            VigilConfig.INFERENCE_BUDGET.name(), "1ns"));
        final AtomicInteger answers = new AtomicInteger();
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
        final int transactions = 50;
        try (VigilServer server = VigilServer.start(config);
             CountersFileReader reader = CountersFileReader.open(dataDir);
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, 42, 1, listener);
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            for (long seq = 1; seq <= transactions; seq++) {
                client.sendTransaction(seq, nowNs, 1000 + seq % 7, 2000 + seq % 13, 5411, 1500 + seq, "EUR", "DE",
                    Channel.ECOMMERCE, Label.LEGIT);
            }
            client.sendMetric(transactions + 1, nowNs, 3, 40.0);
            awaitValue("answers at the client", transactions + 1, answers::get);
            awaitValue(reader, CounterType.ANSWERED, transactions + 1);
            assertEquals(transactions, reader.value(CounterType.MODEL_FALLBACKS), "metrics are not scored by the model");
            assertEquals(0, reader.value(CounterType.ERRORS), "over budget is not an error");
        }
    }

    @Test
    void shouldFailWithOneLineWhenThereIsNoCountersFile() throws Exception {
        final Result result = runStat(dataDir, 0);
        assertEquals(2, result.exitCode, result.output);
        assertTrue(result.output.startsWith("vigil stat: no counters file at " +
            dataDir.resolve(VigilCounters.FILE_NAME)), result.output);
        assertEquals(1, result.output.strip().lines().count(), result.output);
        Files.write(dataDir.resolve(VigilCounters.FILE_NAME), new byte[4096]);
        final Result foreign = runStat(dataDir, 0);
        assertEquals(2, foreign.exitCode, foreign.output);
        assertTrue(foreign.output.contains("is not a Vigil counters file"), foreign.output);
        assertEquals(1, foreign.output.strip().lines().count(), foreign.output);
    }

    private record Result(int exitCode, String output) {
    }

    /** Runs {@code vigil stat --data DIR --once} in a new JVM on this test's class path; label to value. */
    private Map<String, String> statInAnotherJvm(final long intervalMs) throws Exception {
        final Result result = runStat(dataDir, intervalMs);
        assertEquals(0, result.exitCode, result.output);
        final Map<String, String> values = new HashMap<>();
        for (final CounterType type : CounterType.values()) {
            for (final String line : result.output.split("\n")) {
                final String[] columns = line.trim().split("\\s+", 3);
                if (columns.length == 3 && columns[0].matches("\\d+")) {
                    final String label = line.substring(line.lastIndexOf("  ") + 2);
                    if (label.equals(type.label()) || label.startsWith(CounterType.REJECTED.label())) {
                        values.put(label, columns[1]);
                    }
                }
            }
        }
        return values;
    }

    private static Result runStat(final Path dataDir, final long intervalMs) throws Exception {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--add-") || argument.startsWith("-Dchronicle")) {
                command.add(argument);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StatCommand.class.getName());
        command.add("--data");
        command.add(dataDir.toString());
        command.add("--once");
        command.add("--interval");
        command.add(intervalMs + "ms");
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        process.getInputStream().transferTo(output);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Result(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    private static void awaitValue(final CountersFileReader reader, final CounterType type, final long expected)
        throws InterruptedException {
        awaitValue(type.label(), expected, () -> reader.value(type));
    }

    private static void awaitRejected(final CountersFileReader reader, final RejectReason reason, final long expected)
        throws InterruptedException {
        awaitValue("rejected: " + reason, expected, () -> reader.rejected(reason.value()));
    }

    /** Polls until the value is as expected (counters are published at batch ends and sweeps), then asserts it. */
    private static void awaitValue(final String what, final long expected, final LongSupplier value)
        throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (value.getAsLong() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, value.getAsLong(), what);
    }
}
