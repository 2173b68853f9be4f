package io.vigil.perf;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.gateway.client.VigilClient;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The feature updater of {@code perf/scripts/resp-benchmark.sh}: keeps the features of accounts {@code 0 .. N-1}
 * changing while the RESP reads are measured. First one transaction per account (so every key a reader asks for
 * exists), then transactions for random accounts at a fixed rate, paced per millisecond, until the duration is over.
 * Prints a line when the first pass is answered and one at the end.
 *
 * <pre>
 * java -cp perf/target/benchmarks.jar io.vigil.perf.FeatureLoadMain HOST PORT CREDENTIAL ACCOUNTS RATE SECONDS
 * </pre>
 */
public final class FeatureLoadMain {
    private FeatureLoadMain() {
    }

    public static void main(final String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: FeatureLoadMain HOST PORT CREDENTIAL ACCOUNTS RATE SECONDS");
            System.exit(2);
        }
        final String host = args[0];
        final int port = Integer.parseInt(args[1]);
        final String credential = args[2];
        final int accounts = Integer.parseInt(args[3]);
        final int rate = Integer.parseInt(args[4]);
        final long durationNs = Long.parseLong(args[5]) * 1_000_000_000L;
        final AtomicLong answered = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        try (VigilClient client = VigilClient.connect(host, port)) {
            long seq = client.logon(credential, 1, 4242, 1, new VigilClient.Listener() {
                @Override
                public void onDecision(final DecisionDecoder decision) {
                    answered.incrementAndGet();
                }

                @Override
                public void onReject(final RejectDecoder reject) {
                    rejected.incrementAndGet();
                    answered.incrementAndGet();
                }
            }) + 1;
            final long first = seq;
            final SplittableRandom random = new SplittableRandom(42);
            client.autoFlush(false);
            for (int account = 0; account < accounts; account++) {
                send(client, seq++, account, random);
                if ((account & 255) == 255) {
                    client.flush();
                    while (seq - first - answered.get() > 4096) {
                        LockSupport.parkNanos(100_000);
                    }
                }
            }
            client.flush();
            while (answered.get() < seq - first) {
                LockSupport.parkNanos(1_000_000);
            }
            System.out.println("seeded " + accounts + " accounts (" + rejected.get() + " rejected)");
            final long start = System.nanoTime();
            long sent = 0;
            while (System.nanoTime() - start < durationNs) {
                final long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                while (sent < due) {
                    send(client, seq++, random.nextInt(accounts), random);
                    sent++;
                }
                client.flush();
                LockSupport.parkNanos(1_000_000);
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("updated features with %,d transactions in %.1f s (%,.0f/s), %d rejected%n", sent, seconds,
                sent / seconds, rejected.get());
        }
    }

    private static void send(final VigilClient client, final long seq, final int account, final SplittableRandom random)
        throws java.io.IOException {
        client.sendTransaction(seq, System.currentTimeMillis() * 1_000_000L, account, 1 + random.nextInt(500), 5411,
            100 + random.nextInt(50_000), "EUR", "DE", Channel.POS, Label.UNKNOWN);
    }
}
