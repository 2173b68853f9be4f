package io.vigil.journal;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The one writer's hold on a data directory: checked before anything is written, then locked for the life of the
 * process.
 *
 * <p>{@link #acquire} checks, in order, that the directory exists or can be created, is a directory, is writable and
 * has at least the configured free space, then takes an exclusive lock on {@code vigil.lock} inside it
 * ({@link FileChannel#tryLock}: the operating system releases it when the process dies, so a crash never leaves a
 * stale lock behind) and writes the holder's pid, host and start time into that file. A second writer, in this
 * process or another, is refused with a one-line {@link DataDirectoryException} naming the holder. Read-only tools
 * (verify, export, dlq list, stat) never take the lock and work beside a running server; {@link #holder} tells them
 * who writes.
 *
 * <p>Thread-safe; allocates (control plane only).
 */
public final class DataDirectory implements AutoCloseable {
    /** Name of the lock file inside the data directory. */
    public static final String LOCK_FILE = "vigil.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirectory(final Path dir, final FileChannel channel, final FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** A data directory that cannot be used: the message is one line, naming the directory and the cause. */
    public static final class DataDirectoryException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public DataDirectoryException(final String message) {
            super(message);
        }

        public DataDirectoryException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Checks {@code dir} and takes its write lock.
     *
     * @param minFreeBytes the least usable space the file system must have left; 0 for no check.
     * @throws DataDirectoryException when a check fails or another writer holds the lock.
     */
    public static DataDirectory acquire(final Path dir, final long minFreeBytes) {
        final Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(absolute)) {
            throw new DataDirectoryException("data directory " + absolute + " is not a directory");
        }
        try {
            Files.createDirectories(absolute);
        } catch (final IOException ex) {
            throw new DataDirectoryException("data directory " + absolute + " cannot be created: " + cause(ex), ex);
        }
        final Path probe = absolute.resolve(".vigil-write-probe");
        try {
            Files.write(probe, new byte[] {1});
            Files.delete(probe);
        } catch (final IOException ex) {
            throw new DataDirectoryException("data directory " + absolute + " is not writable: " + cause(ex), ex);
        }
        if (minFreeBytes > 0) {
            final long usable;
            try {
                usable = Files.getFileStore(absolute).getUsableSpace();
            } catch (final IOException ex) {
                throw new DataDirectoryException("data directory " + absolute + ": cannot read the free space: " +
                    cause(ex), ex);
            }
            if (usable < minFreeBytes) {
                throw new DataDirectoryException("data directory " + absolute + " has " + mib(usable) +
                    " free, less than the " + mib(minFreeBytes) + " required (vigil.data.free.min)");
            }
        }
        return lock(absolute);
    }

    private static DataDirectory lock(final Path dir) {
        final Path file = dir.resolve(LOCK_FILE);
        final FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (final IOException ex) {
            throw new DataDirectoryException("data directory " + dir + ": cannot open " + file + ": " + cause(ex), ex);
        }
        FileLock lock = null;
        try {
            lock = channel.tryLock();
        } catch (final OverlappingFileLockException ex) {
            lock = null; // held by this very process
        } catch (final IOException ex) {
            closeQuietly(channel);
            throw new DataDirectoryException("data directory " + dir + ": cannot lock " + file + ": " + cause(ex), ex);
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new DataDirectoryException("data directory " + dir + " is in use by " + holder(dir) +
                "; stop that process or use another data directory");
        }
        try {
            final byte[] owner = describe().getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(owner), 0);
            channel.force(true);
        } catch (final IOException ex) {
            closeQuietly(channel);
            throw new DataDirectoryException("data directory " + dir + ": cannot write " + file + ": " + cause(ex), ex);
        }
        return new DataDirectory(dir, channel, lock);
    }

    /**
     * Who holds (or last held) the write lock of {@code dir}, as its lock file says: {@code pid 1234 on host h
     * (since 2026-12-01T08:00:00Z)}; "an unknown process" when the file is empty or unreadable.
     */
    public static String holder(final Path dir) {
        try {
            final String text = Files.readString(dir.resolve(LOCK_FILE), StandardCharsets.UTF_8).trim();
            return text.isEmpty() ? "an unknown process" : text;
        } catch (final NoSuchFileException ex) {
            return "no process";
        } catch (final IOException ex) {
            return "an unknown process";
        }
    }

    private static String describe() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (final IOException ex) {
            host = "unknown";
        }
        return "pid " + ProcessHandle.current().pid() + " on host " + host + " (since " + Instant.now() + ")";
    }

    private static String cause(final IOException ex) {
        if (ex instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (ex instanceof FileSystemException && ((FileSystemException)ex).getReason() != null) {
            return ((FileSystemException)ex).getReason();
        }
        return ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
    }

    private static String mib(final long bytes) {
        return (bytes >> 20) + " MiB";
    }

    private static void closeQuietly(final FileChannel channel) {
        try {
            channel.close();
        } catch (final IOException ignored) {
            // nothing to add to the error being reported
        }
    }

    /** The data directory, absolute. */
    public Path path() {
        return dir;
    }

    /** Releases the lock; the lock file stays, naming its last holder. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
            channel.close();
        } catch (final IOException ignored) {
            // the lock goes with the channel in any case
        }
    }
}
