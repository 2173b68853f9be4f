package io.vigil.perf;

import io.vigil.scoring.features.TransactionFeatures;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures the per-key state of {@link TransactionFeatures} as it grows: the longest single {@code onTransaction}
 * call while accounts go from 0 to N (one new account per event), bytes per account, and at given sizes the pause of
 * {@code beginSnapshot} on this (the pipeline) thread, the time to write that snapshot on another thread while this
 * one goes on with events on random existing accounts (and the longest of those events), against the synchronous
 * {@code writeSnapshot}. A benchmark, not a test: run it on a quiet machine with memory for N accounts.
 *
 * <pre>
 * java @cli/target/jvm.options -cp perf/target/benchmarks.jar io.vigil.perf.StateGrowthMain \
 *     [accounts=5000000] [expected=65536] [snapshotAt=1000000,5000000] [file=DIR]
 * </pre>
 * With {@code file=DIR} snapshots go to a file in DIR (and are deleted), otherwise to a channel that discards them.
 */
public final class StateGrowthMain {
    private static final long T = 1_767_225_600L * 1_000_000_000L;

    private StateGrowthMain() {
    }

    public static void main(final String[] args) throws Exception {
        long accounts = 5_000_000;
        int expected = 65_536;
        long[] snapshotAt = {1_000_000, 5_000_000};
        Path dir = null;
        for (final String arg : args) {
            final String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "accounts": accounts = Long.parseLong(kv[1]); break;
                case "expected": expected = Integer.parseInt(kv[1]); break;
                case "snapshotAt": snapshotAt = java.util.Arrays.stream(kv[1].split(",")).mapToLong(Long::parseLong).toArray(); break;
                case "file": dir = Path.of(kv[1]); break;
                default: throw new IllegalArgumentException("unknown argument " + arg);
            }
        }
        final TransactionFeatures features = new TransactionFeatures(expected);
        final float[] out = new float[TransactionFeatures.WIDTH];
        long maxNs = 0;
        long maxAt = -1;
        long over100us = 0;
        long over1ms = 0;
        long maxGrowthNs = 0;
        long growths = 0;
        int segments = features.segments();
        long indexBytes = features.indexBytes();
        long timeNs = T;
        int next = 0;
        final long startNs = System.nanoTime();
        for (long i = 0; i < accounts; i++) {
            timeNs += 1_000_000L;
            final long s = System.nanoTime();
            features.onTransaction(1, i, i % 97, 5411, 1000 + i % 5000, (int)(i & 3), timeNs, out, 0);
            final long d = System.nanoTime() - s;
            // which calls grew the state (a segment) or the index (a partition rehash): outside the timed call
            final int segmentsNow = features.segments();
            final long indexNow = features.indexBytes();
            final boolean grew = segmentsNow != segments || indexNow != indexBytes;
            segments = segmentsNow;
            indexBytes = indexNow;
            if (grew) {
                growths++;
                maxGrowthNs = Math.max(maxGrowthNs, d);
            }
            if (d > 100_000L) {
                over100us++;
                if (d > 1_000_000L) {
                    over1ms++;
                    System.out.printf("  pause %.2f ms at account %d%s%n", d / 1e6, i, grew ? " (grew a segment or a partition)" : "");
                }
            }
            if (d > maxNs) {
                maxNs = d;
                maxAt = i;
            }
            if (next < snapshotAt.length && i + 1 == snapshotAt[next]) {
                next++;
                System.out.printf("grown to %d accounts in %.1f s: longest call %.3f ms (account %d), calls > 100 us: %d, > 1 ms: %d%n",
                    i + 1, (System.nanoTime() - startNs) / 1e9, maxNs / 1e6, maxAt, over100us, over1ms);
                timeNs = snapshots(features, dir, timeNs);
            }
        }
        System.out.printf("grown to %d accounts: longest call %.3f ms (account %d), calls > 100 us: %d, > 1 ms: %d%n",
            features.accounts(), maxNs / 1e6, maxAt, over100us, over1ms);
        System.out.printf("calls that added a segment or rehashed a partition: %d, the longest of them %.3f ms%n",
            growths, maxGrowthNs / 1e6);
        System.out.printf("state %d B + index %d B = %.1f bytes per account (slot %d B, %d segments)%n",
            features.capacityBytes(), features.indexBytes(), features.bytesPerAccount(), TransactionFeatures.SLOT_BYTES,
            features.segments());
    }

    private static WritableByteChannel open(final Path dir) throws IOException {
        if (dir == null) {
            return new WritableByteChannel() {
                @Override
                public int write(final ByteBuffer src) {
                    final int n = src.remaining();
                    src.position(src.limit());
                    return n;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            };
        }
        return FileChannel.open(dir.resolve("state-growth.snapshot"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING);
    }

    private static long snapshots(final TransactionFeatures features, final Path dir, final long startTimeNs) throws Exception {
        final long n = features.accounts();
        final float[] out = new float[TransactionFeatures.WIDTH];
        long timeNs = startTimeNs;
        for (int round = 0; round < 2; round++) {
            long s = System.nanoTime();
            try (WritableByteChannel channel = open(dir)) {
                features.writeSnapshot(channel);
                if (channel instanceof FileChannel) {
                    ((FileChannel)channel).force(true);
                }
            }
            final long syncNs = System.nanoTime() - s;

            s = System.nanoTime();
            final TransactionFeatures.Snapshot snapshot = features.beginSnapshot();
            final long beginNs = System.nanoTime() - s;
            final AtomicLong writeNs = new AtomicLong();
            final Path target = dir;
            final Thread writer = new Thread(() -> {
                final long w = System.nanoTime();
                try (TransactionFeatures.Snapshot closing = snapshot; WritableByteChannel channel = open(target)) {
                    closing.writeTo(channel);
                    if (channel instanceof FileChannel) {
                        ((FileChannel)channel).force(true);
                    }
                } catch (final IOException ex) {
                    throw new IllegalStateException(ex);
                }
                writeNs.set(System.nanoTime() - w);
            }, "snapshot-writer");
            writer.start();
            final SplittableRandom random = new SplittableRandom(round);
            long events = 0;
            long maxNs = 0;
            while (writer.isAlive()) {
                for (int k = 0; k < 1000; k++) {
                    timeNs += 1_000L;
                    final long account = random.nextLong(n);
                    final long e = System.nanoTime();
                    features.onTransaction(1, account, account % 97, 5411, 1000 + account % 5000, 1, timeNs, out, 0);
                    maxNs = Math.max(maxNs, System.nanoTime() - e);
                }
                events += 1000;
            }
            writer.join();
            System.out.printf("  %d accounts, %s: synchronous writeSnapshot %.1f ms; beginSnapshot %.3f ms on the pipeline thread, " +
                    "then written by another thread in %.1f ms while %d events went on (longest %.3f ms)%n",
                n, dir == null ? "discarding channel" : "file", syncNs / 1e6, beginNs / 1e6, writeNs.get() / 1e6, events,
                maxNs / 1e6);
            if (dir != null) {
                Files.deleteIfExists(dir.resolve("state-growth.snapshot"));
            }
        }
        // control: the same events for as long, while another thread only copies memory (no snapshot), to tell
        // the machine's scheduling and memory-bandwidth hiccups from the snapshot's
        final ByteBuffer from = ByteBuffer.allocateDirect(64 << 20);
        final ByteBuffer to = ByteBuffer.allocateDirect(64 << 20);
        final long until = System.nanoTime() + 1_500_000_000L;
        final Thread copier = new Thread(() -> {
            while (System.nanoTime() < until) {
                from.clear();
                to.clear();
                to.put(from);
            }
        }, "memory-copier");
        copier.start();
        final SplittableRandom random = new SplittableRandom(7);
        long events = 0;
        long maxNs = 0;
        while (copier.isAlive()) {
            for (int k = 0; k < 1000; k++) {
                timeNs += 1_000L;
                final long account = random.nextLong(n);
                final long e = System.nanoTime();
                features.onTransaction(1, account, account % 97, 5411, 1000 + account % 5000, 1, timeNs, out, 0);
                maxNs = Math.max(maxNs, System.nanoTime() - e);
            }
            events += 1000;
        }
        copier.join();
        System.out.printf("  control, no snapshot, another thread copying memory for 1.5 s: %d events, longest %.3f ms%n",
            events, maxNs / 1e6);
        return timeNs;
    }
}
