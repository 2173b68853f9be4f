package io.vigil.journal;

import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Finds the last sound record of a journal without trusting Chronicle Queue with a damaged file.
 *
 * <p>Why not simply read it with a tailer: Chronicle maps its cycle files into memory, so a cycle file cut short (a
 * truncation after a power loss or a full disk) faults when a read touches the missing pages, which the JVM reports
 * as {@code InternalError: a fault occurred in a recent unsafe memory access operation} (from {@code lastIndex()},
 * index lookups or reads); a tailer also stops silently before a record whose end was cut off, so a truncated tail
 * looks like a shorter, healthy journal. This check therefore reads each {@code .cq4} file with plain
 * {@link FileChannel} reads and walks Chronicle's document framing itself: a 4-byte little-endian header per document
 * (length in the low 30 bits, bit 30 metadata, bit 31 incomplete), documents aligned to 4 bytes, a zero header where
 * the written data ends, {@code 0xC0000000} at the end of a rolled cycle. Each data document is one Vigil record and
 * is checked like {@link JournalReader} does ({@link RecordHeader#check}: layout and CRC32C; no version 0 record after
 * a version 1 record). The record's index is the cycle (from the file name) and the count of data documents before it.
 *
 * <p>It is damage when a file ends before its data does (no end header: cut off), a document reaches past the end of
 * the file, a record fails its check, a metadata document is not one of Chronicle's own (a record whose metadata bit
 * flipped), or the file holds fewer records than Chronicle's own header of the cycle counts (records zeroed or hidden
 * behind an incomplete header), or an incomplete data header holds a length (Chronicle writes the length only as a
 * data document completes, so it is a whole record whose top header bit flipped); the last comparison opens the queue
 * read-only, only once the files are known to be whole. An incomplete document of length 0 (or a zero header) at the very end of the
 * data, with nothing counted after it, is an append interrupted by a crash: it was never acknowledged, Chronicle's
 * next writer recovers it, and it is not damage.
 *
 * <p>Thread-safe (stateless); allocates (control plane: start-up, offline tools, repair).
 */
public final class JournalCheck {
    private static final int NOT_COMPLETE = 0x80000000;
    private static final int META_DATA = 0x40000000;
    private static final int LENGTH_MASK = 0x3FFFFFFF;
    private static final int END_OF_DATA = 0xC0000000;
    /** First byte of a Chronicle binary-wire field name, how each of its own metadata documents starts. */
    private static final int WIRE_FIELD_NAME = 0xB9;
    private static final String SUFFIX = ".cq4";

    private JournalCheck() {
    }

    /** What a check found in one journal. Immutable. */
    public static final class Report {
        private final String name;
        private final Path dir;
        private final long records;
        private final long lastIndex;
        private final long firstBadIndex;
        private final String reason;
        private final Path damagedFile;
        private final int damagedCycle;
        private final long soundInDamagedCycle;
        private final List<Path> laterFiles;

        Report(final String name, final Path dir, final long records, final long lastIndex, final long firstBadIndex,
            final String reason, final Path damagedFile, final int damagedCycle, final long soundInDamagedCycle,
            final List<Path> laterFiles) {
            this.name = name;
            this.dir = dir;
            this.records = records;
            this.lastIndex = lastIndex;
            this.firstBadIndex = firstBadIndex;
            this.reason = reason;
            this.damagedFile = damagedFile;
            this.damagedCycle = damagedCycle;
            this.soundInDamagedCycle = soundInDamagedCycle;
            this.laterFiles = laterFiles;
        }

        /** The journal's name: input, output or dlq. */
        public String name() {
            return name;
        }

        /** The journal's directory. */
        public Path dir() {
            return dir;
        }

        /** True when the journal holds a record that is not sound (or lost records), see {@link #firstBadIndex()}. */
        public boolean damaged() {
            return firstBadIndex != RecordHeader.NO_INDEX;
        }

        /** Sound records before the first bad one (all records when sound). */
        public long records() {
            return records;
        }

        /** Index of the last sound record before any damage, or -1 when there is none. */
        public long lastSoundIndex() {
            return lastIndex;
        }

        /** Index of the first record that is not sound (or the index where records are missing); -1 when sound. */
        public long firstBadIndex() {
            return firstBadIndex;
        }

        /** What is wrong at {@link #firstBadIndex()}; null when sound. */
        public String reason() {
            return reason;
        }

