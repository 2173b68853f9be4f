package io.vigil.perf;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.EpochClock;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.GatewayConfiguration;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * After warm-up, the server's hot threads allocate (almost) nothing per event: a real server on loopback, real
 * journals, the real ONNX model, HotSpot's per-thread allocation counters. Asserts bytes, never time.
 *
 * <p>Events go in bursts of 64 (one flush per burst) so the pipeline's inference batches are of realistic size:
 * ONNX Runtime's Java API allocates a few hundred bytes per {@code run} call (its {@code Result} map), which is per
 * batch, not per event. See docs/performance.md.
 */
class HotPathAllocationTest {
    private static final int BURST = 64;
    private static final int ACCOUNTS = 1000;
    private static final long WARMUP_EVENTS = 150_000;
    private static final long MEASURED_EVENTS = 150_000;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldAllocateAlmostNothingPerEventOnServerHotThreadsAfterWarmUp(@TempDir final Path dir) throws Exception {
        final VigilConfig config = VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            VigilConfig.CHECKPOINT_INTERVAL.name(), "0"));
        final AtomicLong answered = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final VigilClient.Listener listener = new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                answered.lazySet(answered.get() + 1);
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                rejected.lazySet(rejected.get() + 1);
                answered.lazySet(answered.get() + 1);
            }
        };
        final ThreadAllocation allocation = new ThreadAllocation();
        final ThreadAllocation.Delta delta = new ThreadAllocation.Delta();
        try (VigilServer server = VigilServer.start(config);
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            long sequence = client.logon(config.string(GatewayConfiguration.CREDENTIAL), 1, 7, 0, listener) + 1;
            client.autoFlush(false);
            sequence = send(server, client, sequence, WARMUP_EVENTS, answered, 0);
            final long before = answered.get();
            allocation.start();
            send(server, client, sequence, MEASURED_EVENTS, answered, before);
            allocation.stop(answered.get() - before, delta);
            client.logout();
            client.awaitClosed(5, TimeUnit.SECONDS);
        }
        System.out.printf("bytes allocated per event after warm-up (%,d events): pipeline %.2f, tailer %.2f, " +
                "gateway-io %.2f, server hot threads together %.2f; client receiver %.2f%n", delta.events,
            delta.bytesPerEvent("pipeline"), delta.bytesPerEvent("tailer"), delta.bytesPerEvent("gateway-io"),
            delta.serverBytesPerEvent(), delta.bytesPerEvent("client-receivers"));
        assertTrue(delta.supported, "this JVM does not count per-thread allocation");
        assertEquals(MEASURED_EVENTS, delta.events);
        assertEquals(0, rejected.get());
        assertTrue(delta.bytesPerEvent("tailer") < 8, "tailer bytes/event " + delta.bytesPerEvent("tailer"));
        assertTrue(delta.bytesPerEvent("pipeline") < 64, "pipeline bytes/event " + delta.bytesPerEvent("pipeline"));
        assertTrue(delta.bytesPerEvent("gateway-io") < 64, "gateway-io bytes/event " + delta.bytesPerEvent("gateway-io"));
    }

    /** Sends {@code events} transactions in bursts, waiting for each burst's answers; returns the next sequence. */
    private static long send(final VigilServer server, final VigilClient client, final long firstSequence, final long events,
        final AtomicLong answered, final long answeredBefore) throws Exception {
        long sequence = firstSequence;
        for (long i = 0; i < events; i++) {
            final long account = 1 + (i * 7919) % ACCOUNTS;
            client.sendTransaction(sequence++, EpochClock.nowNs(), account, 100 + (i % 37), 5411, 1_000 + (i % 5_000),
                "EUR", "FR", Channel.POS, Label.LEGIT);
            if ((i + 1) % BURST == 0 || i + 1 == events) {
                client.flush();
                final long target = answeredBefore + i + 1;
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (answered.get() < target) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("answers stopped at " + answered.get() + " of " + target + "; engine answered " +
                            server.engine().answered() + ", completed input index " + server.engine().completedIndex() +
                            ", last input index " + server.journals().lastInputIndex());
                    }
                    Thread.onSpinWait();
                    Thread.yield();
                }
            }
        }
        return sequence;
    }
}
