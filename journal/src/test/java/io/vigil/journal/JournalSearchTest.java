package io.vigil.journal;

import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(30)
class JournalSearchTest {
    private static final int RECORDS = 20_000;

    @TempDir
    Path dir;

    @Test
    void shouldFindTimeBoundsByBinarySearchNotAScan() {
        final long[] indices = new long[RECORDS];
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY)) {
            try (JournalWriter writer = journals.inputWriter()) {
                final UnsafeBuffer payload = new UnsafeBuffer(new byte[8]);
                for (int i = 0; i < RECORDS; i++) {
                    // ingest times 1000, 1000, 1010, 1010, ...: runs of equal times, as at a coarse clock
                    indices[i] = writer.append(1000 + (i / 2) * 10L, 1, 1, i + 1, -1, 1, 10, 0, payload, 0, 8);
                }
            }
            final JournalSearch search = journals.inputSearch();
            assertEquals(indices[0], search.firstAtOrAfter(RecordHeader.TIME_NS_OFFSET, 0));
            assertEquals(indices[0], search.firstAtOrAfter(RecordHeader.TIME_NS_OFFSET, 1000));
            assertEquals(indices[2], search.firstAtOrAfter(RecordHeader.TIME_NS_OFFSET, 1001));
            assertEquals(indices[5000], search.firstAtOrAfter(RecordHeader.TIME_NS_OFFSET, 1000 + 2500 * 10));
            assertTrue(search.probes() <= 17, "probes " + search.probes() + " for " + RECORDS + " records");
            assertEquals(RecordHeader.NO_INDEX, search.firstAtOrAfter(RecordHeader.TIME_NS_OFFSET, Long.MAX_VALUE));

            assertEquals(indices[5001], search.lastAtOrBefore(RecordHeader.TIME_NS_OFFSET, 1000 + 2500 * 10));
            assertEquals(indices[5001], search.lastAtOrBefore(RecordHeader.TIME_NS_OFFSET, 1000 + 2500 * 10 + 9));
            assertEquals(indices[RECORDS - 1], search.lastAtOrBefore(RecordHeader.TIME_NS_OFFSET, Long.MAX_VALUE));
            assertEquals(RecordHeader.NO_INDEX, search.lastAtOrBefore(RecordHeader.TIME_NS_OFFSET, 999));
            assertTrue(search.probes() <= 17);
        }
    }

    @Test
    void shouldFindNothingInAnEmptyJournal() {
        try (Journals journals = Journals.open(dir, RollCycles.FAST_DAILY)) {
            assertEquals(RecordHeader.NO_INDEX, journals.outputSearch().firstAtOrAfter(RecordHeader.REF_INDEX_OFFSET, 0));
        }
    }
}
