package io.vigil.scoring.time;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Window boundaries, exactly-once emission and the snapshot of {@link TumblingCountSum}. */
@Timeout(10)
class TumblingCountSumTest {
    private final List<String> emitted = new ArrayList<>();
    private final WindowResultSink sink = (window, tenant, key, start, end, values, count) ->
        emitted.add(tenant + "/" + key + " [" + start + "," + end + ") " + (long)values[0] + " " + (long)values[1]);

    @Test
    void shouldPutAnEventExactlyAtTheEndIntoTheNextWindowAndEmitEachOnce() {
        final TumblingCountSum windows = new TumblingCountSum(1, "t", 100);
        windows.add(1, 5, 0, 1);
        windows.add(1, 5, 99, 2);
        windows.add(1, 5, 100, 4);
        windows.add(2, 5, 50, 8); // another tenant, same key
        windows.add(1, 5, -1, 16); // before the epoch: [-100, 0)
        assertEquals(0, windows.advance(-1, sink));
        assertEquals(1, windows.advance(0, sink));
        assertEquals(0, windows.advance(99, sink), "[0, 100) ends at 100");
        assertEquals(2, windows.advance(100, sink));
        assertEquals(0, windows.advance(150, sink), "each window once");
        assertFalse(windows.add(1, 5, 10, 32), "its window was emitted");
        assertEquals(1, windows.eventsForClosedWindows());
        assertTrue(windows.add(1, 5, 150, 64));
        assertEquals(1, windows.advance(1_000, sink));
        assertEquals(List.of("1/5 [-100,0) 1 16", "1/5 [0,100) 2 3", "2/5 [0,100) 1 8", "1/5 [100,200) 2 68"), emitted);
    }

    @Test
    void shouldEmitTheSameAfterASnapshotAndRestore() throws Exception {
        final TumblingCountSum straight = new TumblingCountSum(1, "t", 100);
        final TumblingCountSum restored = new TumblingCountSum(1, "t", 100);
        for (int i = 0; i < 500; i++) {
            straight.add(1, i % 17, i * 3L, i);
            if (i % 50 == 0) {
                straight.advance(i * 3L - 40, sink);
            }
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        straight.writeSnapshot(Channels.newChannel(bytes));
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())));
        emitted.clear();
        straight.advance(10_000, sink);
        final List<String> expected = new ArrayList<>(emitted);
        emitted.clear();
        restored.advance(10_000, sink);
        assertEquals(expected, emitted);
        assertFalse(expected.isEmpty());
    }
}
