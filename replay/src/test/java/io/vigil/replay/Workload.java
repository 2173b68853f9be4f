package io.vigil.replay;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.gateway.client.VigilClient;

import java.io.IOException;
import java.util.SplittableRandom;

/**
 * A test stream where event {@code sequence} is a pure function of the seed and the sequence, so a client can resend
 * any sequence byte for byte. It exercises what replay must reproduce: 1-minute and 1-hour windows crossing (hot
 * accounts, bursts), late events (up to 3 hours behind the stream), idle accounts (a long tail of cold accounts seen
 * once in days), metric series with spikes, and rejects (unknown currency, zero amount).
 */
final class Workload {
    static final long HOUR_NS = 3_600_000_000_000L;

    private final long seed;
    private final long startEventTimeNs;
    private final long gapNs;

    /**
     * @param startEventTimeNs event time of sequence 1.
     * @param gapNs            mean event-time step per sequence.
     */
    Workload(final long seed, final long startEventTimeNs, final long gapNs) {
        this.seed = seed;
        this.startEventTimeNs = startEventTimeNs;
        this.gapNs = gapNs;
    }

    /** A workload of {@code events} events spread over the last {@code spanNs} of event time before now. */
    static Workload endingNow(final long seed, final int events, final long spanNs) {
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        return new Workload(seed, nowNs - spanNs, spanNs / events);
    }

    /** Whether the event {@link #send} sends for {@code sequence} is rejected by validation (zero amount, QQQ). */
    static boolean rejected(final long sequence) {
        return sequence % 10 != 3 && (sequence % 89 == 0 || sequence % 97 == 0);
    }

    void send(final VigilClient client, final long sequence) throws IOException {
        final SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + sequence);
        long eventTimeNs = startEventTimeNs + sequence * gapNs;
        if (sequence % 10 == 3) {
            final long series = sequence % 4;
            final double value = 100 * series + 10 * Math.sin(sequence / 500.0) + random.nextGaussian() +
                (random.nextInt(400) == 0 ? 60 : 0);
            client.sendMetric(sequence, eventTimeNs, series, value);
            return;
        }
        final long account;
        final int burst = (int)(sequence % 1000);
        if (burst < 40) {
            account = 10_000 + sequence / 1000;
            eventTimeNs = startEventTimeNs + (sequence - burst) * gapNs + burst * 1_500_000_000L;
        } else if (random.nextInt(10) < 8) {
            account = random.nextInt(200);
        } else {
            account = 1_000 + random.nextInt(5_000);
        }
        if (random.nextInt(20) == 0) {
            eventTimeNs -= random.nextLong(3 * HOUR_NS);
        }
        final long merchant = random.nextInt(10) < 7 ? account * 7 % 50 : random.nextInt(5_000);
        long amount = 500 + random.nextInt(20_000);
        if (random.nextInt(200) == 0) {
            amount *= 40;
        }
        if (sequence % 89 == 0) {
            amount = 0;
        }
        final String currency = sequence % 97 == 0 ? "QQQ" : "EUR";
        client.sendTransaction(sequence, eventTimeNs, account, merchant, 5411 + random.nextInt(5), amount, currency,
            "DE", Channel.get((short)random.nextInt(4)), random.nextInt(100) == 0 ? Label.FRAUD : Label.LEGIT);
    }
}
