package io.vigil.perf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.Journals;
import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.features.spec.CompiledFeatures;
import io.vigil.scoring.features.spec.DeclaredWindows;
import io.vigil.scoring.features.spec.FeatureEvent;
import io.vigil.scoring.features.spec.FeatureSpec;

/**
 * Feature throughput over a recorded input journal: reads and decodes every transaction once into memory, then runs
 * the feature computation alone over them, per executor: the hand-written {@link TransactionFeatures} ({@code
 * kernel}), the default definition compiled ({@code default}), {@code thirty} (5 windows x 6 aggregations,
 * {@link FeatureUpdateBenchmark#THIRTY}) or a definition file; {@code FILE.yaml+windows} runs the file's declared
 * tumbling and session window producers ({@link DeclaredWindows}) too, advanced per event to the largest event time
 * less 5 s (the default bound), as the windows stage would. Several rounds each, alternating, fresh state per round. A
 * benchmark, not a test.
 *
 * <pre>
 * java @cli/target/jvm.options -cp perf/target/benchmarks.jar io.vigil.perf.FeatureSpecThroughput DATA_DIR \
 *     [rounds=3] [kernel default thirty FILE.yaml ...]
 * </pre>
 */
public final class FeatureSpecThroughput {
    private FeatureSpecThroughput() {
    }

    public static void main(final String[] args) {
        final Path data = Path.of(args[0]);
        int rounds = 3;
        final List<String> executors = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("rounds=")) {
                rounds = Integer.parseInt(args[i].substring(7));
            } else {
                executors.add(args[i]);
            }
        }
        if (executors.isEmpty()) {
            executors.addAll(List.of("kernel", "default", "thirty"));
        }
        // the events, decoded once
        final List<long[]> events = new ArrayList<>();
        try (Journals journals = Journals.openReadOnly(data, Journals.rollCycle("FAST_HOURLY"));
             JournalReader reader = journals.inputReader()) {
            final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final TransactionDecoder tx = new TransactionDecoder();
            while (reader.read(record)) {
                if (record.payloadLength < MessageHeaderDecoder.ENCODED_LENGTH) {
                    continue;
                }
                header.wrap(record.payload(), 0);
                if (header.templateId() != TransactionDecoder.TEMPLATE_ID) {
                    continue;
                }
                tx.wrapAndApplyHeader(record.payload(), 0, header);
                events.add(new long[] {record.tenantId, tx.accountId(), tx.merchantId(), tx.mcc(), tx.amountMinor(),
                    tx.channelRaw(), tx.eventTimeNs()});
            }
        }
        final int n = events.size();
        final int[] tenant = new int[n];
        final long[] account = new long[n];
        final long[] merchant = new long[n];
        final int[] mcc = new int[n];
        final long[] amount = new long[n];
        final int[] channel = new int[n];
        final long[] time = new long[n];
        for (int i = 0; i < n; i++) {
            final long[] e = events.get(i);
            tenant[i] = (int)e[0];
            account[i] = e[1];
            merchant[i] = e[2];
            mcc[i] = (int)e[3];
            amount[i] = e[4];
            channel[i] = (int)e[5];
            time[i] = e[6];
        }
        events.clear();
        System.out.printf("%,d transactions from %s%n", n, data);
        final float[] out = new float[256];
        final FeatureEvent event = new FeatureEvent();
        for (int round = 0; round < rounds; round++) {
            for (final String executor : executors) {
                float sink = 0;
                final long start;
                final long end;
                if (executor.equals("kernel")) {
                    final TransactionFeatures f = new TransactionFeatures(65_536);
                    start = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        f.onTransaction(tenant[i], account[i], merchant[i], mcc[i], amount[i], channel[i], time[i], out, 0);
                        sink += out[0];
                    }
                    end = System.nanoTime();
                } else {
                    final boolean withWindows = executor.endsWith("+windows");
                    final String file = withWindows ? executor.substring(0, executor.length() - "+windows".length()) : executor;
                    final FeatureSpec spec = file.equals("default") ? FeatureSpec.defaultSpec() :
                        file.equals("thirty") ? FeatureSpec.parse(FeatureUpdateBenchmark.THIRTY, "thirty") :
                        FeatureSpec.load(Path.of(file));
                    final CompiledFeatures f = CompiledFeatures.compile(spec, 65_536);
                    final DeclaredWindows[] windows = withWindows ? DeclaredWindows.of(f).toArray(new DeclaredWindows[0]) :
                        new DeclaredWindows[0];
                    final long[] results = new long[1];
                    final io.vigil.scoring.time.WindowResultSink counter = (w, t, k, s0, e0, v, c) -> results[0]++;
                    long max = Long.MIN_VALUE;
                    start = System.nanoTime();
                    for (int i = 0; i < n; i++) {
                        f.onEvent(event.set(tenant[i], account[i], merchant[i], mcc[i], amount[i], channel[i], time[i]), out, 0);
                        sink += out[0];
                        if (windows.length > 0) {
                            max = Math.max(max, time[i]);
                            for (final DeclaredWindows w : windows) {
                                w.advance(max - 5_000_000_000L, counter);
                                w.addLastEvent();
                            }
                        }
                    }
                    end = System.nanoTime();
                    if (windows.length > 0) {
                        long open = 0;
                        for (final DeclaredWindows w : windows) {
                            open += w.openWindows();
                        }
                        System.out.printf("  %s: %,d results, %,d windows open at the end%n", executor, results[0], open);
                    }
                }
                System.out.printf("round %d %-8s %,11.0f events/s  %6.0f ns/event  (%s)%n", round + 1, executor,
                    n / ((end - start) / 1e9), (double)(end - start) / n, sink == 0.5f ? "!" : "ok");
            }
        }
    }
}
