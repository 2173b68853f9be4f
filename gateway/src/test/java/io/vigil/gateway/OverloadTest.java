package io.vigil.gateway;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.client.VigilClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client sends as fast as one thread can encode, far above what the pipeline decides: the gateway must pause
 * reading instead of buffering, lose nothing, answer everything once, and drain back to an empty backlog.
 */
@Tag("slow")
@Timeout(120)
class OverloadTest {
    private static final int RING = 1024;
    private static final int EVENTS = 200_000;

    @TempDir
    Path dataDir;

    @Test
    void shouldApplyBackpressureAndLoseNothingUnderABurst() throws Exception {
        try (VigilServer server = VigilServer.start(VigilConfig.of(Map.of(
            VigilConfig.DATA_DIR.name(), dataDir.toString(),
            GatewayConfiguration.PORT.name(), "0",
            VigilConfig.ROLL_CYCLE.name(), "FAST_DAILY",
            GatewayConfiguration.HEARTBEAT_INTERVAL.name(), "10s",
            VigilConfig.RING_SIZE.name(), String.valueOf(RING))))) {

            final AtomicLong maxUnfinished = new AtomicLong();
            final AtomicBoolean sampling = new AtomicBoolean(true);
            final Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    final long last = server.journals().lastInputIndex();
                    final long done = server.engine().completedIndex();
                    if (last >= 0 && done >= 0) {
                        // FAST_DAILY: one cycle for the whole test, so index differences count excerpts
                        maxUnfinished.accumulateAndGet(last - done, Math::max);
                    }
                    try {
                        Thread.sleep(1);
                    } catch (final InterruptedException ex) {
                        return;
                    }
                }
            }, "overload-sampler");
            sampler.start();

            final GatewayEndToEndTest.Answers answers = new GatewayEndToEndTest.Answers();
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            final long startNs = System.nanoTime();
            try (VigilClient client = VigilClient.connect(server.host(), server.port())) {
                client.logon("vigil-demo-secret", 1, 31, 1, answers);
                client.autoFlush(false);
                for (int i = 1; i <= EVENTS; i++) {
                    client.sendTransaction(i, nowNs - (EVENTS - i) * 1000L, 100 + i % 5000, 7 + i % 50, 5411,
                        100 + i % 1000, "EUR", "DE", Channel.ECOMMERCE, Label.UNKNOWN);
                }
                client.flush();
                final long sentNs = System.nanoTime();
                answers.await(EVENTS);
                final long answeredNs = System.nanoTime();
                sampling.set(false);
                sampler.join();

                assertEquals(EVENTS, answers.count.get(), "every event answered");
                assertEquals(0, answers.duplicates.get(), "none answered twice");
                for (long seq = 1; seq <= EVENTS; seq++) {
                    assertEquals("DECISION", answers.bySequence.get(seq), "sequence " + seq);
                }
                assertTrue(server.backpressurePauses() > 0, "the gateway paused reading at least once");
                // unread bytes wait in socket buffers, not in the server: what the journal holds beyond the
                // pipeline is bounded by the ring plus one read's worth of frames
                assertTrue(maxUnfinished.get() <= RING + 4096, "journaled but unfinished peaked at " + maxUnfinished.get());
                assertEquals(0, server.engine().backlog(), "the ring drained");

                // after the burst, paced events are answered again at once (latency printed, not asserted)
                final long before = answers.count.get();
                final long pacedStartNs = System.nanoTime();
                for (int i = 1; i <= 100; i++) {
                    client.sendTransaction(EVENTS + i, nowNs, 42, 43, 5411, 100, "EUR", "DE", Channel.POS, Label.UNKNOWN);
                    client.flush();
                    Thread.sleep(1);
                }
                answers.await((int)before + 100);
                assertEquals(before + 100, answers.count.get());
                System.out.printf("overload: %,d events sent in %.2f s (%,.0f/s offered), answered in %.2f s (%,.0f/s); " +
                        "%d backpressure pauses; peak journaled-but-unfinished %,d; 100 paced events after the burst " +
                        "answered in %.1f ms%n",
                    EVENTS, (sentNs - startNs) / 1e9, EVENTS / ((sentNs - startNs) / 1e9),
                    (answeredNs - startNs) / 1e9, EVENTS / ((answeredNs - startNs) / 1e9),
                    server.backpressurePauses(), maxUnfinished.get(),
                    TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - pacedStartNs) / 1000.0);
            }
        }
    }
}
