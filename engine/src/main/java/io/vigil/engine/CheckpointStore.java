package io.vigil.engine;

import io.vigil.journal.RecordHeader;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongPredicate;
import java.util.zip.CRC32C;

/**
 * Checkpoints of the pipeline's per-key state: one file per checkpoint in a directory, named after the input journal
 * index the state reflects ({@code checkpoint-<16 hex digits>.vck}), written to a temporary file, forced to disk and
 * renamed atomically, so a reader sees either a whole checkpoint or none.
 *
 * <p>The store frames sections and never looks inside one: each {@link Stage} with state writes and reads its own
 * section ({@link Stage#captureSection}, {@link Stage#readSection}) under its id and version.
 *
 * <h2>Two steps: capture, then write</h2>
 * {@link #capture} runs on the pipeline thread at a batch boundary and only fixes each stage's state
 * ({@link SectionImage}: the features stage takes a copy-on-write snapshot, small stages copy their bytes); it is the
 * whole pause the pipeline sees. {@link #write(Pending)} then streams the file from the images on another thread
 * while events go on, and closes them. {@link #write(List, String, long)} does both on the calling thread.
 *
 * <h2>File layout (format 3, little-endian)</h2>
 * <pre>
 *  0  int32   magic {@link #MAGIC} ("VCKP")
 *  4  int32   format version {@link #FORMAT}
 *  8  int64   input journal index whose event is the last one the state reflects
 * 16  int64   length of the whole file in bytes (detects truncation before anything is parsed)
 * 24  uint16 + UTF-8   model version of the pipeline that wrote it (informational)
 * ..  int32   number of sections
 * ..  int32   CRC32C of every byte of the header before it
 * per section: int32 id, int32 version, int64 length, the bytes (the stage's section),
 *             int32 CRC32C of the section's id, version, length and bytes
 * </pre>
 * Every length is known before the first byte is written, so the file streams in constant memory, of any size; each
 * CRC follows what it covers. A checkpoint of another format (format 2 put each section's CRC before its bytes and
 * one CRC over the whole file at its end; format 1 wrote no section versions), a corrupt or partial one, or one a
 * stage cannot read back (another feature set, another section version) is passed over with a log line; with none
 * left the state is rebuilt from the input journal.
 *
 * <p>Thread safety: {@link #capture} on the pipeline thread; {@link #write(Pending)} on one thread at a time (the
 * checkpoint thread; the next write must happen after the previous one in memory order); reading is for start-up and
 * offline tools. Allocates: control plane only.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);

    /** "VCKP". */
    public static final int MAGIC = 0x504b4356;
    /** Version of the layout above. */
    public static final int FORMAT = 3;
    /** Sub-directory of the data directory used when {@link VigilConfig#CHECKPOINT_DIR} is empty. */
    public static final String DEFAULT_DIR = "checkpoints";

    private static final String PREFIX = "checkpoint-";
    private static final String SUFFIX = ".vck";
    private static final String TEMP_SUFFIX = ".tmp";
    private static final int FIXED_HEADER_BYTES = 24;
    private static final int SECTION_HEADER_BYTES = Integer.BYTES + Integer.BYTES + Long.BYTES;
    private static final int SECTION_FRAME_BYTES = SECTION_HEADER_BYTES + Integer.BYTES;
    private static final int IO_BUFFER_BYTES = 1 << 20;

    /** One section of a checkpoint: the id and version its stage wrote it under, and where its bytes are. */
    public static final class Section {
        private final Path file;
        private final int id;
        private final int version;
        private final long offset;
        private final long length;
        private final int crc;

        Section(final Path file, final int id, final int version, final long offset, final long length, final int crc) {
            this.file = file;
            this.id = id;
            this.version = version;
            this.offset = offset;
            this.length = length;
            this.crc = crc;
        }

        public int id() {
            return id;
        }

        public int version() {
            return version;
        }

        /** Bytes in the section. */
        public long length() {
            return length;
        }

        /**
         * The section's bytes, read from the file and checked against its CRC (a little-endian heap buffer, so at
         * most 2 GB: for tools and tests; restoring streams instead).
         */
        public ByteBuffer bytes() throws IOException {
            if (length > Integer.MAX_VALUE - 8) {
                throw new IOException("section " + id + " has " + length + " bytes, too many for one buffer");
            }
            final ByteBuffer bytes = ByteBuffer.allocate((int)length).order(ByteOrder.LITTLE_ENDIAN);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final SectionReader in = new SectionReader(channel, this);
                while (bytes.hasRemaining()) {
                    if (in.read(bytes) < 0) {
                        throw new IOException("partial checkpoint: section " + id + " ends early");
                    }
                }
                in.verify();
            }
            return bytes.flip();
        }
    }

    /** A checkpoint whose header and layout were read and checked; its sections not yet applied. */
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

        /** Reads every section through and checks its CRC, in constant memory. */
        void verify() throws IOException {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final ByteBuffer scratch = ByteBuffer.allocateDirect(IO_BUFFER_BYTES);
                for (final Section section : sections.values()) {
                    final SectionReader in = new SectionReader(channel, section);
                    while (in.read(scratch.clear()) >= 0) {
                        // the reader checks
                    }
                    in.verify();
                }
            }
        }

        /**
         * Replaces the state of every stage that has a section with this checkpoint's, streaming each section from the
         * file to its stage and checking its CRC as it goes.
         *
         * @throws IOException when a stage's section is missing, corrupt, or the stage cannot read it (or leaves part
         *                     of it unread); the stages' state is then undefined (see {@link #clear}).
         */
        public void restoreInto(final List<Stage> stages) throws IOException {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                for (final Stage stage : stages) {
                    if (stage.sectionId() == Stage.NO_SECTION) {
                        continue;
                    }
                    final Section section = sections.get(stage.sectionId());
                    if (section == null) {
                        throw new IOException("no section " + stage.sectionId() + " for stage " + stage.name());
                    }
                    final SectionReader in = new SectionReader(channel, section);
                    try {
                        stage.readSection(section.version, in);
                    } catch (final RuntimeException ex) {
                        throw new IOException("stage " + stage.name() + " cannot read its section: " + ex, ex);
                    }
                    if (in.remaining() > 0) {
                        throw new IOException("stage " + stage.name() + " left " + in.remaining() + " of the " +
                            section.length + " bytes of its section unread");
                    }
                    in.verify();
                }
            }
        }
    }

    /**
     * A checkpoint captured on the pipeline thread, to be written by {@link #write(Pending)}: the input index, the
     * model version and one {@link SectionImage} per stage with state. Close it if it is not written (writing closes
     * it); idempotent.
     */
    public static final class Pending implements AutoCloseable {
        private final long inputIndex;
        private final String modelVersion;
        private final int[] ids;
        private final int[] versions;
        private final SectionImage[] images;
        private final long captureNs;

        Pending(final long inputIndex, final String modelVersion, final int[] ids, final int[] versions,
            final SectionImage[] images, final long captureNs) {
            this.inputIndex = inputIndex;
            this.modelVersion = modelVersion;
            this.ids = ids;
            this.versions = versions;
            this.images = images;
            this.captureNs = captureNs;
        }

        public long inputIndex() {
            return inputIndex;
        }

        /** How long the capture took on the pipeline thread, nanoseconds: the pause a checkpoint costs it. */
        public long captureNs() {
            return captureNs;
        }

        /** Bytes of the file it makes. */
        public long fileBytes() {
            long bytes = headerBytes(modelVersion) + Integer.BYTES; // the header and its CRC
            for (final SectionImage image : images) {
                bytes += SECTION_FRAME_BYTES + image.length();
            }
            return bytes;
        }

        @Override
        public void close() {
            for (final SectionImage image : images) {
                if (image != null) {
                    image.close();
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
    private volatile long written;
    private volatile long lastWriteNs;
    private volatile long lastFileBytes;

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

    /** Checkpoints written by this instance; any thread. */
    public long written() {
        return written;
    }

    /** How long the last write took (from the end of its capture), nanoseconds; any thread. */
    public long lastWriteNs() {
        return lastWriteNs;
    }

    /** Bytes of the last checkpoint file written; any thread. */
    public long lastFileBytes() {
        return lastFileBytes;
    }

    /**
     * Writes a checkpoint of the pipeline's state on this thread, which must reflect every input event up to and
     * including {@code inputIndex} and nothing after it (call at a batch boundary, after {@link Pipeline#flush()}).
     *
     * @return the file written.
     */
    public Path write(final Pipeline pipeline, final long inputIndex) throws IOException {
        return write(pipeline.stages(), pipeline.modelVersion(), inputIndex);
    }

    /** Captures and writes a checkpoint on this thread; see {@link #write(Pipeline, long)}. */
    public Path write(final List<Stage> stages, final String modelVersion, final long inputIndex) throws IOException {
        return write(capture(stages, modelVersion, inputIndex));
    }

    /** Captures the pipeline's state for {@link #write(Pending)}; see {@link #capture(List, String, long)}. */
    public Pending capture(final Pipeline pipeline, final long inputIndex) throws IOException {
        return capture(pipeline.stages(), pipeline.modelVersion(), inputIndex);
    }

    /**
     * Fixes the state of every stage with a section, which must reflect every input event up to and including
     * {@code inputIndex} and nothing after it: pipeline thread, at a batch boundary, after {@link Pipeline#flush()}.
     * Costs what the stages' {@link Stage#captureSection()} cost (for the features, O(accounts / 32)).
     */
    public Pending capture(final List<Stage> stages, final String modelVersion, final long inputIndex) throws IOException {
        final long startNs = System.nanoTime();
        int count = 0;
        for (final Stage stage : stages) {
            count += stage.sectionId() == Stage.NO_SECTION ? 0 : 1;
        }
        final int[] ids = new int[count];
        final int[] versions = new int[count];
        final SectionImage[] images = new SectionImage[count];
        int i = 0;
        try {
            for (final Stage stage : stages) {
                if (stage.sectionId() != Stage.NO_SECTION) {
                    ids[i] = stage.sectionId();
                    versions[i] = stage.sectionVersion();
                    images[i] = stage.captureSection();
                    i++;
                }
            }
        } catch (final IOException | RuntimeException ex) {
            for (final SectionImage image : images) {
                if (image != null) {
                    image.close();
                }
            }
            throw ex;
        }
        return new Pending(inputIndex, modelVersion, ids, versions, images, System.nanoTime() - startNs);
    }

    /**
     * Streams a captured checkpoint to its file (temporary file, forced, renamed, directory forced), deletes those
     * beyond {@code retain}, and closes the capture whatever happens. Any one thread at a time.
     *
     * @return the file written.
     */
    public Path write(final Pending pending) throws IOException {
        final long startNs = System.nanoTime();
        try (pending) {
            final long fileBytes = pending.fileBytes();
            Files.createDirectories(dir);
            final Path target = dir.resolve(fileName(pending.inputIndex));
            final Path temp = dir.resolve(fileName(pending.inputIndex) + TEMP_SUFFIX);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
                final CrcOutput out = new CrcOutput(channel);
                final byte[] model = pending.modelVersion.getBytes(StandardCharsets.UTF_8);
                final ByteBuffer header = ByteBuffer.allocate(headerBytes(pending.modelVersion)).order(ByteOrder.LITTLE_ENDIAN);
                header.putInt(MAGIC).putInt(FORMAT).putLong(pending.inputIndex).putLong(fileBytes)
                    .putShort((short)model.length).put(model).putInt(pending.images.length);
                out.put(header.flip());
                out.putCrc();
                for (int i = 0; i < pending.images.length; i++) {
                    final SectionImage image = pending.images[i];
                    final long length = image.length();
                    final ByteBuffer frame = ByteBuffer.allocate(SECTION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                    out.put(frame.putInt(pending.ids[i]).putInt(pending.versions[i]).putLong(length).flip());
                    final long before = out.count();
                    image.writeTo(out);
                    if (out.count() - before != length) {
                        throw new IOException("section " + pending.ids[i] + " wrote " + (out.count() - before) +
                            " bytes, its capture announced " + length);
                    }
                    out.putCrc();
                }
                out.flush();
                if (out.count() != fileBytes) {
                    throw new IOException("checkpoint of " + out.count() + " bytes, " + fileBytes + " announced");
                }
                channel.force(true);
            } catch (final IOException | RuntimeException ex) {
                Files.deleteIfExists(temp);
                throw ex;
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException ex) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory();
            prune();
            lastFileBytes = fileBytes;
            lastWriteNs = System.nanoTime() - startNs;
            written++;
            return target;
        }
    }

    private static int headerBytes(final String modelVersion) {
        return FIXED_HEADER_BYTES + Short.BYTES + modelVersion.getBytes(StandardCharsets.UTF_8).length + Integer.BYTES;
    }

    /**
     * A channel to the file that counts and checksums what passes, through a 1 MB buffer (the features section
     * arrives in slot-sized pieces). {@link #putCrc()} appends the CRC32C of everything since the previous one.
     */
    private static final class CrcOutput implements WritableByteChannel {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(IO_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final CRC32C crc = new CRC32C();
        private long count;

        CrcOutput(final FileChannel channel) {
            this.channel = channel;
        }

        long count() {
            return count;
        }

        void put(final ByteBuffer src) throws IOException {
            write(src);
        }

        void putCrc() throws IOException {
            final ByteBuffer value = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            value.putInt((int)crc.getValue()).flip();
            crc.reset();
            count += Integer.BYTES;
            append(value);
        }

        @Override
        public int write(final ByteBuffer src) throws IOException {
            final int n = src.remaining();
            crc.update(src.duplicate());
            count += n;
            append(src);
            return n;
        }

        private void append(final ByteBuffer src) throws IOException {
            while (src.hasRemaining()) {
                if (!buffer.hasRemaining()) {
                    flush();
                }
                SnapshotChannel.transfer(src, buffer);
            }
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }

        @Override
        public void close() {
        }
    }

    /**
     * One section of a checkpoint file as a channel: at most its length, read through a 1 MB buffer, its CRC32C
     * computed on the way; {@link #verify()} checks it against the stored one once everything is read.
     */
    private static final class SectionReader implements ReadableByteChannel {
        private final FileChannel channel;
        private final Section section;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(IO_BUFFER_BYTES);
        private final CRC32C crc = new CRC32C();
        private long position;
        private long left;

        SectionReader(final FileChannel channel, final Section section) {
            this.channel = channel;
            this.section = section;
            this.position = section.offset;
            this.left = section.length;
            final ByteBuffer frame = ByteBuffer.allocate(SECTION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            crc.update(frame.putInt(section.id).putInt(section.version).putLong(section.length).flip());
            buffer.limit(0);
        }

        long remaining() {
            return left + buffer.remaining();
        }

        @Override
        public int read(final ByteBuffer dst) throws IOException {
            if (!buffer.hasRemaining()) {
                if (left == 0) {
                    return -1;
                }
                buffer.clear();
                if (left < buffer.capacity()) {
                    buffer.limit((int)left);
                }
                while (buffer.hasRemaining()) {
                    final int n = channel.read(buffer, position);
                    if (n < 0) {
                        throw new IOException("partial checkpoint: section " + section.id + " ends early");
                    }
                    position += n;
                }
                buffer.flip();
                left -= buffer.remaining();
                crc.update(buffer.duplicate());
            }
            return SnapshotChannel.transfer(buffer, dst);
        }

        /** Checks the CRC; call when the whole section was read (the stage read it all). */
        void verify() throws IOException {
            if (remaining() > 0) {
                throw new IllegalStateException("section " + section.id + " not read through");
            }
            if ((int)crc.getValue() != section.crc) {
                throw new IOException(String.format(Locale.ROOT, "corrupt checkpoint: section %d CRC32C %08x, stored %08x",
                    section.id, (int)crc.getValue(), section.crc));
            }
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
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
     * Reads and validates one checkpoint file: header, layout and every section's CRC, in constant memory.
     *
     * @throws IOException when it cannot be read, is partial or corrupt (length, CRC, magic, format, layout).
     */
    public static Checkpoint read(final Path file) throws IOException {
        final Checkpoint checkpoint = open(file);
        checkpoint.verify();
        return checkpoint;
    }

    /**
     * Reads and checks a checkpoint's header and layout (magic, format, length, header CRC, section frames), without
     * reading the sections' bytes: their CRCs are checked as they are restored.
     */
    static Checkpoint open(final Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final long size = channel.size();
            final ByteBuffer fixed = ByteBuffer.allocate(FIXED_HEADER_BYTES + Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (size < fixed.capacity() || readAt(channel, fixed, 0) < fixed.capacity()) {
                throw new IOException("partial checkpoint: " + size + " bytes");
            }
            if (fixed.getInt(0) != MAGIC) {
                throw new IOException("not a checkpoint (bad magic)");
            }
            if (fixed.getInt(4) != FORMAT) {
                throw new IOException("checkpoint format " + fixed.getInt(4) + ", this version reads " + FORMAT);
            }
            final long length = fixed.getLong(16);
            if (length != size) {
                throw new IOException("partial checkpoint: " + size + " bytes of " + length);
            }
            final long inputIndex = fixed.getLong(8);
            if (inputIndex != indexOf(file) && indexOf(file) >= 0) {
                throw new IOException("checkpoint holds index " + Long.toHexString(inputIndex) + " but is named " + file.getFileName());
            }
            final int modelLength = Short.toUnsignedInt(fixed.getShort(FIXED_HEADER_BYTES));
            final int headerBytes = FIXED_HEADER_BYTES + Short.BYTES + modelLength + Integer.BYTES;
            final ByteBuffer header = ByteBuffer.allocate(headerBytes + Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (headerBytes + Integer.BYTES > size || readAt(channel, header, 0) < header.capacity()) {
                throw new IOException("partial checkpoint: the header runs past the end");
            }
            final CRC32C crc = new CRC32C();
            crc.update(header.array(), 0, headerBytes);
            final int stored = header.getInt(headerBytes);
            if ((int)crc.getValue() != stored) {
                throw new IOException(String.format(Locale.ROOT, "corrupt checkpoint: header CRC32C %08x, stored %08x",
                    (int)crc.getValue(), stored));
            }
            final String model = new String(header.array(), FIXED_HEADER_BYTES + Short.BYTES, modelLength, StandardCharsets.UTF_8);
            final int count = header.getInt(headerBytes - Integer.BYTES);
            if (count < 0) {
                throw new IOException("malformed checkpoint: " + count + " sections");
            }
            final Map<Integer, Section> sections = new LinkedHashMap<>();
            long position = headerBytes + Integer.BYTES;
            final ByteBuffer frame = ByteBuffer.allocate(SECTION_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            final ByteBuffer crcBytes = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                if (size - position < SECTION_FRAME_BYTES || readAt(channel, frame.clear(), position) < SECTION_HEADER_BYTES) {
                    throw new IOException("malformed checkpoint: section " + i + " runs past the end");
                }
                final int id = frame.getInt(0);
                final int version = frame.getInt(4);
                final long sectionLength = frame.getLong(8);
                final long bytesAt = position + SECTION_HEADER_BYTES;
                if (sectionLength < 0 || sectionLength > size - bytesAt - Integer.BYTES) {
                    throw new IOException("malformed checkpoint: section " + id + " runs past the end");
                }
                readAt(channel, crcBytes.clear(), bytesAt + sectionLength);
                if (sections.put(id, new Section(file, id, version, bytesAt, sectionLength, crcBytes.getInt(0))) != null) {
                    throw new IOException("malformed checkpoint: section " + id + " twice");
                }
                position = bytesAt + sectionLength + Integer.BYTES;
            }
            if (position != size) {
                throw new IOException("malformed checkpoint: " + (size - position) + " bytes after the last section");
            }
            return new Checkpoint(file, inputIndex, model, sections);
        } catch (final NoSuchFileException ex) {
            throw new IOException("checkpoint " + file + " vanished", ex);
        }
    }

    private static int readAt(final FileChannel channel, final ByteBuffer into, final long position) throws IOException {
        int total = 0;
        while (into.hasRemaining()) {
            final int n = channel.read(into, position + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
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
                final Checkpoint checkpoint = open(file);
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
