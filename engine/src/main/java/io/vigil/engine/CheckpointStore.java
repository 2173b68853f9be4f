package io.vigil.engine;

import io.vigil.journal.RecordHeader;
import io.vigil.scoring.anomaly.MetricAnomalyScorer;
import io.vigil.scoring.features.TransactionFeatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;
import java.util.zip.CRC32;

/**
 * Checkpoints of the pipeline's per-key state: one file per checkpoint in a directory, named after the input journal
 * index the state reflects ({@code checkpoint-<16 hex digits>.vck}), written to a temporary file, forced to disk and
 * renamed atomically, so a reader sees either a whole checkpoint or none.
 *
 * <h2>File layout (little-endian)</h2>
 * <pre>
 *  0  int32   magic {@link #MAGIC} ("VCKP")
 *  4  int32   format version {@link #FORMAT}
 *  8  int64   input journal index whose event is the last one the state reflects
 * 16  int64   length of the whole file in bytes, CRC included (detects truncation before anything is parsed)
 * 24  uint16 + UTF-8   feature-set version ({@link TransactionFeatures#VERSION}); a checkpoint of another set is skipped
 * ..  uint16 + UTF-8   model version of the pipeline that wrote it (informational)
 * ..  int32   number of sections; per section: int32 id, int64 length, the bytes
 *             ({@link #SECTION_FEATURES}: {@link TransactionFeatures#writeSnapshot};
 *              {@link #SECTION_METRICS}: {@link MetricAnomalyScorer#writeSnapshot})
 * end-4 int32 CRC32 of every byte before it
 * </pre>
 *
 * <p>Not thread-safe: one instance per writing thread (the pipeline thread); reading is for start-up and offline
 * tools. Allocates: it keeps one growable heap buffer the size of the largest checkpoint, reused by every write.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    /** "VCKP". */
    public static final int MAGIC = 0x504b4356;
    /** Version of the layout above. */
    public static final int FORMAT = 1;
    /** Section holding the transaction features. */
    public static final int SECTION_FEATURES = 1;
    /** Section holding the metric anomaly detectors. */
    public static final int SECTION_METRICS = 2;
    /** Sub-directory of the data directory used when {@link VigilConfig#CHECKPOINT_DIR} is empty. */
    public static final String DEFAULT_DIR = "checkpoints";

    private static final String PREFIX = "checkpoint-";
    private static final String SUFFIX = ".vck";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int FIXED_HEADER_BYTES = 24;

    /** A checkpoint read and validated (CRC, length, magic, format); its sections not yet applied. */
    public static final class Checkpoint {
        private final Path file;
        private final long inputIndex;
        private final String featureSetVersion;
        private final String modelVersion;
        private final ByteBuffer features;
        private final ByteBuffer metrics;

        Checkpoint(final Path file, final long inputIndex, final String featureSetVersion, final String modelVersion,
            final ByteBuffer features, final ByteBuffer metrics) {
            this.file = file;
            this.inputIndex = inputIndex;
            this.featureSetVersion = featureSetVersion;
            this.modelVersion = modelVersion;
            this.features = features;
            this.metrics = metrics;
        }

        public Path file() {
            return file;
        }

        /** Input journal index of the last event the state reflects. */
        public long inputIndex() {
            return inputIndex;
        }

        public String featureSetVersion() {
            return featureSetVersion;
        }

        public String modelVersion() {
            return modelVersion;
        }

        /** The transaction-feature snapshot bytes (a read-only view). */
        public ByteBuffer featuresSnapshot() {
            return features.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }

        /** The metric-anomaly snapshot bytes (a read-only view). */
        public ByteBuffer metricsSnapshot() {
            return metrics.asReadOnlyBuffer();
        }

        /** Replaces the state of {@code features} and {@code metrics} with this checkpoint's. */
        public void restoreInto(final TransactionFeatures features, final MetricAnomalyScorer metrics) throws IOException {
            features.readSnapshot(new BufferChannel(this.features.duplicate()));
            metrics.readSnapshot(new BufferChannel(this.metrics.duplicate()));
        }
    }

    /** What {@link #restoreLatest} did: the checkpoint used, if any, and every one skipped and why. */
    public static final class Restored {
        private final Checkpoint checkpoint;
        private final List<String> skipped;
        private final List<String> unusable;

        Restored(final Checkpoint checkpoint, final List<String> skipped, final List<String> unusable) {
            this.checkpoint = checkpoint;
            this.skipped = List.copyOf(skipped);
            this.unusable = List.copyOf(unusable);
        }

        /** The checkpoint restored, or null when the state starts empty. */
        public Checkpoint checkpoint() {
            return checkpoint;
        }

        /** Input index the restored state reflects, or {@link RecordHeader#NO_INDEX} for an empty state. */
        public long inputIndex() {
            return checkpoint == null ? RecordHeader.NO_INDEX : checkpoint.inputIndex;
        }

        /** One line per checkpoint skipped because it is corrupt, partial or of another feature set (logged). */
        public List<String> skipped() {
            return skipped;
        }

        /** One line per valid checkpoint passed over because the caller could not use its index (not logged). */
        public List<String> unusable() {
            return unusable;
        }
    }

    private final Path dir;
    private final int retain;
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    private long written;
    private long lastWriteNs;

    /**
     * @param dir    directory of the checkpoint files (created when the first checkpoint is written).
     * @param retain how many of the newest checkpoints to keep (at least 1); older ones are deleted after a write.
     */
    public CheckpointStore(final Path dir, final int retain) {
        this.dir = dir;
        this.retain = Math.max(1, retain);
    }

    /** The checkpoint directory the configuration names: {@link VigilConfig#CHECKPOINT_DIR}, else data dir/checkpoints. */
    public static Path dir(final VigilConfig config) {
        final String configured = config.string(VigilConfig.CHECKPOINT_DIR);
        return configured.isEmpty() ? config.path(VigilConfig.DATA_DIR).resolve(DEFAULT_DIR) : Path.of(configured);
    }

    /** A store configured like the live engine's. */
    public static CheckpointStore from(final VigilConfig config) {
        return new CheckpointStore(dir(config), config.integer(VigilConfig.CHECKPOINT_RETAIN));
    }

    public Path dir() {
        return dir;
    }

    /** Checkpoints written by this instance. */
    public long written() {
        return written;
    }

    /** How long the last write took, nanoseconds. */
    public long lastWriteNs() {
        return lastWriteNs;
    }

    /**
     * Writes a checkpoint of the pipeline's state, which must reflect every input event up to and including
     * {@code inputIndex} and nothing after it (call at a batch boundary, after {@link Pipeline#flush()}).
     *
     * @return the file written.
     */
    public Path write(final Pipeline pipeline, final long inputIndex) throws IOException {
        return write(pipeline.features(), pipeline.metrics(), pipeline.modelVersion(), inputIndex);
    }

    /** Writes a checkpoint of the given state; see {@link #write(Pipeline, long)}. */
    public Path write(final TransactionFeatures features, final MetricAnomalyScorer metrics, final String modelVersion,
        final long inputIndex) throws IOException {
        final long startNs = System.nanoTime();
        buffer.clear();
        buffer.putInt(MAGIC).putInt(FORMAT).putLong(inputIndex).putLong(0L);
        putString(TransactionFeatures.VERSION);
        putString(modelVersion);
        buffer.putInt(2);
        final BufferChannel out = new BufferChannel(this);
        writeSection(SECTION_FEATURES, out, channel -> features.writeSnapshot(channel));
        writeSection(SECTION_METRICS, out, channel -> metrics.writeSnapshot(channel));
        ensure(Integer.BYTES);
        buffer.putLong(16, buffer.position() + Integer.BYTES);
        final CRC32 crc = new CRC32();
        final ByteBuffer content = buffer.duplicate();
        content.flip();
        crc.update(content);
        buffer.putInt((int)crc.getValue());
        buffer.flip();

        Files.createDirectories(dir);
        final Path target = dir.resolve(fileName(inputIndex));
        final Path temp = dir.resolve(fileName(inputIndex) + TEMP_SUFFIX);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final AtomicMoveNotSupportedException ex) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory();
        prune();
        written++;
        lastWriteNs = System.nanoTime() - startNs;
        return target;
    }

    private interface SnapshotWriter {
        void write(WritableByteChannel channel) throws IOException;
    }

    private void writeSection(final int id, final BufferChannel out, final SnapshotWriter writer) throws IOException {
        ensure(Integer.BYTES + Long.BYTES);
        buffer.putInt(id);
        final int lengthAt = buffer.position();
        buffer.putLong(0L);
        final int start = buffer.position();
        writer.write(out);
        buffer.putLong(lengthAt, buffer.position() - start);
    }

    private void putString(final String value) {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        ensure(2 + bytes.length);
        buffer.putShort((short)bytes.length).put(bytes);
    }

    private void ensure(final int bytes) {
        if (buffer.remaining() < bytes) {
            final long wanted = Math.max((long)buffer.capacity() * 2, (long)buffer.position() + bytes);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("checkpoint larger than 2 GB");
            }
            final ByteBuffer bigger = ByteBuffer.allocate((int)wanted).order(ByteOrder.LITTLE_ENDIAN);
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
    }

    private void forceDirectory() {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (final IOException | UnsupportedOperationException ex) {
            // not every file system lets a directory be opened; the rename is still atomic
        }
    }

    private void prune() throws IOException {
        final List<Path> files = list();
        for (int i = retain; i < files.size(); i++) {
            Files.deleteIfExists(files.get(i));
        }
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX + TEMP_SUFFIX)) {
            for (final Path temp : temps) {
                Files.deleteIfExists(temp);
            }
        }
    }

    static String fileName(final long inputIndex) {
        return PREFIX + String.format(Locale.ROOT, "%016x", inputIndex) + SUFFIX;
    }

    /** Input index a checkpoint file name stands for, or {@link RecordHeader#NO_INDEX} if it is not one. */
    static long indexOf(final Path file) {
        final String name = file.getFileName().toString();
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return RecordHeader.NO_INDEX;
        }
        try {
            return Long.parseUnsignedLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()), 16);
        } catch (final NumberFormatException ex) {
            return RecordHeader.NO_INDEX;
        }
    }

    /** Checkpoint files in the directory, newest (highest input index) first; empty if there is no directory. */
    public List<Path> list() throws IOException {
        final List<Path> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
            for (final Path file : stream) {
                if (indexOf(file) >= 0) {
                    files.add(file);
                }
            }
        }
        files.sort(Comparator.comparingLong(CheckpointStore::indexOf).reversed());
        return files;
    }

    /**
     * Reads and validates one checkpoint file.
     *
     * @throws IOException when it cannot be read, is partial or corrupt (length, CRC, magic, format, layout).
     */
    public static Checkpoint read(final Path file) throws IOException {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final NoSuchFileException ex) {
            throw new IOException("checkpoint " + file + " vanished", ex);
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < FIXED_HEADER_BYTES + Integer.BYTES) {
            throw new IOException("partial checkpoint: " + bytes.length + " bytes");
        }
        if (in.getInt(0) != MAGIC) {
            throw new IOException("not a checkpoint (bad magic)");
        }
        if (in.getInt(4) != FORMAT) {
            throw new IOException("checkpoint format " + in.getInt(4) + ", this version reads " + FORMAT);
        }
        final long length = in.getLong(16);
        if (length != bytes.length) {
            throw new IOException("partial checkpoint: " + bytes.length + " bytes of " + length);
        }
        final CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - Integer.BYTES);
        final int stored = in.getInt(bytes.length - Integer.BYTES);
        if ((int)crc.getValue() != stored) {
            throw new IOException(String.format(Locale.ROOT, "corrupt checkpoint: CRC32 %08x, stored %08x",
                (int)crc.getValue(), stored));
        }
        try {
            final long inputIndex = in.getLong(8);
            if (inputIndex != indexOf(file) && indexOf(file) >= 0) {
                throw new IOException("checkpoint holds index " + Long.toHexString(inputIndex) + " but is named " + file.getFileName());
            }
            in.position(FIXED_HEADER_BYTES);
            in.limit(bytes.length - Integer.BYTES);
            final String featureSet = getString(in);
            final String model = getString(in);
            final int sections = in.getInt();
            ByteBuffer features = null;
            ByteBuffer metrics = null;
            for (int i = 0; i < sections; i++) {
                final int id = in.getInt();
                final long sectionLength = in.getLong();
                if (sectionLength < 0 || sectionLength > in.remaining()) {
                    throw new IOException("section " + id + " runs past the end");
                }
                final ByteBuffer section = in.slice().order(ByteOrder.LITTLE_ENDIAN);
                section.limit((int)sectionLength);
                in.position(in.position() + (int)sectionLength);
                if (id == SECTION_FEATURES) {
                    features = section;
                } else if (id == SECTION_METRICS) {
                    metrics = section;
                }
            }
            if (features == null || metrics == null) {
                throw new IOException("checkpoint lacks a section");
            }
            return new Checkpoint(file, inputIndex, featureSet, model, features, metrics);
        } catch (final RuntimeException ex) {
            throw new IOException("malformed checkpoint: " + ex, ex);
        }
    }

    private static String getString(final ByteBuffer in) {
        final int length = Short.toUnsignedInt(in.getShort());
        final byte[] bytes = new byte[length];
        in.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Restores the newest valid checkpoint whose input index satisfies {@code usable} into the pipeline's state.
     * Corrupt, partial, unusable checkpoints and those of another feature set are skipped with a log line each;
     * when none is left the pipeline's state is emptied (replay from the start of the journal).
     */
    public Restored restoreLatest(final Pipeline pipeline, final LongPredicate usable) throws IOException {
        return restoreLatest(pipeline.features(), pipeline.metrics(), usable);
    }

    /** See {@link #restoreLatest(Pipeline, LongPredicate)}. */
    public Restored restoreLatest(final TransactionFeatures features, final MetricAnomalyScorer metrics,
        final LongPredicate usable) throws IOException {
        final List<String> skipped = new ArrayList<>();
        final List<String> unusable = new ArrayList<>();
        for (final Path file : list()) {
            final String why;
            try {
                final Checkpoint checkpoint = read(file);
                if (!TransactionFeatures.VERSION.equals(checkpoint.featureSetVersion())) {
                    why = "feature set " + checkpoint.featureSetVersion() + ", this engine computes " + TransactionFeatures.VERSION;
                } else if (!usable.test(checkpoint.inputIndex())) {
                    unusable.add("checkpoint " + file + ": input index " + Long.toHexString(checkpoint.inputIndex()) +
                        " cannot be continued from here");
                    continue;
                } else {
                    checkpoint.restoreInto(features, metrics);
                    return new Restored(checkpoint, skipped, unusable);
                }
            } catch (final IOException ex) {
                final String line = "skipping checkpoint " + file + ": " + ex.getMessage();
                LOG.warn(line);
                skipped.add(line);
                continue;
            }
            final String line = "skipping checkpoint " + file + ": " + why;
            LOG.warn(line);
            skipped.add(line);
        }
        if (!skipped.isEmpty()) {
            empty(features, metrics);
        }
        return new Restored(null, skipped, unusable);
    }

    /** Empties the state, undoing a restore that failed half-way. */
    private static void empty(final TransactionFeatures features, final MetricAnomalyScorer metrics) throws IOException {
        final BufferChannel scratch = new BufferChannel(ByteBuffer.allocate(1 << 16));
        new TransactionFeatures(1).writeSnapshot(scratch);
        scratch.flipForReading();
        features.readSnapshot(scratch);
        final BufferChannel scratch2 = new BufferChannel(ByteBuffer.allocate(1 << 16));
        new MetricAnomalyScorer(1, metrics.context()).writeSnapshot(scratch2);
        scratch2.flipForReading();
        metrics.readSnapshot(scratch2);
    }

    /**
     * A channel over a byte buffer: reads from or writes into a given buffer, or appends to a store's growable buffer.
     */
    private static final class BufferChannel implements ReadableByteChannel, WritableByteChannel {
        private final ByteBuffer fixed;
        private final CheckpointStore owner;

        BufferChannel(final ByteBuffer fixed) {
            this.fixed = fixed;
            this.owner = null;
        }

        BufferChannel(final CheckpointStore owner) {
            this.fixed = null;
            this.owner = owner;
        }

        @Override
        public int read(final ByteBuffer dst) {
            if (!fixed.hasRemaining()) {
                return -1;
            }
            final int n = Math.min(dst.remaining(), fixed.remaining());
            final ByteBuffer part = fixed.duplicate();
            part.limit(part.position() + n);
            dst.put(part);
            fixed.position(fixed.position() + n);
            return n;
        }

        @Override
        public int write(final ByteBuffer src) {
            final int n = src.remaining();
            if (fixed != null) {
                fixed.put(src);
                return n;
            }
            owner.ensure(n);
            owner.buffer.put(src);
            return n;
        }

        void flipForReading() {
            fixed.flip();
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
