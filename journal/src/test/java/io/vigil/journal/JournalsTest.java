package io.vigil.journal;

import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class JournalsTest {
    @TempDir
    Path dir;

    @Test
    void shouldCreateThreeJournalsUnderDataDir() {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY);
             JournalWriter writer = journals.inputWriter()) {
            writer.append(1, 2, 3, 4, -1, 5, 10, 0, new UnsafeBuffer(new byte[1]), 0, 1);
        }
        assertTrue(Files.isDirectory(dir.resolve("input")));
        assertTrue(Files.isDirectory(dir.resolve("output")));
        assertTrue(Files.isDirectory(dir.resolve("dlq")));
    }

    @Test
    void shouldReadBackWhatWasAppendedByIndexAndInOrder() {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY);
             JournalWriter writer = journals.inputWriter();
             JournalReader reader = journals.inputReader()) {
            assertEquals(-1, journals.lastInputIndex());
            final long[] indices = new long[3];
            for (int i = 0; i < 3; i++) {
                final byte[] payload = ("event-" + i).getBytes(StandardCharsets.US_ASCII);
                indices[i] = writer.append(1000 + i, 7, 42, i + 1, -1, 3, 10, 0, new UnsafeBuffer(payload), 0, payload.length);
                assertTrue(indices[i] >= 0);
            }
            assertEquals(indices[2], journals.lastInputIndex());

            final JournalRecord record = new JournalRecord(256);
            for (int i = 0; i < 3; i++) {
                assertTrue(reader.read(record));
                assertEquals(indices[i], record.index);
                assertEquals(1000 + i, record.timeNs);
                assertEquals(7, record.sessionId);
                assertEquals(42, record.clientId);
                assertEquals(i + 1, record.clientSequence);
                assertEquals(-1, record.refIndex);
                assertEquals(3, record.tenantId);
                assertEquals(10, record.code);
                assertEquals("event-" + i, record.payload().getStringWithoutLengthAscii(0, record.payloadLength));
            }
            assertFalse(reader.read(record));

            assertTrue(reader.readAt(indices[1], record));
            assertEquals(2, record.clientSequence);
            assertFalse(reader.readAt(indices[2] + 1, record));
        }
    }

    @Test
    void shouldHandOutClaimOnlyWhenARecordIsThere() {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY);
             JournalWriter writer = journals.outputWriter();
             JournalReader reader = journals.outputReader()) {
            final JournalRecord slot = new JournalRecord(64);
            final int[] claims = new int[2];
            final JournalReader.Claim claim = new JournalReader.Claim() {
                @Override
                public JournalRecord claim() {
                    claims[0]++;
                    return slot;
                }

                @Override
                public void commit() {
                    claims[1]++;
                }
            };
            assertFalse(reader.poll(claim));
            assertEquals(0, claims[0]);
            writer.append(1, 1, 1, 9, 77, 0, 20, 0, new UnsafeBuffer(new byte[4]), 0, 4);
            assertTrue(reader.poll(claim));
            assertEquals(1, claims[0]);
            assertEquals(1, claims[1]);
            assertEquals(77, slot.refIndex);
            assertEquals(4, slot.payloadLength);
        }
    }

    @Test
    void shouldRejectUnknownRollCycleByName() {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Journals.rollCycle("sometimes"));
        assertTrue(ex.getMessage().contains("sometimes"));
        assertEquals(RollCycles.FAST_HOURLY, Journals.rollCycle("fast_hourly"));
    }
}
