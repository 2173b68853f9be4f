package io.vigil.gateway;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Stress test of the pipeline-to-network hand-off: a lost wake-up leaves an answer in the ring until the next answer
 * schedules a drain. The pipeline side (this thread) sends short bursts of answers with random gaps, so that answers
 * are published while the event loop is clearing the drain flag or finishing a drain; after each burst it sends
 * nothing more until every answer of the burst is delivered. An answer whose wake-up was lost is never delivered
 * then, and the test fails on it. No speed is asserted: the bound for "delivered eventually" is generous.
 * {@code -Dvigil.egress.seed=S} replays a run, {@code -Dvigil.egress.rounds=N} resizes it.
 */
@Timeout(120)
class EgressHandOffTest {
    private static final long DELIVERY_BOUND_NS = TimeUnit.SECONDS.toNanos(10);

    /** Counts answers in the order the event loop delivers them; each answer carries its number. */
    private static final class CountingEgress extends Egress {
        final AtomicLong delivered = new AtomicLong();
        volatile long outOfOrder;

        CountingEgress(final io.netty.channel.EventLoop loop) {
            super(64 * 1024, loop, null);
        }

        @Override
        void deliver(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
            final long number = buffer.getLong(index + length - Long.BYTES);
            if (number != delivered.get() + 1) {
                outOfOrder++;
            }
            delivered.lazySet(number);
        }

        @Override
        void afterDrain() {
            // no sessions to flush
        }
    }

    @Test
    void shouldDeliverEveryAnswerWithoutWaitingForALaterOne() throws Exception {
        final long seed = Long.getLong("vigil.egress.seed", System.nanoTime());
        final int rounds = Integer.getInteger("vigil.egress.rounds", 100_000);
        final Random random = new Random(seed);
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            final CountingEgress egress = new CountingEgress(group.next());
            final UnsafeBuffer answer = new UnsafeBuffer(new byte[24]);
            long sent = 0;
            long spins = 0;
            for (int round = 0; round < rounds; round++) {
                final int burst = 1 + random.nextInt(3);
                for (int i = 0; i < burst; i++) {
                    answer.putLong(16, ++sent);
                    egress.onResponse(1, 1, 0, answer, 0, answer.capacity());
                    for (int spin = random.nextInt(200); spin > 0; spin--) {
                        Thread.onSpinWait();
                        spins++;
                    }
                }
                final long deadline = System.nanoTime() + DELIVERY_BOUND_NS;
                while (egress.delivered.get() < sent) {
                    if (System.nanoTime() > deadline) {
                        fail("seed " + seed + " (rerun with -Dvigil.egress.seed=" + seed + "): answer " + sent +
                            " of round " + round + " not delivered within " + TimeUnit.NANOSECONDS.toSeconds(DELIVERY_BOUND_NS) +
                            " s with nothing sent after it; delivered " + egress.delivered.get());
                    }
                    Thread.yield();
                }
            }
            assertEquals(sent, egress.delivered.get());
            assertEquals(0, egress.outOfOrder, "answers delivered out of order, seed " + seed);
            System.out.println("EgressHandOffTest: " + sent + " answers in " + rounds + " bursts, all delivered (seed " +
                seed + ", " + spins + " spins between answers)");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
    /**
     * When the pipeline runs inline on the event loop ({@code Engine.runInline}), a full ring has nobody else to
     * drain it: the event loop drains it on the spot, in order, instead of waiting for itself. 10,000 answers of 1 KiB
     * from one task on the event loop fill the 64 KiB ring many times over.
     */
    @Test
    void shouldDrainAFullRingOnTheSpotWhenTheEventLoopItselfAnswers() throws Exception {
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            final CountingEgress egress = new CountingEgress(group.next());
            final int answers = 10_000;
            group.next().submit(() -> {
                final UnsafeBuffer answer = new UnsafeBuffer(new byte[1024]);
                for (int i = 1; i <= answers; i++) {
                    answer.putLong(answer.capacity() - Long.BYTES, i);
                    egress.onResponse(1, 1, 0, answer, 0, answer.capacity());
                }
            }).get(60, TimeUnit.SECONDS);
            final long deadline = System.nanoTime() + DELIVERY_BOUND_NS;
            while (egress.delivered.get() < answers && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertEquals(answers, egress.delivered.get());
            assertEquals(0, egress.outOfOrder, "answers delivered out of order");
            assertTrue(egress.waitsForSpace() > 0, "the ring was never full: the test did not test the full ring");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
