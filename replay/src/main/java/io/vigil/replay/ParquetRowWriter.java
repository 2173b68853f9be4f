package io.vigil.replay;

import java.io.IOException;
import java.nio.file.Path;

/** Placeholder until the Parquet writer exists. */
final class ParquetRowWriter implements FeatureExporter.RowWriter {
    ParquetRowWriter(final Path file) throws IOException {
        throw new IOException("parquet export is not available yet: use --format csv");
    }

    @Override
    public void write(final FeatureRow row) {
    }

    @Override
    public void close() {
    }
}
