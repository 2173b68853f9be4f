package io.vigil.journal;

import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The start-up check of a data directory's journals and, when asked, their repair.
 *
 * <p><b>Check</b> ({@link #check}): each journal is checked by {@link JournalCheck}; besides, the output journal must
 * not answer input events the input journal lacks (an input journal cut at a record boundary looks whole on its own).
 *
 * <p><b>Repair</b> ({@link #repair}), for each damaged journal:
 * <ol>
 *   <li>the sound records of the damaged cycle file (those before the first bad one) are copied, byte for byte, into
 *   a new cycle file of the same cycle, built aside by Chronicle's own appender; their indices stay the same;</li>
 *   <li>the damaged file is kept as {@code <journal>/damaged/<file>.<timestamp>} (a hard link, or a copy where links
 *   are not supported) and the new file takes its place with an atomic rename, so the journal never lacks the
 *   cycle;</li>
 *   <li>later cycle files (their records come after the damage) and the queue's {@code metadata.cq4t} (its listing
 *   of cycles) are moved into {@code damaged/} as well; Chronicle rebuilds the listing when the queue is opened.</li>
 * </ol>
 * Then answers whose input records were lost are reconciled: for every output record answering an input index past
 * the end of the (repaired) input journal, a placeholder input record ({@link RecordHeader#SOURCE_LOST}: the answered
 * event's time, session, client, sequence and tenant, no payload) is appended at exactly that index. So the client's
 * sequence mark, rebuilt from the input journal at start, covers every answered event (none is accepted again as new),
 * a resend of one is answered from the output journal, and new events get input indices after every recorded answer.
 * Input events whose answers were lost (an output journal cut) need nothing: they are still journaled, the engine
 * decides them again at start (the same code on the same input decides the same), and journals those answers.
 * Lost dead letters are lost; they never carry a client's sequence forward.
 *
 * <p>Not thread-safe: run it by the one writer (after {@link DataDirectory#acquire}) before the journals are opened.
 * Allocates (control plane).
 */
public final class JournalRepair {
    /** Where damaged files are kept, inside each journal's directory. */
    public static final String DAMAGED_DIR = "damaged";
    private static final String[] NAMES = {Journals.INPUT, Journals.OUTPUT, Journals.DEAD_LETTERS};
    private static final DateTimeFormatter STAMP =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

    private JournalRepair() {
    }

    /** What a repair did. Immutable. */
    public static final class Result {
        private final List<String> actions;
        private final long inputSoundUpTo;

        Result(final List<String> actions, final long inputSoundUpTo) {
            this.actions = List.copyOf(actions);
            this.inputSoundUpTo = inputSoundUpTo;
        }

        /** One line per action taken, for the log; empty when the journals were sound. */
        public List<String> actions() {
            return actions;
        }

        /**
         * The last input index whose original record survived, when input records were lost (cut, or answered
         * events missing): state derived from later input (checkpoints) no longer follows from the journal.
         * {@link Long#MAX_VALUE} when no input record was lost.
         */
        public long inputSoundUpTo() {
            return inputSoundUpTo;
        }
    }

    /** The damage found in one data directory. */
    public static final class Damage {
        private final List<JournalCheck.Report> reports;
        private final List<String> problems;

        Damage(final List<JournalCheck.Report> reports, final List<String> problems) {
            this.reports = reports;
            this.problems = problems;
        }

        /** True when nothing is wrong. */
        public boolean sound() {
            return problems.isEmpty();
        }

        /** One line per problem, naming the journal and its first bad index. */
        public List<String> problems() {
            return problems;
        }

        /** The problems of the named journals only (input, output, dlq), for tools that read only those. */
        public List<String> problemsOf(final String... journals) {
            final List<String> of = new ArrayList<>();
            for (final String problem : problems) {
                for (final String journal : journals) {
                    if (problem.startsWith(journal + " journal ")) {
                        of.add(problem);
                        break;
                    }
                }
            }
            return of;
        }

        /** The per-journal reports (input, output, dlq). */
        public List<JournalCheck.Report> reports() {
            return reports;
        }
    }

    /** Checks the three journals of {@code dataDir} (read-only; safe beside a running writer). */
    public static Damage check(final Path dataDir, final RollCycle rollCycle) throws IOException {
        final List<JournalCheck.Report> reports = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        for (final String name : NAMES) {
            final JournalCheck.Report report = JournalCheck.check(name, dataDir.resolve(name), rollCycle);
            reports.add(report);
            if (report.damaged()) {
                problems.add(report.describe());
            }
        }
        if (problems.isEmpty()) {
            final long lastInput = reports.get(0).lastSoundIndex();
            final long answered = lastAnsweredInput(dataDir, rollCycle, reports.get(1));
            if (answered != RecordHeader.NO_INDEX && answered > lastInput) {
                problems.add(Journals.INPUT + " journal " + dataDir.resolve(Journals.INPUT) + " is damaged: it ends " +
                    (lastInput < 0 ? "empty" : "at index " + lastInput + " (0x" + Long.toHexString(lastInput) + ")") +
                    " but the output journal answers input index " + answered + " (0x" + Long.toHexString(answered) +
                    "): answered events are missing from it");
            }
        }
        return new Damage(reports, problems);
    }

    /**
     * The start-up check of the one writer: a damaged data directory is refused with a one-line
     * {@link DataDirectory.DataDirectoryException} naming the journal and its first bad index, unless {@code repair}
     * is set; then it is repaired ({@link #repair}).
     *
     * @return what the repair did; no actions when the journals were sound.
     */
    public static Result checkAtStart(final Path dataDir, final RollCycle rollCycle, final boolean repair) {
        try {
            final Damage damage = check(dataDir, rollCycle);
            if (damage.sound()) {
                return new Result(List.of(), Long.MAX_VALUE);
            }
            if (!repair) {
                throw new DataDirectory.DataDirectoryException(damage.problems().get(0) +
                    (damage.problems().size() > 1 ? " (and " + (damage.problems().size() - 1) + " more)" : "") +
                    "; start with --repair to keep the damaged file in " + DAMAGED_DIR + "/ and truncate the journal " +
                    "to its last sound record (see docs/operations.md)");
            }
            return repair(dataDir, rollCycle, Instant.now(), damage);
        } catch (final IOException ex) {
            throw new DataDirectory.DataDirectoryException("data directory " + dataDir + ": cannot " +
                (repair ? "repair" : "check") + " the journals: " + ex.getMessage(), ex);
        }
    }

    /** The input index the last output record answers, or -1; the output journal must be sound. */
    private static long lastAnsweredInput(final Path dataDir, final RollCycle rollCycle,
        final JournalCheck.Report output) {
        if (output.records() == 0) {
            return RecordHeader.NO_INDEX;
        }
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(output.dir().toFile()).rollCycle(rollCycle)
                 .readOnly(true).build();
             JournalReader reader = new JournalReader(queue, output.dir().toString())) {
            final JournalRecord record = new JournalRecord(0);
            return reader.readAt(output.lastSoundIndex(), record) ? record.refIndex : RecordHeader.NO_INDEX;
        }
    }

    /**
     * Repairs the journals of {@code dataDir} as the class comment says.
     *
     * @param now the time that names the kept copies.
     * @return what the repair did; no actions when the journals were sound.
     * @throws IOException when a step fails; files already kept aside stay where they are.
     */
    public static Result repair(final Path dataDir, final RollCycle rollCycle, final Instant now)
        throws IOException {
        return repair(dataDir, rollCycle, now, check(dataDir, rollCycle));
    }

    /** Like {@link #repair(Path, RollCycle, Instant)}, with the damage {@link #check} just found. */
    public static Result repair(final Path dataDir, final RollCycle rollCycle, final Instant now, final Damage damage)
        throws IOException {
        final List<String> actions = new ArrayList<>();
        if (damage.sound()) {
            return new Result(actions, Long.MAX_VALUE);
        }
        final JournalCheck.Report input = damage.reports().get(0);
        final boolean inputLost = input.damaged() || !damage.problemsOf(Journals.INPUT).isEmpty();
        final long inputSoundUpTo = inputLost ? input.lastSoundIndex() : Long.MAX_VALUE;
        final String stamp = STAMP.format(now);
        for (final JournalCheck.Report report : damage.reports()) {
            if (report.damaged()) {
                cut(report, rollCycle, stamp, actions);
            }
        }
        // opens every journal for writing, so Chronicle writes a fresh listing of the cycles of those it lost
        reconcile(dataDir, rollCycle, actions);
        final Damage after = check(dataDir, rollCycle);
        if (!after.sound()) {
            throw new IOException("the repair left damage behind: " + after.problems().get(0));
        }
        return new Result(actions, inputSoundUpTo);
    }

    private static void cut(final JournalCheck.Report report, final RollCycle rollCycle, final String stamp,
        final List<String> actions) throws IOException {
        final Path dir = report.dir();
        final Path aside = Files.createDirectories(dir.resolve(DAMAGED_DIR));
        final Path file = report.damagedFile();
        final Path rebuildDir = aside.resolve("rebuild-" + stamp);
        final long sound = report.soundInDamagedCycle();
        Path rebuilt = null;
        if (sound > 0) {
            rebuilt = rebuild(file, report.damagedCycle(), rollCycle, sound, rebuildDir);
        }
        final Path kept = aside.resolve(file.getFileName() + "." + stamp);
        try {
            Files.createLink(kept, file);
        } catch (final UnsupportedOperationException | FileSystemException ex) {
            Files.copy(file, kept);
        }
        if (rebuilt != null) {
            move(rebuilt, file);
        } else {
            Files.delete(file);
        }
        actions.add(report.describe());
        actions.add(report.name() + ": kept the damaged file as " + kept + "; " + (sound > 0 ?
            "rebuilt " + file.getFileName() + " with its " + sound + " sound records (up to index " +
                report.lastSoundIndex() + ")" : "removed " + file.getFileName() + " (no sound record in it)"));
        for (final Path later : report.laterFiles()) {
            final Path keptLater = aside.resolve(later.getFileName() + "." + stamp);
            move(later, keptLater);
            actions.add(report.name() + ": moved " + later.getFileName() + " (after the damage) to " + keptLater);
        }
        final Path metadata = dir.resolve(SingleChronicleQueue.QUEUE_METADATA_FILE);
        if (Files.exists(metadata)) {
            move(metadata, aside.resolve(metadata.getFileName() + "." + stamp));
        }
        deleteTree(rebuildDir);
    }

    /** Builds, in {@code into}, a cycle file of {@code cycle} holding the first {@code sound} records of {@code file}. */
    private static Path rebuild(final Path file, final int cycle, final RollCycle rollCycle, final long sound,
        final Path into) throws IOException {
        Files.createDirectories(into);
        try (SingleChronicleQueue queue = queueAt(into, rollCycle, cycle);
             ExcerptAppender appender = queue.createAppender()) {
            JournalCheck.soundRecords(file, cycle, rollCycle, sound, (position, length, content) -> {
                try (DocumentContext dc = appender.writingDocument()) {
                    dc.wire().bytes().write(content.byteArray(), 0, length);
                }
                return true;
            });
            final long last = appender.lastIndexAppended();
            if (last != rollCycle.toIndex(cycle, sound - 1)) {
                throw new IOException("rebuilding " + file + ": the last record landed at index " + last +
                    ", expected " + rollCycle.toIndex(cycle, sound - 1));
            }
        }
        final Path rebuilt = into.resolve(file.getFileName());
        if (!Files.isRegularFile(rebuilt)) {
            throw new IOException("rebuilding " + file + ": Chronicle did not write " + rebuilt);
        }
        return rebuilt;
    }

    /** A queue whose appenders write into {@code cycle}, whatever the time. */
    private static SingleChronicleQueue queueAt(final Path dir, final RollCycle rollCycle, final int cycle) {
        final long midCycleMs = (long)cycle * rollCycle.lengthInMillis() + rollCycle.lengthInMillis() / 2;
        return SingleChronicleQueueBuilder.single(dir.toFile())
            .rollCycle(rollCycle)
            .timeProvider(new SetTimeProvider(midCycleMs * 1_000_000L))
            .build();
    }

    /** Appends a placeholder at the input index of every answer past the end of the input journal. */
    private static void reconcile(final Path dataDir, final RollCycle rollCycle, final List<String> actions)
        throws IOException {
        final List<long[]> orphans = new ArrayList<>();
        long lastInput;
        try (Journals journals = Journals.open(dataDir, rollCycle)) {
            lastInput = journals.lastInputIndex();
            final long first = journals.outputSearch().firstAtOrAfter(RecordHeader.REF_INDEX_OFFSET, lastInput + 1);
            if (first == RecordHeader.NO_INDEX) {
                return;
            }
            try (JournalReader reader = journals.outputReader()) {
                final JournalRecord record = new JournalRecord(0);
                if (!reader.moveToIndex(first)) {
                    return;
                }
                while (reader.read(record)) {
                    if (record.refIndex > lastInput) {
                        orphans.add(new long[] {record.refIndex, record.timeNs, record.sessionId, record.clientId,
                            record.clientSequence, record.tenantId});
                    }
                }
            }
        }
        final Path input = dataDir.resolve(Journals.INPUT);
        final UnsafeBuffer empty = new UnsafeBuffer(new byte[0]);
        int cycle = Integer.MIN_VALUE;
        SingleChronicleQueue queue = null;
        JournalWriter writer = null;
        long next = lastInput + 1;
        try {
            for (final long[] orphan : orphans) {
                final long target = orphan[0];
                final int targetCycle = rollCycle.toCycle(target);
                if (targetCycle != cycle) {
                    if (writer != null) {
                        writer.close();
                        queue.close();
                    }
                    cycle = targetCycle;
                    queue = queueAt(input, rollCycle, cycle);
                    writer = new JournalWriter(queue, 0);
                    if (rollCycle.toCycle(next) != cycle || lastInput < 0) {
                        next = rollCycle.toIndex(cycle, 0);
                    }
                }
                while (next <= target) {
                    final boolean filler = next < target;
                    final long index = writer.append(filler ? 0 : orphan[1], filler ? 0 : orphan[2],
                        filler ? 0 : orphan[3], filler ? 0 : orphan[4], RecordHeader.NO_INDEX,
                        filler ? 0 : (int)orphan[5], 0, RecordHeader.SOURCE_LOST, empty, 0, 0);
                    if (index != next) {
                        throw new IOException("placeholder for input index " + next + " landed at " + index +
                            (index == JournalWriter.FAILED ? " (" + writer.lastFailure() + ")" : ""));
                    }
                    next++;
                }
            }
        } finally {
            if (writer != null) {
                writer.close();
                queue.close();
            }
        }
        if (!orphans.isEmpty()) {
            actions.add("input: " + orphans.size() + " answered events had lost their input records; placeholders " +
                "keep their input indices " + orphans.get(0)[0] + ".." + orphans.get(orphans.size() - 1)[0] +
                " and client sequences (a resend is answered from the output journal)");
        }
    }

    private static void move(final Path from, final Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final AtomicMoveNotSupportedException ex) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(final Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (final Path p : (Iterable<Path>)walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
