package io.vigil.engine.counters;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The layout of a counters file, and its mapping. The file is a header of {@link #HEADER_LENGTH} bytes, then the
 * counters metadata buffer, then the counters values buffer, both in Agrona's {@link CountersReader} format:
 *
 * <pre>
 *   0  int   magic            {@link #MAGIC}, written last (release store): a reader that sees it sees the rest
 *   4  int   layout version   {@link #LAYOUT_VERSION}
 *   8  long  pid              process that created the file
 *  16  long  start time       epoch milliseconds when it was created
 *  24  int   metadata length  bytes; {@link CountersReader#METADATA_LENGTH} per counter
 *  28  int   values length    bytes; {@link CountersReader#COUNTER_LENGTH} per counter
 *  32  ...   reserved (zero) up to {@link #HEADER_LENGTH}
 * </pre>
 *
 * All fields are little-endian (the platform order of every machine Vigil runs on, as Agrona's buffers assume).
 *
 * <p>A writer never truncates or rewrites a file in place: {@link #create} deletes the stale file and writes a new
 * one, so a reader that still maps the old file keeps reading valid (if frozen) memory instead of faulting.
 *
 * <p>Not thread-safe to create or close; the buffers it hands out are read and written as Agrona's counters are.
 * Allocates at create/open only.
 */
public final class CountersFile implements AutoCloseable {
    /** "VGLC" read as a little-endian int. */
    public static final int MAGIC = 0x434C4756;
    /** Bumped whenever the header or the buffers change incompatibly. */
    public static final int LAYOUT_VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int LAYOUT_VERSION_OFFSET = 4;
    public static final int PID_OFFSET = 8;
    public static final int START_TIME_MS_OFFSET = 16;
    public static final int METADATA_LENGTH_OFFSET = 24;
    public static final int VALUES_LENGTH_OFFSET = 28;
    /** Header length: two 64-byte cache lines, so that the buffers after it start cache-line aligned. */
    public static final int HEADER_LENGTH = 128;

    private final Path path;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer header;
    private final UnsafeBuffer metadata;
    private final UnsafeBuffer values;

    private CountersFile(final Path path, final MappedByteBuffer mapped, final int metadataLength, final int valuesLength) {
        this.path = path;
        this.mapped = mapped;
        this.header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        this.metadata = new UnsafeBuffer(mapped, HEADER_LENGTH, metadataLength);
        this.values = new UnsafeBuffer(mapped, HEADER_LENGTH + metadataLength, valuesLength);
    }

    /** Total file length for room for {@code maxCounters} counters. */
    public static long fileLength(final int maxCounters) {
        return HEADER_LENGTH + (long)maxCounters * (CountersReader.METADATA_LENGTH + CountersReader.COUNTER_LENGTH);
    }

    /**
     * Creates a new counters file at {@code path} with room for {@code maxCounters}, replacing any file there, and
     * maps it read-write. The magic is not written yet: call {@link #publish()} once the counters are allocated.
     */
    public static CountersFile create(final Path path, final int maxCounters, final long pid, final long startTimeMs) {
        if (maxCounters <= 0) {
            throw new IllegalArgumentException("maxCounters must be positive: " + maxCounters);
        }
        final int metadataLength = maxCounters * CountersReader.METADATA_LENGTH;
        final int valuesLength = maxCounters * CountersReader.COUNTER_LENGTH;
        try {
            Files.deleteIfExists(path);
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot replace the counters file " + path, ex);
        }
        final MappedByteBuffer mapped = mapNew(path, fileLength(maxCounters));
        final CountersFile file = new CountersFile(path, mapped, metadataLength, valuesLength);
        file.header.putInt(LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        file.header.putLong(PID_OFFSET, pid);
        file.header.putLong(START_TIME_MS_OFFSET, startTimeMs);
        file.header.putInt(METADATA_LENGTH_OFFSET, metadataLength);
        file.header.putInt(VALUES_LENGTH_OFFSET, valuesLength);
        return file;
    }

    /**
     * Writes the whole file with zeros through the channel, then maps it: a full or failing disk fails here with an
     * exception, never later with a SIGBUS when the mapping touches a page the file system cannot back (a file that
     * {@code map} merely extends is sparse).
     */
    private static MappedByteBuffer mapNew(final Path path, final long length) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
            final ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
            long position = 0;
            while (position < length) {
                zeros.clear().limit((int)Math.min(zeros.capacity(), length - position));
                position += channel.write(zeros, position);
            }
            return channel.map(FileChannel.MapMode.READ_WRITE, 0, length);
        } catch (final IOException ex) {
            try {
                Files.deleteIfExists(path);
            } catch (final IOException suppressed) {
                ex.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("cannot create the counters file " + path + ": " + ex.getMessage(), ex);
        }
    }

    /** Writes the magic: from now on readers accept the file. */
    public void publish() {
        header.putIntRelease(MAGIC_OFFSET, MAGIC);
    }

    /**
     * Maps an existing counters file read-only, after checking that it is one.
     *
     * @throws CountersFileException when the file is absent, too short, not a Vigil counters file, of another layout
     *                               version, or not published yet; the message says which, in one line.
     */
    public static CountersFile openReadOnly(final Path path) {
        final long length;
        try {
            length = Files.size(path);
        } catch (final NoSuchFileException ex) {
            throw new CountersFileException(CountersFileException.Problem.ABSENT, "no counters file at " + path);
        } catch (final IOException ex) {
            throw new CountersFileException(CountersFileException.Problem.UNREADABLE,
                "cannot read the counters file " + path + ": " + ex);
        }
        if (length < HEADER_LENGTH) {
            throw new CountersFileException(CountersFileException.Problem.NOT_COUNTERS,
                path + " is not a Vigil counters file (" + length + " bytes, shorter than the header)");
        }
        final MappedByteBuffer mapped;
        try {
            mapped = IoUtil.mapExistingFile(path.toFile(), FileChannel.MapMode.READ_ONLY, "counters");
        } catch (final RuntimeException ex) {
            throw new CountersFileException(CountersFileException.Problem.UNREADABLE,
                "cannot map the counters file " + path + ": " + ex.getMessage());
        }
        final UnsafeBuffer header = new UnsafeBuffer(mapped, 0, HEADER_LENGTH);
        final int magic = header.getIntVolatile(MAGIC_OFFSET);
        final int version = header.getInt(LAYOUT_VERSION_OFFSET);
        final int metadataLength = header.getInt(METADATA_LENGTH_OFFSET);
        final int valuesLength = header.getInt(VALUES_LENGTH_OFFSET);
        String problem = null;
        CountersFileException.Problem kind = CountersFileException.Problem.NOT_COUNTERS;
        if (magic == 0 && version == LAYOUT_VERSION) {
            kind = CountersFileException.Problem.NOT_READY;
            problem = path + " is being created (its server is starting); try again";
        } else if (magic != MAGIC) {
            problem = path + " is not a Vigil counters file (magic 0x" + Integer.toHexString(magic) + ")";
        } else if (version != LAYOUT_VERSION) {
            kind = CountersFileException.Problem.VERSION;
            problem = path + " has counters layout version " + version + "; this vigil reads version " + LAYOUT_VERSION;
        } else if (metadataLength <= 0 || valuesLength <= 0 ||
            metadataLength % CountersReader.METADATA_LENGTH != 0 || valuesLength % CountersReader.COUNTER_LENGTH != 0 ||
            metadataLength / CountersReader.METADATA_LENGTH != valuesLength / CountersReader.COUNTER_LENGTH ||
            HEADER_LENGTH + (long)metadataLength + valuesLength > length) {
            problem = path + " is not a Vigil counters file (buffer lengths " + metadataLength + " and " + valuesLength +
                " do not fit its " + length + " bytes)";
        }
        if (problem != null) {
            IoUtil.unmap(mapped);
            throw new CountersFileException(kind, problem);
        }
        return new CountersFile(path, mapped, metadataLength, valuesLength);
    }

    public Path path() {
        return path;
    }

    /** Process id of the creator. */
    public long pid() {
        return header.getLong(PID_OFFSET);
    }

    /** Epoch milliseconds when the creator started. */
    public long startTimeMs() {
        return header.getLong(START_TIME_MS_OFFSET);
    }

    /** The counters metadata buffer (Agrona layout). */
    public UnsafeBuffer metadata() {
        return metadata;
    }

    /** The counters values buffer (Agrona layout). */
    public UnsafeBuffer values() {
        return values;
    }

    /**
     * Unmaps the file. Only for readers: a writer's mapping is left to the garbage collector, so that a thread still
     * writing a counter after shutdown never touches unmapped memory.
     */
    @Override
    public void close() {
        IoUtil.unmap(mapped);
    }
}
