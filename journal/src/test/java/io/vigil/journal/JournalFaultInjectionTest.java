package io.vigil.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded fault injection over all three journals: each case copies a small recorded data directory, truncates one
 * journal's cycle file at a random offset or flips one random bit of one of its records (Chronicle's document header
 * included), and checks the promises: the check names exactly the first damaged record; no reader ever hands out a
 * record that differs from what was written (no phantom event); the repair keeps the damaged file aside and leaves
 * sound journals holding exactly the records before the damage; every answered (client, sequence) stays at or below
 * the client's sequence mark rebuilt from the input journal (never accepted again as new), and new input indices come
 * after every recorded answer. The seed is printed; rerun one with {@code -Dvigil.fault.seed=N}.
 */
@Timeout(120)
class JournalFaultInjectionTest {
    private static final RollCycle CYCLE = RollCycles.FAST_HOURLY;
    private static final String[] NAMES = {Journals.INPUT, Journals.OUTPUT, Journals.DEAD_LETTERS};
    private static final int EVENTS = 40;
    private static final int ANSWERED = 32;
    private static final int DEAD_LETTERS = 12;
    private static final int CASES_PER_JOURNAL_AND_KIND = 50;

    @TempDir
    static Path root;
    private static Path template;
    /** Per journal: every record as written (header + payload bytes), by sequence in the cycle. */
    private static final List<List<byte[]>> WRITTEN = new ArrayList<>();
    private static final List<long[]> ANSWERS = new ArrayList<>(); // {clientId, clientSequence}

    @BeforeAll
    static void record() throws Exception {
        template = root.resolve("template");
        final Random random = new Random(1);
        try (Journals journals = Journals.open(template, CYCLE);
             JournalWriter input = journals.inputWriter();
             JournalWriter output = journals.outputWriter();
             JournalWriter dlq = journals.deadLetterWriter()) {
            final long[] next = new long[4];
            final long[] inputIndex = new long[EVENTS];
            final long[] client = new long[EVENTS];
            final long[] sequence = new long[EVENTS];
            for (int i = 0; i < EVENTS; i++) {
                client[i] = 1 + random.nextInt(3);
                sequence[i] = ++next[(int)client[i]];
                final byte[] payload = new byte[20 + random.nextInt(100)];
                random.nextBytes(payload);
                inputIndex[i] = input.append(1_000_000L + i, 100 + client[i], client[i], sequence[i], -1, 7, 1, 0,
                    new UnsafeBuffer(payload), 0, payload.length);
            }
            for (int i = 0; i < ANSWERED; i++) {
                final byte[] answer = new byte[30 + random.nextInt(20)];
                random.nextBytes(answer);
                output.append(1_000_000L + i, 100 + client[i], client[i], sequence[i], inputIndex[i], 7, 2, 0,
                    new UnsafeBuffer(answer), 0, answer.length);
                ANSWERS.add(new long[] {client[i], sequence[i]});
            }
            for (int i = 0; i < DEAD_LETTERS; i++) {
                final byte[] frame = new byte[10 + random.nextInt(60)];
                random.nextBytes(frame);
                dlq.append(2_000_000L + i, 100, 1, 0, -1, 7, 3, RecordHeader.SOURCE_GATEWAY, new UnsafeBuffer(frame), 0,
                    frame.length);
            }
        }
        for (final String name : NAMES) {
            WRITTEN.add(rawRecords(file(template, name)));
        }
        assertEquals(EVENTS, WRITTEN.get(0).size());
    }

