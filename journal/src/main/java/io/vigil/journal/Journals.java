package io.vigil.journal;

import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journals of one data directory: {@code input/}, {@code output/} and {@code dlq/}, and the side journals of
 * event time, {@code late/} (events too late to apply) and {@code windows/} (closed event-time windows), which are
 * opened on first use (a data directory written before them has none, and a read-only one gets none).
 *
 * <p>Thread-safe to share: writers and readers are created per thread from it. Opening allocates; nothing else.
 */
public final class Journals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journals.class);
    /** Sub-directory of the input journal. */
    public static final String INPUT = "input";
    /** Sub-directory of the output journal. */
    public static final String OUTPUT = "output";
    /** Sub-directory of the dead-letter journal. */
    public static final String DEAD_LETTERS = "dlq";
    /** Sub-directory of the late side journal: events behind the watermark by more than the allowed lateness. */
    public static final String LATE = "late";
    /** Sub-directory of the window-results journal: one record per key and closed event-time window. */
    public static final String WINDOWS = "windows";
    /** Largest payload a record carries: a frame is bounded well below it. */
    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;

    private final Path dataDir;
    private final SingleChronicleQueue input;
    private final ChronicleQueue output;
    private final ChronicleQueue deadLetters;
    private final RollCycle rollCycle;
    private final boolean readOnly;
    private ChronicleQueue late;
    private ChronicleQueue windows;

    private Journals(final Path dataDir, final RollCycle rollCycle, final boolean readOnly) {
        this.dataDir = dataDir;
        this.rollCycle = rollCycle;
        this.readOnly = readOnly;
        this.input = open(dataDir.resolve(INPUT), rollCycle, readOnly);
        this.output = open(dataDir.resolve(OUTPUT), rollCycle, readOnly);
        this.deadLetters = open(dataDir.resolve(DEAD_LETTERS), rollCycle, readOnly);
    }

    /** Opens (creating if needed) the journals under {@code dataDir}. */
    public static Journals open(final Path dataDir, final RollCycle rollCycle) {
        return new Journals(dataDir, rollCycle, false);
    }

    /**
     * Reopens the journals of {@code dataDir} after a failed append in this process: a failed append can leave a
     * queue's write lock held by this (live) process and an incomplete excerpt at the end, which Chronicle recovers
     * only for a dead process. This releases those locks, so the new appenders overwrite the incomplete excerpt and
     * readers go on. An append cut off after its header leaves a record that fails its checksum instead: such a
     * damaged tail is repaired as {@code vigil run --repair} does ({@link JournalRepair}: the file kept in
     * {@code damaged/}, the journal truncated to its last sound record), since it can only be this process's own
     * failed append (its event was rejected JOURNAL_UNAVAILABLE; an answer whose output record is lost is answered
     * again). Call it only once every writer and reader of the old instance is closed.
     */
    public static Journals reopenAfterFailure(final Path dataDir, final RollCycle rollCycle) {
        for (final String name : new String[] {INPUT, OUTPUT, DEAD_LETTERS}) {
            try (SingleChronicleQueue queue = open(dataDir.resolve(name), rollCycle, false)) {
                forceUnlock(queue);
            }
        }
        try {
            for (final String action : JournalRepair.repair(dataDir, rollCycle, java.time.Instant.now()).actions()) {
                LOG.warn("after the failed append: {}", action);
            }
        } catch (final java.io.IOException ex) {
            throw new IllegalStateException("data directory " + dataDir + ": cannot repair the tail the failed append " +
                "left: " + ex.getMessage(), ex);
        }
        return open(dataDir, rollCycle);
    }

    private static void forceUnlock(final SingleChronicleQueue queue) {
        try {
            // Chronicle keeps the write lock accessor package-private; its UnlockMain tool does the same from outside
            final java.lang.reflect.Method writeLock = SingleChronicleQueue.class.getDeclaredMethod("writeLock");
            writeLock.setAccessible(true);
            final Object lock = writeLock.invoke(queue);
            if (lock instanceof net.openhft.chronicle.queue.impl.single.TableStoreWriteLock &&
                ((net.openhft.chronicle.queue.impl.single.TableStoreWriteLock)lock).locked()) {
                ((net.openhft.chronicle.queue.impl.single.TableStoreWriteLock)lock).forceUnlock();
            }
        } catch (final ReflectiveOperationException ex) {
            throw new IllegalStateException("cannot release the write lock of " + queue.file(), ex);
        }
    }

    /** Opens existing journals for reading only (offline tools). */
    public static Journals openReadOnly(final Path dataDir, final RollCycle rollCycle) {
        return new Journals(dataDir, rollCycle, true);
    }

    /** Parses a roll cycle name such as {@code FAST_DAILY} or {@code FAST_HOURLY}, with a clear error. */
    public static RollCycle rollCycle(final String name) {
        try {
            return RollCycles.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (final IllegalArgumentException ex) {
            throw new IllegalArgumentException("unknown roll cycle '" + name + "', expected one of " +
                java.util.Arrays.toString(RollCycles.values()), ex);
        }
    }

    private static SingleChronicleQueue open(final Path dir, final RollCycle rollCycle, final boolean readOnly) {
        return SingleChronicleQueueBuilder.single(dir.toFile())
            .rollCycle(rollCycle)
            .readOnly(readOnly)
            .build();
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A writer of the input journal for the calling thread. */
    public JournalWriter inputWriter() {
        return new JournalWriter(input, MAX_PAYLOAD_BYTES);
    }

    /** A writer of the output journal for the calling thread. */
    public JournalWriter outputWriter() {
        return new JournalWriter(output, MAX_PAYLOAD_BYTES);
    }

    /** A writer of the dead-letter journal for the calling thread. */
    public JournalWriter deadLetterWriter() {
        return new JournalWriter(deadLetters, MAX_PAYLOAD_BYTES);
    }

    /** A writer of the late side journal for the calling thread (opens the journal on first use). */
    public JournalWriter lateWriter() {
        return new JournalWriter(late(), MAX_PAYLOAD_BYTES);
    }

    /** A writer of the window-results journal for the calling thread (opens the journal on first use). */
    public JournalWriter windowsWriter() {
        return new JournalWriter(windows(), MAX_PAYLOAD_BYTES);
    }

    /**
     * A reader of the late side journal, positioned at its start; null when the data directory has none (read-only,
     * or written before it existed).
     */
    public JournalReader lateReader() {
        final ChronicleQueue queue = sideJournal(LATE);
        return queue == null ? null : new JournalReader(queue, dataDir.resolve(LATE).toString());
    }

    /** A reader of the window-results journal, positioned at its start; null when the data directory has none. */
    public JournalReader windowsReader() {
        final ChronicleQueue queue = sideJournal(WINDOWS);
        return queue == null ? null : new JournalReader(queue, dataDir.resolve(WINDOWS).toString());
    }

    private synchronized ChronicleQueue late() {
        if (late == null) {
            late = openSide(LATE);
        }
        return late;
    }

    private synchronized ChronicleQueue windows() {
        if (windows == null) {
            windows = openSide(WINDOWS);
        }
        return windows;
    }

    private ChronicleQueue openSide(final String name) {
        if (readOnly) {
            throw new IllegalStateException("journals of " + dataDir + " are open read-only: cannot write " + name + "/");
        }
        return open(dataDir.resolve(name), rollCycle, false);
    }

    private synchronized ChronicleQueue sideJournal(final String name) {
        if (LATE.equals(name) ? late != null : windows != null) {
            return LATE.equals(name) ? late : windows;
        }
        if (!java.nio.file.Files.isDirectory(dataDir.resolve(name))) {
            return null;
        }
        final ChronicleQueue queue = open(dataDir.resolve(name), rollCycle, readOnly);
        if (LATE.equals(name)) {
            late = queue;
        } else {
            windows = queue;
        }
        return queue;
    }

    /** Index of the last record of a side journal ({@link #LATE} or {@link #WINDOWS}), -1 if empty or absent. */
    public long lastSideIndex(final String name) {
        final ChronicleQueue queue = sideJournal(name);
        return queue == null ? -1 : lastIndex(queue);
    }

    /** A reader of the input journal, positioned at its start. */
    public JournalReader inputReader() {
        return new JournalReader(input, dataDir.resolve(INPUT).toString());
    }

    /** A reader of the output journal, positioned at its start. */
    public JournalReader outputReader() {
        return new JournalReader(output, dataDir.resolve(OUTPUT).toString());
    }

    /** Binary search over the input journal by a non-decreasing header field (ingest time). */
    public JournalSearch inputSearch() {
        return new JournalSearch(input, dataDir.resolve(INPUT).toString());
    }

    /** Binary search over the output journal by a non-decreasing header field (the answered input index). */
    public JournalSearch outputSearch() {
        return new JournalSearch(output, dataDir.resolve(OUTPUT).toString());
    }

    /** A reader of the dead-letter journal, positioned at its start. */
    public JournalReader deadLetterReader() {
        return new JournalReader(deadLetters, dataDir.resolve(DEAD_LETTERS).toString());
    }

    /** Index of the last input record, or -1 if the journal is empty. */
    public long lastInputIndex() {
        return lastIndex(input);
    }

    /** Index of the last output record, or -1 if the journal is empty. */
    public long lastOutputIndex() {
        return lastIndex(output);
    }

    /**
     * Input excerpts after {@code fromIndex} up to and including {@code toIndex}: how far a consumer that completed
     * {@code fromIndex} (-1: nothing yet) is behind a writer that appended {@code toIndex}. Arithmetic within one
     * roll cycle; across cycles it asks Chronicle to count, which reads index files (rare: once per roll).
     */
    public long inputExcerptsBetween(final long fromIndex, final long toIndex) {
        if (toIndex < 0) {
            return 0;
        }
        final RollCycle rollCycle = input.rollCycle();
        if (fromIndex >= 0 && rollCycle.toCycle(fromIndex) == rollCycle.toCycle(toIndex)) {
            return Math.max(0, rollCycle.toSequenceNumber(toIndex) - rollCycle.toSequenceNumber(fromIndex));
        }
        final long first = fromIndex >= 0 ? fromIndex : input.firstIndex();
        return Math.max(0, input.countExcerpts(first, toIndex) + (fromIndex >= 0 ? 0 : 1));
    }

    private static long lastIndex(final ChronicleQueue queue) {
        final long last = queue.lastIndex();
        return last == Long.MIN_VALUE ? -1 : last;
    }

    @Override
    public synchronized void close() {
        if (windows != null) {
            windows.close();
        }
        if (late != null) {
            late.close();
        }
        deadLetters.close();
        output.close();
        input.close();
    }
}
