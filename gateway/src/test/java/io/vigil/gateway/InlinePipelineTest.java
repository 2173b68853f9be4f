package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The network thread runs the pipeline itself when the pipeline thread is idle ({@code vigil.pipeline.inline.max}):
 * a client that waits for each answer before it sends the next event gets its events run inline, every one answered
 * once and in order, and the rejected ones rejected; a periodic checkpoint that comes due in an inline run is still
 * written; and {@code vigil.pipeline.inline.max=0} runs nothing inline. (That inline runs decide as a replay does:
 * {@code InlineRunReplayTest} in the replay module.)
 */
@Timeout(120)
class InlinePipelineTest {
    private static final String CREDENTIAL = "test-secret";
    private static final int EVENTS = 600;

    @TempDir
    Path inlineDir;
    @TempDir
    Path threadDir;

    /** The answers of one client, in arrival order: "sequence kind modelScore anomalyScore action reasons". */
    private static final class Answers implements VigilClient.Listener {
        final List<String> answers = new ArrayList<>();
        final AtomicLong count = new AtomicLong();

        @Override
        public void onDecision(final DecisionDecoder d) {
            add(d.clientSequence() + " decision " + d.modelScore() + " " + d.anomalyScore() + " " + d.action() + " " +
                d.reasons().getRaw());
        }

        @Override
        public void onReject(final RejectDecoder r) {
            add(r.clientSequence() + " reject " + r.reason());
        }

        private synchronized void add(final String answer) {
            answers.add(answer);
            count.incrementAndGet();
        }

        void await(final long expected) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count.get() < expected && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertEquals(expected, count.get(), "answers");
        }

        synchronized List<String> list() {
            return new ArrayList<>(answers);
        }
    }

    private static VigilServer start(final Path dir, final String inlineMax) throws InterruptedException {
        final Map<String, String> settings = new HashMap<>();
        settings.put(VigilConfig.DATA_DIR.name(), dir.toString());
        settings.put(GatewayConfiguration.PORT.name(), "0");
        settings.put(GatewayConfiguration.CREDENTIAL.name(), CREDENTIAL);
        settings.put(VigilConfig.CHECKPOINT_INTERVAL.name(), "100");
        settings.put(VigilConfig.INLINE_MAX.name(), inlineMax);
        return VigilServer.start(VigilConfig.of(settings));
    }

    /** Sends the fixed events one at a time, each after the answer to the one before; returns the answers. */
    private static List<String> sendOneAtATime(final VigilServer server) throws Exception {
        final Answers answers = new Answers();
        final long t0 = System.currentTimeMillis() * 1_000_000L - TimeUnit.HOURS.toNanos(1);
        try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
            assertEquals(0, client.logon(CREDENTIAL, 1, 5, 1, answers));
            for (int seq = 1; seq <= EVENTS; seq++) {
                final long amount = seq % 50 == 0 ? 0 : 100 + (seq * 7919L) % 90_000; // every 50th rejected
                client.sendTransaction(seq, t0 + seq * 250_000_000L, seq % 17, seq % 5, 5411, amount, "EUR", "DE",
                    Channel.POS, Label.UNKNOWN);
                answers.await(seq);
            }
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }
        return answers.list();
    }

    @Test
    void shouldRunAQuietClientsEventsInlineAnsweringEachOnceInOrderAndStillCheckpoint() throws Exception {
        final List<String> inline;
        try (VigilServer server = start(inlineDir, "64")) {
            inline = sendOneAtATime(server);
            final long ran = server.engine().inlineEvents();
            assertTrue(ran > 0, "no event ran inline");
            assertTrue(ran <= EVENTS, "inline events " + ran);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (server.engine().checkpointsWritten() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(server.engine().checkpointsWritten() > 0, "no periodic checkpoint written");
            System.out.printf("InlinePipelineTest: %d of %d events ran inline, %d checkpoints%n", ran, EVENTS,
                server.engine().checkpointsWritten());
        }
        final List<String> threaded;
        try (VigilServer server = start(threadDir, "0")) {
            threaded = sendOneAtATime(server);
            assertEquals(0, server.engine().inlineEvents(), "vigil.pipeline.inline.max=0 ran events inline");
        }
        assertEquals(EVENTS, inline.size());
        for (int i = 0; i < EVENTS; i++) {
            assertTrue(inline.get(i).startsWith((i + 1) + " "), "answer " + i + " out of order: " + inline.get(i));
        }
        assertEquals(EVENTS, threaded.size());
        for (int i = 0; i < EVENTS; i++) {
            final boolean rejected = (i + 1) % 50 == 0;
            assertEquals(rejected, inline.get(i).contains(" reject INVALID_AMOUNT"), "inline answer " + inline.get(i));
            assertEquals(rejected, threaded.get(i).contains(" reject INVALID_AMOUNT"), "answer " + threaded.get(i));
        }
    }
}
