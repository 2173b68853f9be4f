package io.vigil.replay;

import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Parquet file of a flat schema (required and optional primitive columns, no nesting, no repetition) written
 * straight to parquet-java's column writers: the library's {@link ColumnWriteStore} (encodings, dictionaries,
 * statistics, page cuts) over its {@link ColumnChunkPageWriteStore} (page compression, checksums, column and offset
 * indexes) into its {@link ParquetFileWriter} (footer, key-value metadata), cut into row groups by buffered size as
 * {@code ParquetWriter} cuts them (128 MB, the same checks). What it leaves out is the record layer
 * ({@code MessageColumnIO}'s record consumer: a field-name check, a bit set and a level stack per value), which took
 * most of an export's Parquet time by JFR; the file is the one {@code ParquetWriter} with the same properties writes.
 *
 * <p>Per row the caller writes every column once, in any order, through {@link #column}: {@code write(value, 0, d)}
 * with {@code d} the column's maximum definition level (0 for a required column, 1 for an optional one) or
 * {@code writeNull(0, 0)} for a null cell of an optional column; then {@link #endRow}. The writers change at each row
 * group: look them up per row.
 *
 * <p>Single-threaded.
 */
final class ParquetColumns implements AutoCloseable {
    private final ParquetFileWriter file;
    private final MessageType schema;
    private final ParquetProperties props;
    private final BytesInputCompressor compressor;
    private final Map<String, String> metadata;
    private final List<ColumnDescriptor> descriptors;
    private final ColumnWriter[] writers;
    private final long rowGroupSize = ParquetWriter.DEFAULT_BLOCK_SIZE;
    private long nextRowGroupSize = rowGroupSize;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private long rows;
    private long rowsForNextSizeCheck;
    private boolean failed;
    private boolean closed;

    /**
     * @param zstdLevel    zstd level of the pages, or 0 for uncompressed pages.
     * @param plainColumns the columns written without a dictionary (the others have one while it pays, as the library
     *                     decides).
     * @param metadata     the file's key-value metadata.
     */
    ParquetColumns(final Path path, final MessageType schema, final int zstdLevel,
        final Collection<String> plainColumns, final Map<String, String> metadata) throws IOException {
        this.schema = schema;
        this.metadata = new HashMap<>(metadata); // as ParquetWriter passes them to the footer
        ParquetProperties.Builder builder = ParquetProperties.builder().withDictionaryEncoding(true);
        for (final String column : plainColumns) {
            builder = builder.withDictionaryEncoding(column, false);
        }
        this.props = builder.build();
        this.compressor = new ZstdCodecFactory(zstdLevel == 0 ? ZstdCodecFactory.DEFAULT_LEVEL : zstdLevel)
            .getCompressor(zstdLevel == 0 ? CompressionCodecName.UNCOMPRESSED : CompressionCodecName.ZSTD);
        this.descriptors = schema.getColumns();
        for (final ColumnDescriptor d : descriptors) {
            if (d.getPath().length != 1 || d.getMaxRepetitionLevel() != 0) {
                throw new IllegalArgumentException("flat schemas only: " + d);
            }
        }
        this.writers = new ColumnWriter[descriptors.size()];
        this.file = new ParquetFileWriter(new LocalOutputFile(path), schema, ParquetFileWriter.Mode.OVERWRITE,
            rowGroupSize, ParquetWriter.MAX_PADDING_SIZE_DEFAULT, null, props);
        file.start();
        startRowGroup();
    }

    /** The writer of column {@code index} (schema order) in the current row group. */
    ColumnWriter column(final int index) {
        return writers[index];
    }

    /** Ends the row whose cells were written; may cut a row group. */
    void endRow() throws IOException {
        try {
            store.endRecord();
            rows++;
            if (rows >= rowsForNextSizeCheck) {
                checkRowGroupSize();
            }
        } catch (final RuntimeException | IOException ex) {
            failed = true;
            throw ex;
        }
    }

    /** Marks the file as failed (a cell could not be written): {@link #close} then writes no footer. */
    void fail() {
        failed = true;
    }

    /** Writes the last row group and the footer, unless a write failed; closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!failed) {
                flushRowGroup();
                file.end(metadata);
            }
        } finally {
            try {
                if (store != null) {
                    store.close();
                }
                if (pages != null) {
                    pages.close();
                }
            } finally {
                file.close();
            }
        }
    }

    private void startRowGroup() {
        pages = new ColumnChunkPageWriteStore(compressor, schema, props.getAllocator(),
            props.getColumnIndexTruncateLength(), props.getPageWriteChecksumEnabled());
        store = props.newColumnWriteStore(schema, pages, pages);
        for (int i = 0; i < writers.length; i++) {
            writers[i] = store.getColumnWriter(descriptors.get(i));
        }
        rowsForNextSizeCheck = props.getMinRowCountForPageSizeCheck();
    }

    /** The checks of parquet-java's InternalParquetRecordWriter: not every row (the buffered size sums all columns). */
    private void checkRowGroupSize() throws IOException {
        final long buffered = store.getBufferedSize();
        final long rowSize = Math.max(1, buffered / rows);
        if (buffered > nextRowGroupSize - 2 * rowSize) {
            flushRowGroup();
            startRowGroup();
            return;
        }
        rowsForNextSizeCheck = Math.min(
            Math.max(props.getMinRowCountForPageSizeCheck(), (rows + (long)(nextRowGroupSize / (float)rowSize)) / 2),
            rows + props.getMaxRowCountForPageSizeCheck());
    }

    private void flushRowGroup() throws IOException {
        try {
            if (rows > 0) {
                file.startBlock(rows);
                store.flush();
                pages.flushToFileWriter(file);
                file.endBlock();
                nextRowGroupSize = Math.min(file.getNextRowGroupSize(), rowGroupSize);
            }
        } finally {
            store.close();
            pages.close();
            store = null;
            pages = null;
            rows = 0;
        }
    }
}