    @Test
    void shouldKeepEveryPromiseUnderTruncationsAndBitFlips() throws Exception {
        final long seed = Long.getLong("vigil.fault.seed", System.nanoTime());
        System.out.println("JournalFaultInjectionTest seed " + seed + " (rerun with -Dvigil.fault.seed=" + seed + ")");
        final Random random = new Random(seed);
        // the cases are drawn in order from the seed, then run two at a time (each in its own directory)
        final List<Runnable> cases = new ArrayList<>();
        for (int journal = 0; journal < NAMES.length; journal++) {
            final Path templateFile = file(template, NAMES[journal]);
            final List<long[]> positions = positions(templateFile);
            final int cycle = JournalCheck.cycleOf(templateFile, CYCLE);
            final long[] last = positions.get(positions.size() - 1);
            final long dataEnd = last[0] + 4 + last[1];
            for (int kind = 0; kind < 2; kind++) {
                for (int i = 0; i < CASES_PER_JOURNAL_AND_KIND; i++) {
                    final int caseNo = cases.size();
                    final int j = journal;
                    final String what;
                    final long expectedBad;
                    final long offset;
                    final int bit;
                    if (kind == 0) {
                        offset = random.nextInt((int)dataEnd);
                        bit = -1;
                        what = "truncate " + NAMES[journal] + " at byte " + offset;
                        int firstCut = 0;
                        while (firstCut < positions.size() && positions.get(firstCut)[0] + 4 + positions.get(firstCut)[1] <= offset) {
                            firstCut++;
                        }
                        expectedBad = CYCLE.toIndex(cycle, firstCut);
                    } else {
                        final int record = random.nextInt(positions.size());
                        offset = positions.get(record)[0] + random.nextInt(4 + (int)positions.get(record)[1]);
                        bit = random.nextInt(8);
                        what = "flip bit " + bit + " of byte " + offset + " (record " + record + ") of " + NAMES[journal];
                        expectedBad = CYCLE.toIndex(cycle, record);
                    }
                    cases.add(() -> {
                        try {
                            final Path data = root.resolve("case-" + caseNo);
                            copy(template, data);
                            final Path file = file(data, NAMES[j]);
                            if (bit < 0) {
                                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                                    raf.setLength(offset);
                                }
                            } else {
                                JournalDamageTest.flip(file, offset, bit);
                            }
                            check(data, j, bit >= 0, expectedBad);
                            deleteTree(data);
                        } catch (final AssertionError | Exception ex) {
                            throw new AssertionError("seed " + seed + ", case " + caseNo + ": " + what + ": " + ex, ex);
                        }
                    });
                }
            }
        }
        final long startNs = System.nanoTime();
        final ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            final List<Future<?>> done = new ArrayList<>();
            for (final Runnable c : cases) {
                done.add(workers.submit(c));
            }
            for (final Future<?> f : done) {
                try {
                    f.get();
                } catch (final ExecutionException ex) {
                    throw (AssertionError)ex.getCause();
                }
            }
        } finally {
            workers.shutdownNow();
            assertTrue(workers.awaitTermination(30, TimeUnit.SECONDS));
        }
        System.out.printf("JournalFaultInjectionTest: %d cases in %d ms%n", cases.size(), (System.nanoTime() - startNs) / 1_000_000);
        assertEquals(NAMES.length * 2 * CASES_PER_JOURNAL_AND_KIND, cases.size());
    }

    private static void check(final Path data, final int journal, final boolean flipped, final long expectedBad)
        throws Exception {
        final JournalRepair.Damage damage = JournalRepair.check(data, CYCLE);
        assertFalse(damage.sound(), "damage not found");
        final JournalCheck.Report report = damage.reports().get(journal);
        assertTrue(report.damaged(), damage.problems().toString());
        assertEquals(expectedBad, report.firstBadIndex(), report.describe());
        for (int other = 0; other < NAMES.length; other++) {
            assertEquals(other == journal, damage.reports().get(other).damaged(), damage.problems().toString());
        }
        if (flipped) {
            // a live reader (the file is whole): never a record that differs from what was written
            try (Journals journals = Journals.open(data, CYCLE)) {
                assertNoPhantom(journals, journal, Long.MAX_VALUE, true);
            }
        }

        // the repair checks its result itself and throws if any damage is left
        JournalRepair.repair(data, CYCLE, Instant.now(), damage);
        try (Stream<Path> kept = Files.list(data.resolve(NAMES[journal]).resolve(JournalRepair.DAMAGED_DIR))) {
            final String prefix = report.damagedFile().getFileName() + ".";
            assertTrue(kept.anyMatch(p -> p.getFileName().toString().startsWith(prefix)), "damaged file kept aside");
        }
        final int soundInJournal = (int)CYCLE.toSequenceNumber(expectedBad);
        // never a re-accepted answered event: the marks the gateway rebuilds from the input journal cover every answer
        final Long2LongHashMap marks = new Long2LongHashMap(0);
        try (Journals journals = Journals.open(data, CYCLE)) {
            assertNoPhantom(journals, journal, soundInJournal, false);
            try (JournalReader reader = journals.inputReader()) {
                final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                while (reader.read(record)) {
                    if (record.clientSequence > marks.get(record.clientId)) {
                        marks.put(record.clientId, record.clientSequence);
                    }
                }
            }
            for (final long[] answer : ANSWERS) {
                assertTrue(answer[1] <= marks.get(answer[0]), "client " + answer[0] + " sequence " + answer[1] +
                    " was answered but its mark is " + marks.get(answer[0]));
            }
            // and new events are journaled after every recorded answer
            long lastAnswered = -1;
            try (JournalReader reader = journals.outputReader()) {
                final JournalRecord record = new JournalRecord(0);
                while (reader.read(record)) {
                    lastAnswered = record.refIndex;
                }
            }
            try (JournalWriter writer = journals.inputWriter()) {
                final long index = writer.append(9, 9, 9, 1_000, -1, 7, 1, 0, new UnsafeBuffer(new byte[4]), 0, 4);
                assertTrue(index > lastAnswered, "new input index " + index + " not after answer of " + lastAnswered);
            }
        }
    }

    /**
     * Reads every journal of {@code data} from the start: each record handed out equals the one written at its
     * sequence (or, in the input journal after a repair, is a placeholder of an answered event); the damaged journal
     * holds at most {@code soundLimit} original records.
     */
    private static void assertNoPhantom(final Journals journals, final int damaged, final long soundLimit,
        final boolean damageExpected) {
        {
            for (int j = 0; j < NAMES.length; j++) {
                final List<byte[]> written = WRITTEN.get(j);
                try (JournalReader reader = j == 0 ? journals.inputReader() : j == 1 ? journals.outputReader() :
                    journals.deadLetterReader()) {
                    final JournalRecord record = new JournalRecord(Journals.MAX_PAYLOAD_BYTES);
                    int n = 0;
                    boolean threw = false;
                    try {
                        while (reader.read(record)) {
                            final int seq = (int)CYCLE.toSequenceNumber(record.index);
                            if (j == 0 && record.source == RecordHeader.SOURCE_LOST) {
                                assertEquals(0, record.payloadLength);
                                assertTrue(seq >= soundLimit, "placeholder before the damage");
                            } else {
                                assertTrue(seq < written.size(), "record beyond what was written: " + record);
                                assertArrayEquals(written.get(seq), raw(record), "phantom record at " + record);
                                if (j == damaged) {
                                    assertTrue(seq < soundLimit, "record " + seq + " after the damage read back");
                                }
                            }
                            n++;
                        }
                    } catch (final JournalDamageException ex) {
                        threw = true;
                        assertEquals(damaged, j, ex.getMessage());
                    }
                    if (j != damaged) {
                        assertEquals(written.size(), n, NAMES[j] + " lost records");
                    } else if (damageExpected) {
                        assertTrue(threw || n < written.size(), "damage was read through");
                    }
                }
            }
        }
    }

    private static byte[] raw(final JournalRecord record) {
        final UnsafeBuffer b = new UnsafeBuffer(new byte[RecordHeader.LENGTH + record.payloadLength]);
        b.putLong(0, record.timeNs, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(8, record.sessionId, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(16, record.clientId, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(24, record.clientSequence, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(32, record.refIndex, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(40, record.tenantId, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort(44, (short)record.code, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putShort(46, (short)record.source, java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(48, record.payloadLength, java.nio.ByteOrder.LITTLE_ENDIAN);
        record.payload().getBytes(0, b, RecordHeader.LENGTH, record.payloadLength);
        final byte[] bytes = b.byteArray();
        // compare what a reader decodes: the fields and the payload (version and CRC are not handed out)
        Arrays.fill(bytes, RecordHeader.VERSION_OFFSET, RecordHeader.LENGTH, (byte)0);
        return bytes;
    }

    private static List<byte[]> rawRecords(final Path file) throws Exception {
        final List<byte[]> records = new ArrayList<>();
        JournalCheck.soundRecords(file, JournalCheck.cycleOf(file, CYCLE), CYCLE, Long.MAX_VALUE,
            (position, length, content) -> {
                final byte[] bytes = Arrays.copyOf(content.byteArray(), length);
                Arrays.fill(bytes, RecordHeader.VERSION_OFFSET, RecordHeader.LENGTH, (byte)0);
                records.add(bytes);
                return true;
            });
        return records;
    }

    private static List<long[]> positions(final Path file) throws Exception {
        final List<long[]> positions = new ArrayList<>();
        JournalCheck.soundRecords(file, JournalCheck.cycleOf(file, CYCLE), CYCLE, Long.MAX_VALUE,
            (position, length, content) -> {
                positions.add(new long[] {position, length});
                return true;
            });
        return positions;
    }

    private static Path file(final Path data, final String name) {
        try {
            return JournalCheck.cycleFiles(data.resolve(name)).get(0);
        } catch (final IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Copies a data directory; cycle files are preallocated and sparse: only their written start is copied. */
    private static void copy(final Path from, final Path to) throws IOException {
        for (final String name : NAMES) {
            Files.createDirectories(to.resolve(name));
            try (Stream<Path> files = Files.list(from.resolve(name))) {
                for (final Path f : (Iterable<Path>)files::iterator) {
                    final Path target = to.resolve(name).resolve(f.getFileName());
                    if (f.getFileName().toString().endsWith(".cq4")) {
                        final long size = Files.size(f);
                        try (RandomAccessFile in = new RandomAccessFile(f.toFile(), "r");
                             RandomAccessFile out = new RandomAccessFile(target.toFile(), "rw")) {
                            final byte[] head = new byte[(int)Math.min(size, 256 * 1024)];
                            in.readFully(head);
                            out.write(head);
                            out.setLength(size);
                        }
                    } else {
                        Files.copy(f, target);
                    }
                }
            }
        }
    }

    private static void deleteTree(final Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (final Path p : (Iterable<Path>)walk.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
