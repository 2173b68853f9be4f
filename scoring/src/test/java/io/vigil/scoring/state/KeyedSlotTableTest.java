package io.vigil.scoring.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KeyedSlotTableTest {
    private static final int SLOT_BYTES = 64;
    private static final int BODY = KeyedSlotTable.keyOffset(SLOT_BYTES); // the owner's bytes: [0, BODY)

    /** Writes a value derived from (tenant, key, generation) into every body word of the slot. */
    private static void stamp(final KeyedSlotTable table, final long slot, final long generation) {
        final UnsafeBuffer b = table.buffer(slot);
        final int base = table.offset(slot);
        final long v = table.tenant(slot) * 1_000_003L + table.key(slot) * 31 + generation;
        for (int at = 0; at < BODY; at += 8) {
            b.putLong(base + at, v + at);
        }
    }

    private static long generation(final KeyedSlotTable table, final long slot) {
        final UnsafeBuffer b = table.buffer(slot);
        final int base = table.offset(slot);
        final long v = table.tenant(slot) * 1_000_003L + table.key(slot) * 31;
        final long g = b.getLong(base) - v;
        for (int at = 0; at < BODY; at += 8) {
            assertEquals(v + g + at, b.getLong(base + at), "slot " + slot + " torn at byte " + at);
        }
        return g;
    }

    /** Records of a slots stream by "tenant/key". */
    private static Map<String, ByteBuffer> records(final byte[] bytes) {
        assertEquals(0, bytes.length % SLOT_BYTES);
        final Map<String, ByteBuffer> out = new TreeMap<>();
        for (int at = 0; at < bytes.length; at += SLOT_BYTES) {
            final ByteBuffer r = ByteBuffer.wrap(bytes, at, SLOT_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
            final String id = r.getInt(KeyedSlotTable.tenantOffset(SLOT_BYTES)) + "/" +
                r.getLong(KeyedSlotTable.keyOffset(SLOT_BYTES));
            assertEquals(null, out.put(id, r), "record " + id + " twice");
        }
        return out;
    }

    /** Yields before each write, so that the owner thread interleaves with the writer. */
    private static final class YieldingChannel implements WritableByteChannel {
        private final WritableByteChannel sink;

        YieldingChannel(final WritableByteChannel sink) {
            this.sink = sink;
        }

        @Override
        public int write(final ByteBuffer src) throws IOException {
            Thread.yield();
            return sink.write(src);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void shouldGrowAcrossManySegmentsAndKeepEverySlotInPlace() {
        final KeyedSlotTable table = new KeyedSlotTable(SLOT_BYTES, 10, 16, 8);
        assertEquals(1, table.segments());
        final int keys = 20_000;
        for (int i = 0; i < keys; i++) {
            final int tenant = i % 3;
            final long key = (i / 3) * 7919L;
            assertEquals(KeyedSlotTable.MISSING, table.find(tenant, key));
            final long slot = table.add(tenant, key);
            assertEquals(i, slot);
            stamp(table, slot, 5);
        }
        assertEquals(keys, table.size());
        assertEquals((keys + 15) / 16, table.segments());
        assertEquals((long)table.segments() * (16 * SLOT_BYTES + 64), table.stateBytes()); // each cache-line aligned
        assertTrue(table.indexBytes() > 0);
        for (int i = 0; i < keys; i++) {
            final long slot = table.find(i % 3, (i / 3) * 7919L);
            assertEquals(i, slot);
            assertEquals(5, generation(table, slot));
        }
    }

    @Test
    void shouldKeepTheSameKeyOfDifferentTenantsApart() {
        final KeyedSlotTable table = new KeyedSlotTable(SLOT_BYTES, 4, 4, 2);
        final long a = table.add(7, 42L);
        final long b = table.add(8, 42L);
        final long c = table.add(-1, 42L);
        assertNotEquals(a, b);
        assertEquals(a, table.find(7, 42L));
        assertEquals(b, table.find(8, 42L));
        assertEquals(c, table.find(-1, 42L));
        assertEquals(KeyedSlotTable.MISSING, table.find(9, 42L));
        assertEquals(KeyedSlotTable.MISSING, table.find(7, 43L));
        assertEquals(8, table.tenant(b));
        assertEquals(42L, table.key(b));
        for (final long key : new long[] {0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertEquals(KeyedSlotTable.MISSING, table.find(7, key));
            final long slot = table.add(7, key);
            assertEquals(slot, table.find(7, key));
            assertEquals(key, table.key(slot));
        }
    }

    @Test
    void shouldRoundTripSlotsAndRejectADuplicate() throws IOException {
        final KeyedSlotTable table = new KeyedSlotTable(SLOT_BYTES, 1, 8, 4);
        for (int i = 0; i < 100; i++) {
            stamp(table, table.add(i % 2, i / 2), i);
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        table.writeSlots(Channels.newChannel(bytes));
        assertEquals(100 * SLOT_BYTES, bytes.size());

        final KeyedSlotTable restored = new KeyedSlotTable(SLOT_BYTES, 1, 32, 2);
        restored.readSlots(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())), 100);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, generation(restored, restored.find(i % 2, i / 2)));
        }
        final ByteArrayOutputStream again = new ByteArrayOutputStream();
        restored.writeSlots(Channels.newChannel(again));
        assertEquals(records(bytes.toByteArray()).keySet(), records(again.toByteArray()).keySet());

        final byte[] twice = new byte[2 * SLOT_BYTES];
        System.arraycopy(bytes.toByteArray(), 0, twice, 0, SLOT_BYTES);
        System.arraycopy(bytes.toByteArray(), 0, twice, SLOT_BYTES, SLOT_BYTES);
        final IOException ex = assertThrows(IOException.class, () -> new KeyedSlotTable(SLOT_BYTES, 1)
            .readSlots(Channels.newChannel(new ByteArrayInputStream(twice)), 2));
        assertTrue(ex.getMessage().contains("twice"), ex.getMessage());
        assertThrows(IOException.class, () -> new KeyedSlotTable(SLOT_BYTES, 1)
            .readSlots(Channels.newChannel(new ByteArrayInputStream(twice)), 3));
    }

    @Test
    void shouldRefuseASecondSnapshotWhileOneIsOpen() {
        final KeyedSlotTable table = new KeyedSlotTable(SLOT_BYTES, 1);
        table.add(1, 1L);
        final KeyedSlotTable.Snapshot first = table.beginSnapshot();
        assertThrows(IllegalStateException.class, table::beginSnapshot);
        assertThrows(IllegalStateException.class, table::clear);
        first.close();
        first.close();
        table.beginSnapshot().close();
    }

    /**
     * The owner keeps changing slots (and adding new ones) while another thread writes the snapshot; the snapshot
     * must equal a copy taken synchronously at the snapshot point. The writer starts only after the owner has changed
     * many slots (so the copy-on-write path runs) and then races with the owner's further changes.
     */
    @Test
    void shouldWriteTheStateAtTheSnapshotPointFromAnotherThreadWhileTheOwnerChangesIt() throws Exception {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        final KeyedSlotTable table = new KeyedSlotTable(SLOT_BYTES, 100, 64, 16);
        final int keys = 50_000;
        for (int i = 0; i < keys; i++) {
            stamp(table, table.add(i & 3, i), 0);
        }
        for (int round = 1; round <= 3; round++) {
            final ByteArrayOutputStream expected = new ByteArrayOutputStream();
            table.writeSlots(Channels.newChannel(expected));
            final KeyedSlotTable.Snapshot snapshot = table.beginSnapshot();
            assertEquals(table.size(), snapshot.slots());

            final CountDownLatch ownerWentOn = new CountDownLatch(1);
            final ByteArrayOutputStream actual = new ByteArrayOutputStream();
            final WritableByteChannel sink = Channels.newChannel(actual);
            final AtomicReference<Throwable> failure = new AtomicReference<>();
            final Thread writer = new Thread(() -> {
                try {
                    ownerWentOn.await();
                    snapshot.writeSlots(new YieldingChannel(sink));
                } catch (final Throwable t) {
                    failure.set(t);
                } finally {
                    snapshot.close();
                }
            }, "snapshot-writer");
            writer.start();
            long generation = round * 1_000_000L;
            for (int i = 0; i < 200_000; i++) {
                if (i == 10_000) {
                    ownerWentOn.countDown();
                }
                final long slot = random.nextInt((int)table.size());
                table.beforeUpdate(slot);
                stamp(table, slot, ++generation);
                if (i % 100 == 0) {
                    stamp(table, table.add(5, keys + round * 1_000_000L + i), 0); // a new key: not in the snapshot
                }
            }
            writer.join();
            if (failure.get() != null) {
                throw new AssertionError("seed " + seed, failure.get());
            }
            final Map<String, ByteBuffer> want = records(expected.toByteArray());
            final Map<String, ByteBuffer> got = records(actual.toByteArray());
            assertEquals(want.size(), got.size(), "seed " + seed);
            for (final Map.Entry<String, ByteBuffer> e : want.entrySet()) {
                final ByteBuffer other = got.get(e.getKey());
                assertTrue(other != null, "slot " + e.getKey() + " missing, seed " + seed);
                assertEquals(-1, e.getValue().mismatch(other), "slot " + e.getKey() + " differs at byte, seed " + seed);
            }
            assertTrue(snapshot.copiedAside() > 0, "the owner copied no slot aside: the test raced nothing");
        }
    }

    @Test
    void shouldLetTheOwnerGoOnAfterASnapshotIsAbandoned() {
        final KeyedSlotTable table = new KeyedSlotTable(SLOT_BYTES, 1, 16, 2);
        for (int i = 0; i < 1000; i++) {
            stamp(table, table.add(1, i), 0);
        }
        final KeyedSlotTable.Snapshot snapshot = table.beginSnapshot();
        for (int i = 0; i < 500; i++) {
            table.beforeUpdate(i);
            stamp(table, i, 1);
        }
        assertEquals(500, snapshot.copiedAside());
        snapshot.close();
        for (int i = 0; i < 1000; i++) {
            table.beforeUpdate(i);
            stamp(table, i, 2);
        }
        assertEquals(500, snapshot.copiedAside());
        assertThrows(IllegalStateException.class,
            () -> snapshot.writeSlots(new YieldingChannel(Channels.newChannel(new ByteArrayOutputStream()))));
        for (int i = 0; i < 1000; i++) {
            assertEquals(2, generation(table, i));
        }
    }
}
