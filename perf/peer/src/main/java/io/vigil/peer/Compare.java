package io.vigil.peer;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.vigil.peer.flink.FeatureFileSink;
import io.vigil.peer.flink.FeatureRecord;

/**
 * Compares, bit for bit, Vigil's feature vectors ({@code vigil replay export --format csv}) with the Flink job's
 * ({@code features-*.bin} written by {@link FeatureFileSink}), event by event, matched by input journal index.
 * A Vigil row without a vector (a rejected event) must have no Flink row; every other Vigil row must have a Flink row
 * whose 14 floats have the same raw bits ({@code Float.parseFloat} gives back the exact float Vigil wrote, the CSV
 * holds Java's shortest round-trip form). Prints the totals, mismatches per feature and the first {@code --show}
 * mismatches; exits 1 on any mismatch.
 *
 * <pre>java -cp target/classes io.vigil.peer.Compare --vigil features.csv --flink flink-features [--show 10]</pre>
 */
public final class Compare {
    static final String[] NAMES = {"log_amount", "channel", "count_1m", "log_sum_1m", "count_1h", "log_sum_1h",
        "amount_ewma", "amount_z", "secs_since_prev", "distinct_merchants_24h", "new_merchant", "velocity_z",
        "log_events", "new_merchant_rate"};
    static final int WIDTH = NAMES.length;

    private Compare() {
    }

    /** The rows of one part file, in the order written (journal order within a subtask). */
    private static final class Part {
        long[] index = new long[1024];
        int[] bits = new int[1024 * WIDTH];
        int size;
        int pos;
    }

    public static void main(final String[] args) throws IOException {
        Path csv = null;
        Path flinkDir = null;
        int show = 10;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vigil" -> csv = Path.of(args[++i]);
                case "--flink" -> flinkDir = Path.of(args[++i]);
                case "--show" -> show = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (csv == null || flinkDir == null) {
            System.err.println("usage: Compare --vigil FEATURES.csv --flink DIR [--show N]");
            System.exit(2);
        }
        final List<Part> parts = readParts(flinkDir);
        long flinkRows = 0;
        for (final Part p : parts) {
            flinkRows += p.size;
        }

        long vigilRows = 0;
        long withFeatures = 0;
        long matched = 0;
        long mismatches = 0;
        long vigilDigest = 0;
        final long[] perFeature = new long[WIDTH];
        final float[] vigil = new float[WIDTH];
        final List<String> examples = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(csv)) {
            final String[] header = in.readLine().split(",", -1);
            final int indexCol = column(header, "journal_index");
            final int[] cols = new int[WIDTH];
            for (int f = 0; f < WIDTH; f++) {
                cols[f] = column(header, NAMES[f]);
            }
            String line;
            while ((line = in.readLine()) != null) {
                vigilRows++;
                final String[] cells = line.split(",", -1);
                final long index = Long.parseLong(cells[indexCol]);
                final boolean has = !cells[cols[0]].isEmpty();
                // Flink rows with a smaller index than this Vigil row have no Vigil row at all
                Part next;
                while ((next = head(parts)) != null && next.index[next.pos] < index) {
                    mismatches++;
                    example(examples, show, "index " + next.index[next.pos] + ": a Flink row, no Vigil row");
                    next.pos++;
                }
                final boolean flinkHas = next != null && next.index[next.pos] == index;
                if (!has) {
                    if (flinkHas) {
                        mismatches++;
                        example(examples, show, "index " + index + ": Vigil has no vector (rejected), Flink has one");
                        next.pos++;
                    }
                    continue;
                }
                withFeatures++;
                for (int f = 0; f < WIDTH; f++) {
                    vigil[f] = Float.parseFloat(cells[cols[f]]);
                }
                vigilDigest += FeatureRecord.digest(index, vigil);
                if (!flinkHas) {
                    mismatches++;
                    example(examples, show, "index " + index + ": a Vigil vector, no Flink row");
                    continue;
                }
                boolean same = true;
                for (int f = 0; f < WIDTH; f++) {
                    final int flinkBits = next.bits[next.pos * WIDTH + f];
                    if (flinkBits != Float.floatToRawIntBits(vigil[f])) {
                        same = false;
                        perFeature[f]++;
                        example(examples, show, "index " + index + " " + NAMES[f] + ": Vigil " + vigil[f] + " (0x" +
                            Integer.toHexString(Float.floatToRawIntBits(vigil[f])) + "), Flink " +
                            Float.intBitsToFloat(flinkBits) + " (0x" + Integer.toHexString(flinkBits) + ")");
                    }
                }
                next.pos++;
                if (same) {
                    matched++;
                } else {
                    mismatches++;
                }
            }
        }
        Part rest;
        while ((rest = head(parts)) != null) {
            mismatches++;
            example(examples, show, "index " + rest.index[rest.pos] + ": a Flink row, no Vigil row");
            rest.pos++;
        }
        System.out.printf("compare: %,d Vigil rows (%,d with a feature vector), %,d Flink rows in %d files%n",
            vigilRows, withFeatures, flinkRows, parts.size());
        System.out.printf("compare: %,d vectors bit-identical, %,d mismatches%n", matched, mismatches);
        for (int f = 0; f < WIDTH; f++) {
            if (perFeature[f] > 0) {
                System.out.printf("  %-24s %,d rows differ%n", NAMES[f], perFeature[f]);
            }
        }
        for (final String e : examples) {
            System.out.println("  MISMATCH " + e);
        }
        System.out.printf("RESULT compare vigil_rows=%d vectors=%d flink_rows=%d identical=%d mismatches=%d digest=%016x%n",
            vigilRows, withFeatures, flinkRows, matched, mismatches, vigilDigest);
        System.exit(mismatches == 0 && withFeatures > 0 ? 0 : 1);
    }

    private static void example(final List<String> examples, final int show, final String text) {
        if (examples.size() < show) {
            examples.add(text);
        }
    }

    /** The part whose next row has the smallest index, or null when all are done. */
    private static Part head(final List<Part> parts) {
        Part best = null;
        for (final Part p : parts) {
            if (p.pos < p.size && (best == null || p.index[p.pos] < best.index[best.pos])) {
                best = p;
            }
        }
        return best;
    }

    private static int column(final String[] header, final String name) {
        for (int i = 0; i < header.length; i++) {
            if (header[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("the CSV has no column " + name);
    }

    private static List<Part> readParts(final Path dir) throws IOException {
        final List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().matches("features-\\d+\\.bin")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IOException("no features-*.bin in " + dir);
        }
        final List<Part> parts = new ArrayList<>();
        for (final Path file : files) {
            final long bytes = Files.size(file);
            if (bytes % FeatureFileSink.ROW_BYTES != 0) {
                throw new IOException(file + ": " + bytes + " bytes, not a whole number of rows");
            }
            final Part part = new Part();
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                final int rows = (int)(bytes / FeatureFileSink.ROW_BYTES);
                part.index = new long[rows];
                part.bits = new int[rows * WIDTH];
                for (int r = 0; r < rows; r++) {
                    part.index[r] = in.readLong();
                    if (r > 0 && part.index[r] <= part.index[r - 1]) {
                        throw new IOException(file + ": journal index " + part.index[r] + " after " + part.index[r - 1] +
                            " (a subtask sees its keys' events in journal order)");
                    }
                    for (int f = 0; f < WIDTH; f++) {
                        part.bits[r * WIDTH + f] = in.readInt();
                    }
                }
                part.size = rows;
            }
            parts.add(part);
        }
        return parts;
    }
}
