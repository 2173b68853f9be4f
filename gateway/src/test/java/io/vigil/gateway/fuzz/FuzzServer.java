package io.vigil.gateway.fuzz;

import io.vigil.engine.EpochClock;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/** A live server for the fuzz tests, and one fuzzed connection checked against {@link SessionModel}. */
final class FuzzServer implements AutoCloseable {
    static final String CREDENTIAL = "fuzz-secret";
    static final int MAX_FRAME = 512;

    private final Path dataDir;
    /** Connections exercised so far: each gets its own range of client ids. */
    private long connections;
    final VigilServer server;

    FuzzServer() throws IOException, InterruptedException {
        dataDir = Files.createTempDirectory("vigil-fuzz");
        server = VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL,
            VigilConfig.MAX_FRAME_BYTES.name(), String.valueOf(MAX_FRAME),
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            GatewayConfiguration.HEARTBEAT_INTERVAL.name(), "1h",
            GatewayConfiguration.LOGON_FAILURES_MAX.name(), "1000000000")));
    }

    /**
     * One connection: logs on (usually), sends the frames, and checks every answer (type, sequence, reason, referenced
     * template, journal index or none) and the close against the model.
     *
     * @return frames the server processed (frames after a fatal one are never read).
     */
    int exercise(final Random random, final int frames) throws Exception {
        final FrameFuzzer fuzzer = new FrameFuzzer(random, CREDENTIAL, ++connections << 32);
        final List<byte[]> sent = new ArrayList<>(frames + 1);
        if (random.nextInt(10) != 0) {
            sent.add(fuzzer.logon(CREDENTIAL));
        }
        for (int i = 0; i < frames; i++) {
            sent.add(fuzzer.next());
        }
        final SessionModel model = new SessionModel(CREDENTIAL, MAX_FRAME);
        final long earliestIngestNs = EpochClock.nowNs();
        final SessionModel.Prediction counts = model.predict(sent, earliestIngestNs, earliestIngestNs);
        try (FuzzConnection connection = new FuzzConnection(server.port())) {
            connection.send(sent);
            final boolean ended = connection.await(counts.minAnswers(), counts.maxAnswers(), counts.closes, 30_000);
            // every event was journaled between the two clock reads: validation outcomes that depend on where in
            // between accept either answer
            final SessionModel.Prediction expected = model.predict(sent, earliestIngestNs, EpochClock.nowNs());
            final List<SessionModel.Received> received = connection.received();
            String problem = connection.brokenFrame();
            if (problem == null && !ended) {
                problem = "expected " + expected.minAnswers() + " to " + expected.maxAnswers() + " answers" +
                    (expected.closes ? " and a close" : "") + " but got " + connection.answers() + " (closed " +
                    connection.closedByServer() + ")";
            }
            if (problem == null) {
                problem = SessionModel.check(expected, received, connection.closedByServer());
            }
            if (problem != null) {
                fail(problem + "; server: " + journalsOf(fuzzer.firstClientId) + "; expected " + expected + "; received " + received);
            }
            return expected.processed;
        }
    }

    /** What the journals hold for one client, and where the pipeline is: for failure messages. */
    private String journalsOf(final long clientId) {
        long input = 0;
        long output = 0;
        long lastInput = -1;
        long lastOutputRef = -1;
        try (io.vigil.journal.JournalReader in = server.journals().inputReader();
             io.vigil.journal.JournalReader out = server.journals().outputReader()) {
            final io.vigil.journal.JournalRecord record = new io.vigil.journal.JournalRecord(io.vigil.journal.Journals.MAX_PAYLOAD_BYTES);
            while (in.read(record)) {
                if (record.clientId == clientId) {
                    input++;
                    lastInput = record.index;
                }
            }
            while (out.read(record)) {
                if (record.clientId == clientId) {
                    output++;
                    lastOutputRef = record.refIndex;
                }
            }
        }
        return "client " + clientId + " input " + input + " (last " + Long.toHexString(lastInput) + ") output " + output +
            " (last ref " + Long.toHexString(lastOutputRef) + "), engine completed " +
            Long.toHexString(server.engine().completedIndex()) + " answered " + server.engine().answered() +
            " backlog " + server.engine().backlog() + ", journal last " + Long.toHexString(server.journals().lastInputIndex());
    }

    @Override
    public void close() throws IOException {
        server.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
