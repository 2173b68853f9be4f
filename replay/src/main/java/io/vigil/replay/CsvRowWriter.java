package io.vigil.replay;

import io.vigil.scoring.features.FeatureSet;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes feature rows as CSV (RFC 4180, header line, comma, LF): floats in Java's shortest round-trip form, so
 * parsing a cell with {@code Float.parseFloat} gives back the exact value the pipeline computed; null cells empty.
 * Single-threaded.
 */
final class CsvRowWriter implements FeatureExporter.RowWriter {
    private final Writer out;
    private final StringBuilder line = new StringBuilder(512);
    private final int width;

    /** Of the default feature set (tests). */
    CsvRowWriter(final Path file) throws IOException {
        this(file, FeatureSet.defaultSet());
    }

    /** The header names {@code set}'s features ({@link FeatureRow#columns}). */
    CsvRowWriter(final Path file, final FeatureSet set) throws IOException {
        final String header = String.join(",", FeatureRow.columns(set));
        width = set.width();
        out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8), 1 << 16);
        out.write(header);
        out.write('\n');
    }

    @Override
    public void write(final FeatureRow r) throws IOException {
        final StringBuilder l = line;
        l.setLength(0);
        l.append(r.journalIndex).append(',').append(r.ingestTimeNs).append(',').append(r.eventTimeNs).append(',')
            .append(r.entityKey).append(',').append(r.eventType).append(',').append(r.clientSequence).append(',');
        text(r.featureSetVersion).append(',');
        text(r.featureSetHash).append(',');
        text(r.modelVersion).append(',');
        for (int i = 0; i < width; i++) {
            if (r.hasFeatures) {
                l.append(r.features[i]);
            }
            l.append(',');
        }
        l.append(r.anomalyScore).append(',').append(r.modelScore).append(',');
        text(r.decision).append(',').append(r.reasons).append(',');
        text(r.label).append('\n');
        out.append(l);
    }

    private StringBuilder text(final String value) {
        if (value == null) {
            return line;
        }
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) {
            return line.append(value);
        }
        return line.append('"').append(value.replace("\"", "\"\"")).append('"');
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