        /** The cycle file holding the first bad record; null when sound. */
        public Path damagedFile() {
            return damagedFile;
        }

        int damagedCycle() {
            return damagedCycle;
        }

        long soundInDamagedCycle() {
            return soundInDamagedCycle;
        }

        /** Cycle files after the damaged one (their records come after the damage); empty when sound. */
        public List<Path> laterFiles() {
            return laterFiles;
        }

        /** One line: the journal, the first bad index and the cause, or that it is sound. */
        public String describe() {
            if (!damaged()) {
                return name + " journal " + dir + ": sound, " + records + " records";
            }
            return name + " journal " + dir + " is damaged at index " + firstBadIndex + " (0x" +
                Long.toHexString(firstBadIndex) + "): " + reason + " (file " + damagedFile.getFileName() + "; " +
                records + " sound records before it)";
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** One cycle file's scan. */
    private static final class FileScan {
        long count;
        long lastIndex = RecordHeader.NO_INDEX;
        long badIndex = RecordHeader.NO_INDEX;
        String reason;
        boolean sawVersioned;
    }

    /**
     * Checks the journal in {@code dir} (a journal that does not exist, or has no cycle file, is sound and empty).
     *
     * @param name the journal's name for messages (input, output, dlq).
     */
    public static Report check(final String name, final Path dir, final RollCycle rollCycle) throws IOException {
        final List<Path> files = cycleFiles(dir);
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[RecordHeader.LENGTH + Journals.MAX_PAYLOAD_BYTES]);
        final CRC32C crc = new CRC32C();
        final int[] cycles = new int[files.size()];
        final long[] counts = new long[files.size()];
        long records = 0;
        long last = RecordHeader.NO_INDEX;
        boolean versioned = false;
        for (int i = 0; i < files.size(); i++) {
            final Path file = files.get(i);
            final int cycle = cycleOf(file, rollCycle);
            cycles[i] = cycle;
            final FileScan scan = scan(file, cycle, rollCycle, versioned, scratch, crc);
            versioned |= scan.sawVersioned;
            if (scan.badIndex != RecordHeader.NO_INDEX) {
                return damaged(name, dir, records + scan.count, scan.count > 0 ? scan.lastIndex : last, scan.badIndex,
                    scan.reason, file, cycle, scan.count, files.subList(i + 1, files.size()));
            }
            counts[i] = scan.count;
            records += scan.count;
            if (scan.count > 0) {
                last = scan.lastIndex;
            }
        }
        if (files.isEmpty()) {
            return new Report(name, dir, 0, RecordHeader.NO_INDEX, RecordHeader.NO_INDEX, null, null, 0, 0, List.of());
        }
        // the files are whole: Chronicle can open them safely now and say how many records each cycle should hold
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(dir.toFile()).rollCycle(rollCycle)
                 .readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            long before = 0;
            for (int i = 0; i < files.size(); i++) {
                final long expected = tailer.excerptsInCycle(cycles[i]);
                if (expected > counts[i]) {
                    // a live writer may have appended since the scan: look again before calling it damage
                    final FileScan again = scan(files.get(i), cycles[i], rollCycle, versioned, scratch, crc);
                    if (again.badIndex == RecordHeader.NO_INDEX && again.count >= expected) {
                        records += again.count - counts[i];
                        counts[i] = again.count;
                        if (again.count > 0 && i == files.size() - 1) {
                            last = again.lastIndex;
                        }
                        before += again.count;
                        continue;
                    }
                    final long bad = again.badIndex != RecordHeader.NO_INDEX ? again.badIndex :
                        rollCycle.toIndex(cycles[i], again.count);
                    final String why = again.reason != null ? again.reason : "Chronicle's index of the cycle counts " +
                        expected + " records, only " + again.count + " can be read (zeroed, or behind an " +
                        "incomplete record)";
                    return damaged(name, dir, before + again.count,
                        again.count > 0 ? again.lastIndex : lastBefore(cycles, counts, i, rollCycle), bad, why,
                        files.get(i), cycles[i], again.count, files.subList(i + 1, files.size()));
                }
                before += counts[i];
            }
        } catch (final RuntimeException | InternalError ex) {
            return damaged(name, dir, 0, RecordHeader.NO_INDEX, rollCycle.toIndex(cycles[0], 0),
                "Chronicle cannot open the journal (" + ex + ")", files.get(0), cycles[0], 0,
                files.subList(1, files.size()));
        }
        return new Report(name, dir, records, last, RecordHeader.NO_INDEX, null, null, 0, 0, List.of());
    }

