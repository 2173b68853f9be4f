package io.vigil.replay;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.engine.VigilConfig;
import io.vigil.gateway.VigilServer;
import io.vigil.gateway.client.VigilClient;
import io.vigil.journal.DataDirectory;
import io.vigil.journal.JournalCheck;
import io.vigil.journal.JournalReader;
import io.vigil.journal.JournalRecord;
import io.vigil.journal.JournalRepair;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import net.openhft.chronicle.queue.RollCycles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Damage end to end, on journals a real server recorded: for a truncation and a bit flip of the input, output and
 * dead-letter journals at a random (seeded, printed) record, {@code replay verify} and {@code export} exit 3 naming
 * the first bad index, the server refuses to start in one line naming it, starts with repair keeping the damaged file
 * aside, tells the client every answered sequence is journaled, answers a resend of an answered event without
 * journaling it again, and afterwards {@code replay verify} finds the recorded and replayed answers identical.
 */
@Timeout(300)
class DamagedJournalTest {
    private static final int EVENTS = 300;
    private static final long SEED = Long.getLong("vigil.fault.seed", System.nanoTime());

    @TempDir
    static Path dir;
    static Path recorded;
    static Workload workload;

    @BeforeAll
    static void recordLiveRun() throws Exception {
        System.out.println("DamagedJournalTest seed " + SEED + " (rerun with -Dvigil.fault.seed=" + SEED + ")");
        recorded = dir.resolve("recorded");
        workload = Workload.endingNow(5, EVENTS, Workload.HOUR_NS / 4);
        LiveRun.record(recorded, workload, EVENTS, Map.of());
        // a few dead letters: frames with a bad encoding type
        try (VigilServer server = VigilServer.start(LiveRun.config(recorded, Map.of()));
             VigilClient client = VigilClient.connect(server.host(), server.port())) {
            final org.agrona.concurrent.UnsafeBuffer junk = new org.agrona.concurrent.UnsafeBuffer(new byte[16]);
            junk.putInt(0, 16, java.nio.ByteOrder.BIG_ENDIAN);
            client.sendRaw(junk, 0, 16);
            client.flush();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (deadline > System.nanoTime() && deadLetters(recorded) == 0) {
                Thread.sleep(5);
            }
        }
        assertTrue(deadLetters(recorded) > 0);
    }

    @Test
    void shouldRefuseThenRepairADamagedInputJournal() throws Exception {
        damageAndRecover(Journals.INPUT, new Random(SEED));
    }

    @Test
    void shouldRefuseThenRepairADamagedOutputJournal() throws Exception {
        damageAndRecover(Journals.OUTPUT, new Random(SEED + 1));
    }

    @Test
    void shouldRefuseThenRepairADamagedDeadLetterJournal() throws Exception {
        damageAndRecover(Journals.DEAD_LETTERS, new Random(SEED + 2));
    }

