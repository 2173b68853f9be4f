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
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A Parquet file of a flat schema (required and optional primitive columns, no nesting, no repetition) written
 * straight to parquet-java's column writers: the library's {@link ColumnWriteStore} (encodings, dictionaries,
 * statistics, page cuts) over its {@link ColumnChunkPageWriteStore} (page compression, checksums, column and offset
 * indexes) into its {@link ParquetFileWriter} (footer, key-value metadata), cut into row groups by buffered size as
 * {@code ParquetWriter} cuts them (128 MB, the same checks). What it leaves out is the record layer
 * ({@code MessageColumnIO}'s record consumer: a field-name check, a bit set and a level stack per value), which took
 * most of an export's Parquet time by JFR; the file is the one {@code ParquetWriter} with the same properties writes.
 *
 * <p>Per row the caller sets every cell ({@link #putLong}, {@link #putInt}, {@link #putFloat}, {@link #putBoolean},
 * {@link #putBinary}, {@link #putNull} for an optional column), then calls {@link #endRow}. Rows are collected in
 * batches of {@link #BATCH_ROWS}; with two or more processors a writer thread ({@code vigil-parquet-writer}) encodes
 * and compresses each full batch while the caller fills the next (two cores: the replay on one, Parquet on the other),
 * with one processor the caller writes each batch itself. A failure of the writer thread is thrown by the caller's
 * next {@link #endRow} or by {@link #close}; a failed file gets no footer.
 *
 * <p>Not thread-safe: one thread fills the rows and closes; the writer thread only ever sees handed-over batches.
 */
final class ParquetColumns implements AutoCloseable {
    /** Rows per batch handed to the writer thread (about 1 MB of cells at 30 columns). */
    static final int BATCH_ROWS = 4096;
    /** Batches in flight: one filled by the caller, the others queued or being written. */
    private static final int BATCHES = 4;

    private static final int LONG = 0, INT = 1, FLOAT = 2, BOOLEAN = 3, BINARY = 4;

    private final ParquetFileWriter file;
    private final MessageType schema;
    private final ParquetProperties props;
    private final BytesInputCompressor compressor;
    private final Map<String, String> metadata;
    private final List<ColumnDescriptor> descriptors;
    private final ColumnWriter[] writers;
    /** Per column: its kind (LONG ...) and its maximum definition level (0 required, 1 optional). */
    private final int[] kinds;
    private final int[] maxDefinition;
    private final long rowGroupSize = ParquetWriter.DEFAULT_BLOCK_SIZE;
    private long nextRowGroupSize = rowGroupSize;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore store;
    private long rows;
    private long rowsForNextSizeCheck;

    private Batch batch;
    private final BlockingQueue<Batch> full;
    private final BlockingQueue<Batch> free;
    private final Thread thread;
    /** The writer thread's failure; the caller throws it. */
    private volatile Throwable failure;
    private boolean failed;
    private boolean closed;

    /** Rows of cells, column-major: numbers as longs (float bits, 0/1), UTF-8 as Binary, nulls flagged. */
    private static final class Batch {
        final long[][] numbers;
        final Binary[][] binaries;
        final boolean[][] nulls;
        int rows;
        /** The end of the file: no rows follow. */
        final boolean last;

        Batch(final int[] kinds, final int[] maxDefinition, final boolean last) {
            this.last = last;
            numbers = new long[kinds.length][];
            binaries = new Binary[kinds.length][];
            nulls = new boolean[kinds.length][];
            for (int c = 0; c < kinds.length && !last; c++) {
                if (kinds[c] == BINARY) {
                    binaries[c] = new Binary[BATCH_ROWS];
                } else {
                    numbers[c] = new long[BATCH_ROWS];
                }
                if (maxDefinition[c] > 0) {
                    nulls[c] = new boolean[BATCH_ROWS];
                }
            }
        }
    }

    /**
     * @param zstdLevel    zstd level of the pages, or 0 for uncompressed pages.
     * @param plainColumns the columns written without a dictionary (the others have one while it pays, as the library
     *                     decides).
     * @param metadata     the file's key-value metadata.
     */
    ParquetColumns(final Path path, final MessageType schema, final int zstdLevel,
        final Collection<String> plainColumns, final Map<String, String> metadata) throws IOException {
        this(path, schema, zstdLevel, plainColumns, metadata, Runtime.getRuntime().availableProcessors() > 1);
    }

    /** @param writerThread whether a writer thread encodes the batches (else the caller does). */
    ParquetColumns(final Path path, final MessageType schema, final int zstdLevel,
        final Collection<String> plainColumns, final Map<String, String> metadata, final boolean writerThread)
        throws IOException {
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
        this.kinds = new int[descriptors.size()];
        this.maxDefinition = new int[descriptors.size()];
        for (int c = 0; c < kinds.length; c++) {
            final ColumnDescriptor d = descriptors.get(c);
            if (d.getPath().length != 1 || d.getMaxRepetitionLevel() != 0) {
                throw new IllegalArgumentException("flat schemas only: " + d);
            }
            maxDefinition[c] = d.getMaxDefinitionLevel();
            switch (d.getPrimitiveType().getPrimitiveTypeName()) {
                case INT64:
                    kinds[c] = LONG;
                    break;
                case INT32:
                    kinds[c] = INT;
                    break;
                case FLOAT:
                    kinds[c] = FLOAT;
                    break;
                case BOOLEAN:
                    kinds[c] = BOOLEAN;
                    break;
                case BINARY:
                    kinds[c] = BINARY;
                    break;
                default:
                    throw new IllegalArgumentException("unsupported column type: " + d);
            }
        }
        this.writers = new ColumnWriter[descriptors.size()];
        this.file = new ParquetFileWriter(new LocalOutputFile(path), schema, ParquetFileWriter.Mode.OVERWRITE,
            rowGroupSize, ParquetWriter.MAX_PADDING_SIZE_DEFAULT, null, props);
        file.start();
        startRowGroup();
        this.batch = new Batch(kinds, maxDefinition, false);
        if (writerThread) {
            full = new ArrayBlockingQueue<>(BATCHES);
            free = new ArrayBlockingQueue<>(BATCHES);
            for (int i = 1; i < BATCHES; i++) {
                free.add(new Batch(kinds, maxDefinition, false));
            }
            thread = new Thread(this::drain, "vigil-parquet-writer");
            thread.setDaemon(true);
            thread.start();
        } else {
            full = null;
            free = null;
            thread = null;
        }
    }

    void putLong(final int column, final long value) {
        batch.numbers[column][batch.rows] = value;
    }

    void putInt(final int column, final int value) {
        batch.numbers[column][batch.rows] = value;
    }

    void putFloat(final int column, final float value) {
        batch.numbers[column][batch.rows] = Float.floatToRawIntBits(value);
    }

    void putBoolean(final int column, final boolean value) {
        batch.numbers[column][batch.rows] = value ? 1 : 0;
    }

    /** @param value constant bytes (never changed once passed: another thread may encode them later). */
    void putBinary(final int column, final Binary value) {
        batch.binaries[column][batch.rows] = value;
    }

    /** A null cell of an optional column (a required one refuses it when written). */
    void putNull(final int column) {
        final boolean[] nulls = batch.nulls[column];
        if (nulls == null) {
            throw new IllegalArgumentException(descriptors.get(column) + " is required: no null");
        }
        nulls[batch.rows] = true;
    }

    /** Ends the row whose cells were set (every column once); may hand the batch over or write it. */
    void endRow() throws IOException {
        final Batch b = batch;
        if (++b.rows < BATCH_ROWS) {
            return;
        }
        handOver();
    }

    /** Marks the file as failed (a cell could not be set): {@link #close} then writes no footer. */
    void fail() {
        failed = true;
    }

    private void handOver() throws IOException {
        checkFailure();
        if (thread == null) {
            try {
                write(batch);
            } catch (final RuntimeException | IOException ex) {
                failed = true;
                throw ex;
            }
            return;
        }
        try {
            full.put(batch);
            batch = free.take();
        } catch (final InterruptedException ex) {
            Thread.currentThread().interrupt();
            failed = true;
            throw new java.io.InterruptedIOException("interrupted handing rows to the Parquet writer");
        }
        checkFailure();
    }

    private void checkFailure() throws IOException {
        final Throwable t = failure;
        if (t != null) {
            failed = true;
            throw t instanceof IOException ? (IOException)t : new IOException("Parquet writer failed: " + t, t);
        }
    }

    /** The writer thread: writes the batches in order, until the last; after a failure it only recycles them. */
    private void drain() {
        try {
            while (true) {
                final Batch b = full.take();
                if (b.last) {
                    return;
                }
                if (failure == null) {
                    try {
                        write(b);
                    } catch (final Throwable t) {
                        failure = t;
                    }
                }
                b.rows = 0;
                free.put(b);
            }
        } catch (final InterruptedException ex) {
            failure = ex;
        }
    }

    /**
     * Writes a batch to the column writers column by column (a tight loop per column), then ends its rows with the
     * store: the store cuts pages and row groups only at those ends, so every page still starts and ends on a row
     * (each row is one value per column) and a page or row group can exceed its threshold by at most one batch of a
     * column (4096 values, against 1 MB pages and 128 MB row groups). Clears the batch's nulls and strings.
     */
    private void write(final Batch b) throws IOException {
        final int n = b.rows;
        for (int c = 0; c < kinds.length; c++) {
            final ColumnWriter w = writers[c];
            final boolean[] nulls = b.nulls[c];
            final int d = maxDefinition[c];
            final long[] numbers = b.numbers[c];
            switch (kinds[c]) {
                case LONG:
                    for (int r = 0; r < n; r++) {
                        if (nulls != null && nulls[r]) {
                            nulls[r] = false;
                            w.writeNull(0, 0);
                        } else {
                            w.write(numbers[r], 0, d);
                        }
                    }
                    break;
                case INT:
                    for (int r = 0; r < n; r++) {
                        if (nulls != null && nulls[r]) {
                            nulls[r] = false;
                            w.writeNull(0, 0);
                        } else {
                            w.write((int)numbers[r], 0, d);
                        }
                    }
                    break;
                case FLOAT:
                    for (int r = 0; r < n; r++) {
                        if (nulls != null && nulls[r]) {
                            nulls[r] = false;
                            w.writeNull(0, 0);
                        } else {
                            w.write(Float.intBitsToFloat((int)numbers[r]), 0, d);
                        }
                    }
                    break;
                case BOOLEAN:
                    for (int r = 0; r < n; r++) {
                        if (nulls != null && nulls[r]) {
                            nulls[r] = false;
                            w.writeNull(0, 0);
                        } else {
                            w.write(numbers[r] != 0, 0, d);
                        }
                    }
                    break;
                default:
                    final Binary[] binaries = b.binaries[c];
                    for (int r = 0; r < n; r++) {
                        if (nulls != null && nulls[r]) {
                            nulls[r] = false;
                            w.writeNull(0, 0);
                            continue;
                        }
                        final Binary value = binaries[r];
                        if (value == null) {
                            throw new IllegalArgumentException(descriptors.get(c) + ": no value in a row");
                        }
                        binaries[r] = null;
                        w.write(value, 0, d);
                    }
            }
        }
        for (int r = 0; r < n; r++) {
            store.endRecord();
            rows++;
        }
        if (rows >= rowsForNextSizeCheck) {
            checkRowGroupSize();
        }
        b.rows = 0;
    }

    /**
     * Writes the rows left, the last row group and the footer, unless a write failed; closes the file (and stops the
     * writer thread).
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Throwable error = null;
        try {
            if (thread != null) {
                try {
                    if (!failed && batch.rows > 0) {
                        full.put(batch);
                    }
                    full.put(new Batch(kinds, maxDefinition, true));
                    thread.join();
                } catch (final InterruptedException ex) {
                    thread.interrupt();
                    Thread.currentThread().interrupt();
                    failed = true;
                    error = new java.io.InterruptedIOException("interrupted closing the Parquet file");
                }
                if (failure != null) {
                    failed = true;
                    error = failure;
                }
            } else if (!failed && batch.rows > 0) {
                write(batch);
            }
            if (!failed) {
                flushRowGroup();
                file.end(metadata);
            }
        } catch (final RuntimeException | IOException ex) {
            error = ex;
        } finally {
            try {
                if (store != null) {
                    store.close();
                }
                if (pages != null) {
                    pages.close();
                }
            } catch (final RuntimeException ex) {
                if (error == null) {
                    error = ex;
                }
            } finally {
                file.close();
            }
        }
        if (error instanceof IOException) {
            throw (IOException)error;
        }
        if (error instanceof RuntimeException) {
            throw (RuntimeException)error;
        }
        if (error != null) {
            throw new IOException("Parquet writer failed: " + error, error);
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