    private static long lastBefore(final int[] cycles, final long[] counts, final int upTo, final RollCycle rollCycle) {
        for (int i = upTo - 1; i >= 0; i--) {
            if (counts[i] > 0) {
                return rollCycle.toIndex(cycles[i], counts[i] - 1);
            }
        }
        return RecordHeader.NO_INDEX;
    }

    private static Report damaged(final String name, final Path dir, final long records, final long last,
        final long bad, final String reason, final Path file, final int cycle, final long soundInCycle,
        final List<Path> later) {
        return new Report(name, dir, records, last, bad, reason, file, cycle, soundInCycle, List.copyOf(later));
    }

    /** The journal's cycle files, oldest first. */
    static List<Path> cycleFiles(final Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> list = Files.list(dir)) {
            final List<Path> files = new ArrayList<>();
            list.filter(p -> p.getFileName().toString().endsWith(SUFFIX) && Files.isRegularFile(p)).forEach(files::add);
            // cycle names are fixed-width dates: name order is cycle order
            files.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
            return files;
        }
    }

    /** The cycle number of a cycle file, from its name (the roll cycle's date format, UTC, epoch 0). */
    static int cycleOf(final Path file, final RollCycle rollCycle) {
        final String name = file.getFileName().toString();
        final String stem = name.substring(0, name.length() - SUFFIX.length());
        final DateTimeFormatter format = new DateTimeFormatterBuilder()
            .appendPattern(rollCycle.format())
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
            .parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
            .parseDefaulting(ChronoField.SECOND_OF_MINUTE, 0)
            .toFormatter()
            .withZone(ZoneOffset.UTC);
        final TemporalAccessor parsed = format.parse(stem);
        final long epochMs = parsed.isSupported(ChronoField.HOUR_OF_DAY) ?
            LocalDateTime.from(parsed).toInstant(ZoneOffset.UTC).toEpochMilli() :
            LocalDate.from(parsed).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        return (int)(epochMs / rollCycle.lengthInMillis());
    }

    /**
     * Visits the data documents of one cycle file, in order: the framing walk shared by the check and the repair.
     */
    interface DocumentVisitor {
        /** @return false to stop. */
        boolean onData(long position, int length, UnsafeBuffer content) throws IOException;
    }

    private static FileScan scan(final Path file, final int cycle, final RollCycle rollCycle, final boolean versioned,
        final UnsafeBuffer scratch, final CRC32C crc) throws IOException {
        final FileScan scan = new FileScan();
        scan.sawVersioned = versioned;
        walk(file, cycle, rollCycle, scratch, scan, (position, length, content) -> {
            final long index = rollCycle.toIndex(cycle, scan.count);
            final int check = RecordHeader.check(content, length, index, crc);
            if (check < 0) {
                return bad(scan, index, RecordHeader.describe(check));
            }
            if (check == RecordHeader.SOUND_V0 && scan.sawVersioned) {
                return bad(scan, index, "a version 0 record after version 1 records");
            }
            scan.sawVersioned |= check == RecordHeader.SOUND_V1;
            scan.lastIndex = index;
            scan.count++;
            return true;
        });
        return scan;
    }

    private static boolean bad(final FileScan scan, final long index, final String reason) {
        scan.badIndex = index;
        scan.reason = reason;
        return false;
    }

    /**
     * Walks the framing of {@code file}; data documents go to {@code visitor}; framing damage is recorded in
     * {@code scan} (whose count is the number of data documents accepted so far).
     */
    static void walk(final Path file, final int cycle, final RollCycle rollCycle, final UnsafeBuffer scratch,
        final FileScan scan, final DocumentVisitor visitor) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            final long size = channel.size();
            final Window window = new Window(channel, size);
            long position = 0;
            while (true) {
                final long index = rollCycle.toIndex(cycle, scan.count);
                if (position + 4 > size) {
                    bad(scan, index, "the cycle file ends at byte " + size + " before its data does (cut off)");
                    return;
                }
                final int word = window.intAt(position);
                if (word == 0 || word == END_OF_DATA) {
                    return;
                }
                final int length = word & LENGTH_MASK;
                if (position + 4 + length > size) {
                    bad(scan, index, "a record of " + length + " bytes at byte " + position + " reaches past the end " +
                        "of the cycle file (" + size + " bytes: cut off)");
                    return;
                }
                if ((word & NOT_COMPLETE) != 0) {
                    if (length != 0 && (word & META_DATA) == 0) {
                        // Chronicle writes a data document's length only as it completes it (JournalDamageTest
                        // reads the header of a document being written): a length here is a whole record whose
                        // top bit flipped (Chronicle's own metadata, its index, is left to the rule below)
                        bad(scan, index, "a document at byte " + position + " is marked incomplete but holds its " +
                            "length, " + length + " bytes (a record whose header was damaged)");
                        return;
                    }
                    // an append interrupted by a crash; the count comparison tells whether records follow it
                    return;
                }
                if ((word & META_DATA) != 0) {
                    if (!chronicleMetadata(window, position + 4, length, scratch)) {
                        bad(scan, index, "a document at byte " + position + " is marked as metadata but is not " +
                            "Chronicle's (a record whose header was damaged)");
                        return;
                    }
                } else {
                    if (length > scratch.capacity()) {
                        bad(scan, index, "a record of " + length + " bytes is longer than any record");
                        return;
                    }
                    window.copy(position + 4, scratch.byteArray(), length);
                    if (!visitor.onData(position, length, scratch)) {
                        return;
                    }
                }
                position = (position + 4 + length + 3) & ~3L;
            }
        }
    }

    private static boolean chronicleMetadata(final Window window, final long position, final int length,
        final UnsafeBuffer scratch) throws IOException {
        final int peek = Math.min(length, RecordHeader.LENGTH);
        window.copy(position, scratch.byteArray(), peek);
        if (peek == 0 || (scratch.getByte(0) & 0xFF) != WIRE_FIELD_NAME) {
            return false;
        }
        // a version 1 record with its metadata bit flipped: right length and version byte
        return !(length >= RecordHeader.LENGTH &&
            length == RecordHeader.LENGTH + scratch.getInt(RecordHeader.PAYLOAD_LENGTH_OFFSET, ByteOrder.LITTLE_ENDIAN) &&
            scratch.getByte(RecordHeader.VERSION_OFFSET) == RecordHeader.VERSION);
    }

    /** Reads a file through a 1 MiB buffer: a record costs no system call of its own. */
    private static final class Window {
        private static final int SIZE = 1 << 20;
        private final FileChannel channel;
        private final long fileSize;
        private final ByteBuffer buffer = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        private long start;
        private int limit;

        Window(final FileChannel channel, final long fileSize) {
            this.channel = channel;
            this.fileSize = fileSize;
        }

        private int at(final long position, final int length) throws IOException {
            if (position < start || position + length > start + limit) {
                start = position;
                buffer.clear();
                buffer.limit((int)Math.min(SIZE, fileSize - position));
                readFully(channel, buffer, position);
                limit = buffer.limit();
            }
            return (int)(position - start);
        }

        int intAt(final long position) throws IOException {
            return buffer.getInt(at(position, 4));
        }

        void copy(final long position, final byte[] into, final int length) throws IOException {
            long from = position;
            int done = 0;
            while (done < length) {
                final int chunk = Math.min(length - done, SIZE);
                buffer.get(at(from, chunk), into, done, chunk);
                done += chunk;
                from += chunk;
            }
        }
    }

    private static void readFully(final FileChannel channel, final ByteBuffer into, final long position)
        throws IOException {
        long at = position;
        while (into.hasRemaining()) {
            final int n = channel.read(into, at);
            if (n < 0) {
                throw new IOException("unexpected end of " + channel);
            }
            at += n;
        }
    }

    /** Sound records of one cycle file, in order, up to {@code limit}: for the repair. */
    static void soundRecords(final Path file, final int cycle, final RollCycle rollCycle, final long limit,
        final DocumentVisitor visitor) throws IOException {
        final UnsafeBuffer scratch = new UnsafeBuffer(new byte[RecordHeader.LENGTH + Journals.MAX_PAYLOAD_BYTES]);
        final FileScan scan = new FileScan();
        walk(file, cycle, rollCycle, scratch, scan, (position, length, content) -> {
            if (scan.count >= limit) {
                return false;
            }
            scan.count++;
            return visitor.onData(position, length, content);
        });
    }
}