    private void damageAndRecover(final String journal, final Random random) throws Exception {
        for (final boolean truncate : new boolean[] {true, false}) {
            final Path data = dir.resolve(journal + (truncate ? "-cut" : "-flip"));
            copy(recorded, data);
            final Path file = cycleFile(data.resolve(journal));
            final List<long[]> records = positions(file);
            final int victim = records.size() == 1 ? 0 : records.size() / 10 + random.nextInt(records.size() * 8 / 10);
            final long[] at = records.get(victim);
            if (truncate) {
                try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                    raf.setLength(at[0] + 1 + random.nextInt((int)at[1] + 3));
                }
            } else {
                flip(file, at[0] + 4 + random.nextInt((int)at[1]), random.nextInt(8));
            }
            final long bad = RollCycles.FAST_HOURLY.toIndex(RollCycles.FAST_HOURLY.toCycle(JournalCheck.check(journal,
                recorded.resolve(journal), RollCycles.FAST_HOURLY).lastSoundIndex()), victim);
            final String what = (truncate ? "cut " : "bit flip in ") + journal + " record " + victim + " (index " + bad + ")";
            System.out.println("DamagedJournalTest: " + what);

            if (!journal.equals(Journals.DEAD_LETTERS)) {
                for (final String command : new String[] {"verify", "export"}) {
                    final List<String> args = new ArrayList<>(List.of(command, "--data", data.toString()));
                    if (command.equals("export")) {
                        args.addAll(List.of("--out", data.resolve("features.csv").toString()));
                    }
                    final ReplayCli cli = ReplayCli.run(args.toArray(new String[0]));
                    assertEquals(ReplayCommand.EXIT_DAMAGED, cli.exitCode, what + ": " + cli.output);
                    assertTrue(cli.output.contains(journal + " journal") && cli.output.contains("index " + bad),
                        what + ": " + cli.output);
                }
            }

            final VigilConfig config = LiveRun.config(data, Map.of());
            final DataDirectory.DataDirectoryException refused =
                assertThrows(DataDirectory.DataDirectoryException.class, () -> VigilServer.start(config).close(), what);
            assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
            assertTrue(refused.getMessage().contains(journal + " journal") &&
                refused.getMessage().contains("index " + bad) && refused.getMessage().contains("--repair"),
                refused.getMessage());

            final Map<Long, String> answers = new ConcurrentHashMap<>();
            try (VigilServer server = VigilServer.start(config, true);
                 VigilClient client = VigilClient.connect(server.host(), server.port())) {
                try (Stream<Path> kept = Files.list(data.resolve(journal).resolve(JournalRepair.DAMAGED_DIR))) {
                    assertTrue(kept.anyMatch(p -> p.getFileName().toString().startsWith(file.getFileName() + ".")),
                        what + ": damaged file kept aside");
                }
                final long journaled = client.logon(LiveRun.CREDENTIAL, 1, LiveRun.CLIENT_ID, EVENTS + 1, listener(answers));
                assertEquals(EVENTS, journaled, what + ": every answered sequence stays journaled");
                // a resend of an answered (and accepted: a rejected one is answered with its Reject) event is
                // answered again, never journaled again
                long resent;
                do {
                    resent = 1 + random.nextInt(EVENTS);
                } while (Workload.rejected(resent));
                workload.send(client, resent);
                workload.send(client, EVENTS + 1);
                client.flush();
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while ((!answers.containsKey(resent) || !answers.containsKey((long)EVENTS + 1)) &&
                    System.nanoTime() < deadline) {
                    Thread.sleep(2);
                }
                assertTrue(answers.containsKey(resent) && !answers.get(resent).startsWith("REJECT"),
                    what + ": resend of " + resent + " answered " + answers.get(resent));
                assertTrue(answers.containsKey((long)EVENTS + 1), what + ": a new event is answered");
                assertTrue(server.engine().awaitCaughtUp(10, TimeUnit.SECONDS));
            }
            final Set<Long> sequences = new HashSet<>();
            try (Journals journals = Journals.openReadOnly(data, RollCycles.FAST_HOURLY);
                 JournalReader reader = journals.inputReader()) {
                final JournalRecord record = new JournalRecord(0);
                while (reader.read(record)) {
                    if (record.clientId == LiveRun.CLIENT_ID) {
                        assertTrue(sequences.add(record.clientSequence), what + ": sequence " + record.clientSequence +
                            " journaled twice");
                    }
                }
            }
            assertEquals(EVENTS + 1, sequences.size(), what);
            final ReplayCli verify = ReplayCli.run("verify", "--data", data.toString());
            assertEquals(ReplayCommand.EXIT_OK, verify.exitCode, what + ": " + verify.output);
        }
    }

    private static VigilClient.Listener listener(final Map<Long, String> answers) {
        return new VigilClient.Listener() {
            @Override
            public void onDecision(final DecisionDecoder decision) {
                answers.put(decision.clientSequence(), decision.action().name());
            }

            @Override
            public void onReject(final RejectDecoder reject) {
                answers.put(reject.clientSequence(), "REJECT " + reject.reason());
            }
        };
    }

    private static long deadLetters(final Path data) throws IOException {
        return JournalCheck.check(Journals.DEAD_LETTERS, data.resolve(Journals.DEAD_LETTERS), RollCycles.FAST_HOURLY)
            .records();
    }

    private static Path cycleFile(final Path journal) throws IOException {
        try (Stream<Path> files = Files.list(journal)) {
            return files.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
    }

    /** Header position and length of each record, walking Chronicle's framing (4-byte headers, 4-byte aligned). */
    private static List<long[]> positions(final Path file) throws IOException {
        final List<long[]> positions = new ArrayList<>();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long position = 0;
            while (true) {
                raf.seek(position);
                final int word = Integer.reverseBytes(raf.readInt());
                if (word == 0 || (word & 0x80000000) != 0) {
                    return positions;
                }
                final int length = word & 0x3FFFFFFF;
                if ((word & 0x40000000) == 0) {
                    positions.add(new long[] {position, length});
                }
                position = (position + 4 + length + 3) & ~3L;
            }
        }
    }

    private static void flip(final Path file, final long offset, final int bit) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            final int b = raf.read();
            raf.seek(offset);
            raf.write(b ^ (1 << bit));
        }
    }

    /** Copies a data directory; cycle files are preallocated and sparse: only their written start is copied. */
    private static void copy(final Path from, final Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (final Path f : (Iterable<Path>)walk::iterator) {
                final Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else if (f.getFileName().toString().endsWith(".cq4")) {
                    final long size = Files.size(f);
                    try (RandomAccessFile in = new RandomAccessFile(f.toFile(), "r");
                         RandomAccessFile out = new RandomAccessFile(target.toFile(), "rw")) {
                        final byte[] head = new byte[(int)Math.min(size, 4 << 20)];
                        in.readFully(head);
                        out.write(head);
                        out.setLength(size);
                    }
                } else if (!f.getFileName().toString().equals(DataDirectory.LOCK_FILE)) {
                    Files.copy(f, target);
                }
            }
        }
    }

    static boolean isPlaceholder(final JournalRecord record) {
        return record.source == RecordHeader.SOURCE_LOST;
    }
}
