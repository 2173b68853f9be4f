package io.vigil.cli;

import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exit codes of the {@code vigil} root on damaged journals: 3 for a reader, 2 (refused) for {@code run}. */
@Timeout(60)
class VigilMainExitCodeTest {
    @TempDir
    Path dir;

    @Test
    void shouldExitThreeWhenAToolReadsADamagedRecordAndTwoWhenRunRefusesIt() throws Exception {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_HOURLY);
             JournalWriter dlq = journals.deadLetterWriter()) {
            for (int i = 0; i < 3; i++) {
                dlq.append(1000 + i, 1, 2, 0, -1, 3, 4, RecordHeader.SOURCE_GATEWAY, new UnsafeBuffer(new byte[8]), 0, 8);
            }
        }
        final Path file;
        try (Stream<Path> files = Files.list(dir.resolve(Journals.DEAD_LETTERS))) {
            file = files.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            // the payload of the last record: after the file header, the index metadata and two records
            final long length = raf.length();
            long position = 0;
            long last = -1;
            while (position < length) {
                raf.seek(position);
                final int word = Integer.reverseBytes(raf.readInt());
                if (word == 0) {
                    break;
                }
                if ((word & 0x40000000) == 0) {
                    last = position;
                }
                position = (position + 4 + (word & 0x3FFFFFFF) + 3) & ~3L;
            }
            raf.seek(last + 4 + RecordHeader.LENGTH + 2);
            final int b = raf.read();
            raf.seek(last + 4 + RecordHeader.LENGTH + 2);
            raf.write(b ^ 0x10);
        }

        final String[] list = run(new String[] {"dlq", "list", "--data", dir.toString()});
        assertEquals("3", list[0], list[1]);
        assertTrue(list[1].contains("/dlq is damaged at index"), list[1]);

        final String[] start = run(new String[] {"run", "--data", dir.toString(), "--port", "0"});
        assertEquals("2", start[0], start[1]);
        assertTrue(start[1].contains("dlq journal") && start[1].contains("--repair"), start[1]);
        assertEquals(1, start[1].lines().filter(l -> l.startsWith("vigil run:")).count(), start[1]);
    }

    private static String[] run(final String[] args) {
        final StringWriter err = new StringWriter();
        final CommandLine commandLine = VigilMain.commandLine();
        commandLine.setErr(new PrintWriter(err, true));
        final int code = commandLine.execute(args);
        return new String[] {Integer.toString(code), err.toString()};
    }
}
