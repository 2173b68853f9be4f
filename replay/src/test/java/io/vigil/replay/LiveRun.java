package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Records journals the way production does: a real server, a real client over loopback, a {@link Workload}. */
final class LiveRun {
    static final String CREDENTIAL = "replay-test";
    static final int CLIENT_ID = 7;

    private LiveRun() {
    }

    /** Server configuration for {@code dataDir}, with extra keys. */
    static VigilConfig config(final Path dataDir, final Map<String, String> extra) {
        final Map<String, String> values = new LinkedHashMap<>();
        values.put(VigilConfig.DATA_DIR.name(), dataDir.toString());
        values.put(GatewayConfiguration.PORT.name(), "0");
        values.put(GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL);
        values.putAll(extra);
        return VigilConfig.of(values);
    }

    /** A listener that counts every answer, Decision or Reject, into {@code answers}. */
    private static VigilClient.Listener counting(final AtomicLong answers) {
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

    /** Streams sequences 1..events through a live server on {@code dataDir}, waits for every answer, stops it. */
    static void record(final Path dataDir, final Workload workload, final int events, final Map<String, String> extra)
        throws Exception {
        final AtomicLong answers = new AtomicLong();
        final VigilClient.Listener listener = counting(answers);
        try (VigilServer server = VigilServer.start(config(dataDir, extra));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, CLIENT_ID, 1, listener);
            client.autoFlush(false);
            for (long sequence = 1; sequence <= events; sequence++) {
                workload.send(client, sequence);
                if ((sequence & 255) == 0) {
                    client.flush();
                    while (sequence - answers.get() > 8192) {
                        Thread.onSpinWait();
                    }
                }
            }
            client.flush();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (answers.get() < events && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            if (answers.get() != events) {
                throw new AssertionError("answered " + answers.get() + " of " + events);
            }
        }
    }

    /**
     * Sends sequences 1..events one at a time, each after the answer to the one before (a quiet client: the
     * network thread then runs the pipeline inline), and stops the server.
     *
     * @return events the server's network thread ran through the pipeline itself.
     */
    static long recordOneAtATime(final Path dataDir, final Workload workload, final int events,
        final Map<String, String> extra) throws Exception {
        final AtomicLong answers = new AtomicLong();
        final VigilClient.Listener listener = counting(answers);
        try (VigilServer server = VigilServer.start(config(dataDir, extra));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            client.logon(CREDENTIAL, 1, CLIENT_ID, 1, listener);
            for (long sequence = 1; sequence <= events; sequence++) {
                workload.send(client, sequence);
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (answers.get() < sequence) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("no answer to sequence " + sequence);
                    }
                    Thread.yield();
                }
            }
            return server.engine().inlineEvents();
        }
    }
}
