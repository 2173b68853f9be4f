package io.vigil.engine;

import io.vigil.journal.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
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
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.zip.CRC32;

/**
 * Checkpoints of the pipeline's per-key state: one file per checkpoint in a directory, named after the input journal
 * index the state reflects ({@code checkpoint-<16 hex digits>.vck}), written to a temporary file, forced to disk and
 * renamed atomically, so a reader sees either a whole checkpoint or none.
 *
 * <p>The store frames sections and never looks inside one: each {@link Stage} with state writes and reads its own
 * section ({@link Stage#writeSection}, {@link Stage#readSection}) under its id and version.
 *
 * <h2>File layout (little-endian)</h2>
 * <pre>
 *  0  int32   magic {@link #MAGIC} ("VCKP")
 *  4  int32   format version {@link #FORMAT}
 *  8  int64   input journal index whose event is the last one the state reflects
 * 16  int64   length of the whole file in bytes, CRC included (detects truncation before anything is parsed)
 * 24  uint16 + UTF-8   model version of the pipeline that wrote it (informational)
 * ..  int32   number of sections; per section: int32 id, int32 version, int64 length, int32 CRC32 of the bytes,
 *             the bytes (the stage's {@link Stage#writeSection})
 * end-4 int32 CRC32 of every byte before it
 * </pre>
 * A checkpoint of another format (format 1 wrote the features and metrics without section versions), a corrupt or
 * partial one, or one a stage cannot read back (another feature set, another section version) is passed over with a
 * log line; with none left the state is rebuilt from the input journal.
 *
 * <p>Not thread-safe: one instance per writing thread (the pipeline thread); reading is for start-up and offline
 * tools. Allocates: it keeps one growable heap buffer the size of the largest checkpoint, reused by every write.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    /** "VCKP". */
    public static final int MAGIC = 0x504b4356;
    /** Version of the layout above. */
    public static final int FORMAT = 2;
    /** Sub-directory of the data directory used when {@link VigilConfig#CHECKPOINT_DIR} is empty. */
    public static final String DEFAULT_DIR = "checkpoints";

    private static final String PREFIX = "checkpoint-";
    private static final String SUFFIX = ".vck";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int FIXED_HEADER_BYTES = 24;
    private static final int SECTION_HEADER_BYTES = Integer.BYTES + Integer.BYTES + Long.BYTES + Integer.BYTES;

    /** One section of a checkpoint: the id and version its stage wrote it under, and its bytes. */
    public static final class Section {
        private final int id;
        private final int version;
        private final ByteBuffer bytes;

        Section(final int id, final int version, final ByteBuffer bytes) {
            this.id = id;
            this.version = version;
            this.bytes = bytes;
        }

        public int id() {
            return id;
        }

        public int version() {
            return version;
        }

        /** The section's bytes (a read-only little-endian view). */
        public ByteBuffer bytes() {
            return bytes.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** A checkpoint read and validated (CRCs, length, magic, format); its sections not yet applied. */
    public static final class Checkpoint {
        private final Path file;
        private final long inputIndex;
        private final String modelVersion;
        private final Map<Integer, Section> sections;

        Checkpoint(final Path file, final long inputIndex, final String modelVersion, final Map<Integer, Section> sections) {
            this.file = file;
            this.inputIndex = inputIndex;
            this.modelVersion = modelVersion;
            this.sections = sections;
        }

        public Path file() {
            return file;
        }

        /** Input journal index of the last event the state reflects. */
        public long inputIndex() {
            return inputIndex;
        }

        public String modelVersion() {
            return modelVersion;
        }

        /** The section with this id, or null. */
        public Section section(final int id) {
            return sections.get(id);
        }

        /**
         * Replaces the state of every stage that has a section with this checkpoint's.
         *
         * @throws IOException when a stage's section is missing or the stage cannot read it; the stages' state is
         *                     then undefined (see {@link #clear}).
         */
        public void restoreInto(final List<Stage> stages) throws IOException {
            for (final Stage stage : stages) {
                if (stage.sectionId() == Stage.NO_SECTION) {
                    continue;
                }
                final Section section = sections.get(stage.sectionId());
                if (section == null) {
                    throw new IOException("no section " + stage.sectionId() + " for stage " + stage.name());
                }
                try {
                    stage.readSection(section.version, new SnapshotChannel(section.bytes.duplicate()));
                } catch (final RuntimeException ex) {
                    throw new IOException("stage " + stage.name() + " cannot read its section: " + ex, ex);
                }
            }
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

        /** One line per checkpoint skipped because it is corrupt, partial, of another format or unreadable (logged). */
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
    private final SnapshotChannel out = new SnapshotChannel(ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN));
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
        return write(pipeline.stages(), pipeline.modelVersion(), inputIndex);
    }

    /** Writes a checkpoint with one section per stage that has state; see {@link #write(Pipeline, long)}. */
    public Path write(final List<Stage> stages, final String modelVersion, final long inputIndex) throws IOException {
        final long startNs = System.nanoTime();
        out.buffer().clear();
        out.ensure(FIXED_HEADER_BYTES + Integer.BYTES);
        out.buffer().putInt(MAGIC).putInt(FORMAT).putLong(inputIndex).putLong(0L);
        putString(modelVersion);
        int count = 0;
        for (final Stage stage : stages) {
            count += stage.sectionId() == Stage.NO_SECTION ? 0 : 1;
        }
        out.ensure(Integer.BYTES);
        out.buffer().putInt(count);
        for (final Stage stage : stages) {
            if (stage.sectionId() != Stage.NO_SECTION) {
                writeSection(stage);
            }
        }
        out.ensure(Integer.BYTES);
        final ByteBuffer buffer = out.buffer();
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

    private void writeSection(final Stage stage) throws IOException {
        out.ensure(SECTION_HEADER_BYTES);
        final int headerAt = out.buffer().position();
        out.buffer().putInt(stage.sectionId()).putInt(stage.sectionVersion()).putLong(0L).putInt(0);
        final int start = out.buffer().position();
        stage.writeSection(out);
        final ByteBuffer buffer = out.buffer();
        final int end = buffer.position();
        buffer.putLong(headerAt + 2 * Integer.BYTES, end - start);
        final CRC32 crc = new CRC32();
        final ByteBuffer bytes = buffer.duplicate();
        bytes.position(start).limit(end);
        crc.update(bytes);
        buffer.putInt(headerAt + 2 * Integer.BYTES + Long.BYTES, (int)crc.getValue());
    }

    private void putString(final String value) {
        final byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.ensure(2 + bytes.length);
        out.buffer().putShort((short)bytes.length).put(bytes);
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
            final String model = getString(in);
            final int count = in.getInt();
            final Map<Integer, Section> sections = new HashMap<>();
            for (int i = 0; i < count; i++) {
                final int id = in.getInt();
                final int version = in.getInt();
                final long sectionLength = in.getLong();
                final int sectionCrc = in.getInt();
                if (sectionLength < 0 || sectionLength > in.remaining()) {
                    throw new IOException("section " + id + " runs past the end");
                }
                final ByteBuffer section = in.slice().order(ByteOrder.LITTLE_ENDIAN);
                section.limit((int)sectionLength);
                in.position(in.position() + (int)sectionLength);
                final CRC32 check = new CRC32();
                check.update(section.duplicate());
                if ((int)check.getValue() != sectionCrc) {
                    throw new IOException(String.format(Locale.ROOT, "corrupt checkpoint: section %d CRC32 %08x, stored %08x",
                        id, (int)check.getValue(), sectionCrc));
                }
                if (sections.put(id, new Section(id, version, section)) != null) {
                    throw new IOException("section " + id + " twice");
                }
            }
            return new Checkpoint(file, inputIndex, model, sections);
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
     * Restores the newest valid checkpoint whose input index satisfies {@code usable} into the pipeline's stages.
     * Corrupt, partial, unusable checkpoints, those of another format and those a stage cannot read are skipped with
     * a log line each; when none is left the stages' state is emptied (replay from the start of the journal).
     */
    public Restored restoreLatest(final Pipeline pipeline, final LongPredicate usable) throws IOException {
        return restoreLatest(pipeline.stages(), usable);
    }

    /** See {@link #restoreLatest(Pipeline, LongPredicate)}. */
    public Restored restoreLatest(final List<Stage> stages, final LongPredicate usable) throws IOException {
        final List<String> skipped = new ArrayList<>();
        final List<String> unusable = new ArrayList<>();
        for (final Path file : list()) {
            try {
                final Checkpoint checkpoint = read(file);
                if (!usable.test(checkpoint.inputIndex())) {
                    unusable.add("checkpoint " + file + ": input index " + Long.toHexString(checkpoint.inputIndex()) +
                        " cannot be continued from here");
                    continue;
                }
                checkpoint.restoreInto(stages);
                return new Restored(checkpoint, skipped, unusable);
            } catch (final IOException ex) {
                final String line = "skipping checkpoint " + file + ": " + ex.getMessage();
                LOG.warn(line);
                skipped.add(line);
            }
        }
        if (!skipped.isEmpty()) {
            clear(stages);
        }
        return new Restored(null, skipped, unusable);
    }

    /** Empties every stage's state, undoing a restore that failed half-way. */
    public static void clear(final List<Stage> stages) throws IOException {
        for (final Stage stage : stages) {
            stage.clearState();
        }
    }
}
