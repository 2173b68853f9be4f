package io.vigil.scoring.model;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import io.vigil.scoring.features.TransactionFeatures;
import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Offline tool: streams the labelled synthetic generator through {@link TransactionFeatures} and writes one
 * CSV row per event: the features in index order, then {@code label} (1 = fraud), {@code pattern} and
 * {@code account_id}. The input of {@code scoring/model/train.py}.
 *
 * <p><b>Thread safety:</b> a command-line tool, single-threaded. <b>Allocation:</b> freely (control plane).
 */
@Command(name = "export-training-data", mixinStandardHelpOptions = true,
    description = "Writes features + labels of the synthetic stream as CSV.")
public final class TrainingDataExport implements Callable<Integer> {
    @Option(names = "--out", required = true, description = "CSV file to write")
    Path out;

    @Option(names = "--seed", defaultValue = "42", description = "generator seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--events", defaultValue = "1000000", description = "events (default ${DEFAULT-VALUE})")
    long events;

    @Option(names = "--accounts", defaultValue = "20000", description = "accounts (default ${DEFAULT-VALUE})")
    int accounts;

    @Option(names = "--mean-gap-ms", defaultValue = "20", description = "mean gap between events (default ${DEFAULT-VALUE})")
    double meanGapMs;

    @Option(names = "--fraud-rate", defaultValue = "0.005", description = "fraction of fraud events (default ${DEFAULT-VALUE})")
    double fraudRate;

    /** Start of the synthetic stream's event time: 2026-01-01T00:00:00Z. */
    public static final long START_EVENT_TIME_NS = 1_767_225_600_000_000_000L;

    @Override
    public Integer call() throws IOException {
        export(out, seed, events, accounts, (long)(meanGapMs * 1_000_000.0), fraudRate);
        return 0;
    }

    /** Writes the CSV; returns the number of fraud rows. */
    public static long export(
        final Path file, final long seed, final long events, final int accounts, final long meanGapNs,
        final double fraudRate) throws IOException {
        final SyntheticTransactions generator =
            new SyntheticTransactions(seed, accounts, START_EVENT_TIME_NS, meanGapNs, fraudRate);
        final TransactionFeatures features = new TransactionFeatures(accounts);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] row = new float[TransactionFeatures.WIDTH];
        final StringBuilder line = new StringBuilder(256);
        long fraud = 0;
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
            w.write(String.join(",", TransactionFeatures.NAMES));
            w.write(",label,pattern,account_id\n");
            for (long n = 0; n < events; n++) {
                generator.next(tx);
                features.onTransaction(1, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel,
                    tx.eventTimeNs, row, 0);
                line.setLength(0);
                for (int i = 0; i < row.length; i++) {
                    line.append(row[i]).append(',');
                }
                line.append(tx.fraud ? 1 : 0).append(',').append(tx.pattern).append(',').append(tx.accountId).append('\n');
                w.append(line);
                if (tx.fraud) {
                    fraud++;
                }
            }
        }
        return fraud;
    }

    public static void main(final String[] args) {
        System.exit(new CommandLine(new TrainingDataExport()).execute(args));
    }
}
