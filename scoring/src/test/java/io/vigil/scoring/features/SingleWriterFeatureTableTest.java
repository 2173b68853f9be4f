package io.vigil.scoring.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SingleWriterFeatureTableTest {
    private static List<String> names(final int width) {
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < width; i++) {
            names.add("f" + i);
        }
        return names;
    }

    private static float[] filled(final int width, final float value) {
        final float[] values = new float[width];
        java.util.Arrays.fill(values, value);
        return values;
    }

    @Test
    void shouldReadWhatWasPublishedPerTenantAndKey() {
        final SingleWriterFeatureTable table = new SingleWriterFeatureTable("v1", names(3), 4);
        table.publish(1, 42, new float[] {1f, 2f, 3f}, 0, 100, 5_000);
        table.publish(2, 42, new float[] {-1f, -2f, -3f}, 0, 101, 6_000);
        final SingleWriterFeatureTable.View view = table.newView();
        assertTrue(table.read(1, 42, view));
        assertEquals(1f, view.value(0));
        assertEquals(3f, view.value(2));
        assertEquals(100, view.eventIndex());
        assertEquals(5_000, view.eventTimeNs());
        assertEquals(0, view.updates());
        assertTrue(table.read(2, 42, view));
        assertEquals(-2f, view.value(1));
        assertEquals(2, view.tenant());
        assertFalse(table.read(3, 42, view), "another tenant's key is absent");
        assertFalse(table.read(1, 43, view));
        assertFalse(table.contains(1, 7));
        table.publish(1, 42, new float[] {9f, 8f, 7f, 6f}, 1, 102, 7_000);
        assertTrue(table.read(1, 42, view));
        assertEquals(8f, view.value(0));
        assertEquals(6f, view.value(2));
        assertEquals(102, view.eventIndex());
        assertEquals(1, view.updates());
        assertEquals(2, table.size());
    }

    @Test
    void shouldPublishTheSameWhateverTheSlotHint() {
        final SingleWriterFeatureTable table = new SingleWriterFeatureTable("v1", names(2), 4);
        table.publish(1, 10, 0, new float[] {1f, 1f}, 0, 1, 1);   // a new key: the hint is the next slot
        table.publish(1, 11, -1, new float[] {2f, 2f}, 0, 2, 2);  // no hint
        table.publish(1, 10, 1, new float[] {3f, 3f}, 0, 3, 3);   // a wrong hint: slot 1 is key 11
        table.publish(2, 11, 1, new float[] {4f, 4f}, 0, 4, 4);   // slot 1 is key 11 of another tenant
        table.publish(1, 11, 1, new float[] {5f, 5f}, 0, 5, 5);   // right
        table.publish(1, 11, 99, new float[] {6f, 6f}, 0, 6, 6);  // out of range
        final SingleWriterFeatureTable.View view = table.newView();
        assertTrue(table.read(1, 10, view));
        assertEquals(3f, view.value(1));
        assertTrue(table.read(1, 11, view));
        assertEquals(6f, view.value(0));
        assertEquals(2, view.updates());
        assertTrue(table.read(2, 11, view));
        assertEquals(4f, view.value(0));
        assertEquals(3, table.size());
    }

    @Test
    void shouldNumberKeysAsTheTransactionFeaturesDo() {
        final TransactionFeatures features = new TransactionFeatures(4);
        final SingleWriterFeatureTable table = new SingleWriterFeatureTable(TransactionFeatures.VERSION,
            TransactionFeatures.NAMES, 4);
        final float[] out = new float[TransactionFeatures.WIDTH];
        final SingleWriterFeatureTable.View view = table.newView();
        for (int i = 0; i < 200; i++) {
            final long account = (i * 7919L) % 37;
            features.onTransaction(i % 2, account, 5, 5411, 100 + i, 0, 1_000_000_000L * i, out, 0);
            table.publish(i % 2, account, features.lastSlot(), out, 0, i, i);
            table.readSlot(features.lastSlot(), view);
            assertEquals(account, view.key(), "the hint is the slot");
            assertEquals(i, view.eventIndex());
        }
    }

    @Test
    void shouldKeepEveryKeyThroughPartitionAndSegmentGrowth() {
        final SingleWriterFeatureTable table = new SingleWriterFeatureTable("v1", names(5), 0, 16, 4);
        final int keys = 50_000;
        for (int k = 0; k < keys; k++) {
            table.publish(k % 3, k * 7919L, filled(5, k), 0, k, k);
        }
        final SingleWriterFeatureTable.View view = table.newView();
        for (int k = 0; k < keys; k++) {
            assertTrue(table.read(k % 3, k * 7919L, view), "key " + k);
            assertEquals(k, view.eventIndex());
            assertEquals((float)k, view.value(4));
        }
        assertEquals(keys, table.size());
        for (long slot = 0; slot < keys; slot++) {
            table.readSlot(slot, view);
            assertEquals(slot * 7919L, view.key());
            assertEquals((int)(slot % 3), view.tenant());
        }
    }

    /**
     * Many readers while the writer republishes keys and adds new ones (partitions and segments growing under them):
     * a vector read is always of one event, every value equal to the event's index. Fails on a torn read.
     */
    @Test
    void shouldNeverLetAReaderSeeATornVector() throws Exception {
        for (final int width : new int[] {14, 7}) {
            runTornReadCheck(width);
        }
    }

    private static void runTornReadCheck(final int width) throws Exception {
        final SingleWriterFeatureTable table = new SingleWriterFeatureTable("v1", names(width), 0, 64, 8);
        final int hotKeys = 64;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<String> failure = new AtomicReference<>();
        final AtomicLong reads = new AtomicLong();
        final int readers = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
        final List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < readers; r++) {
            final long seed = r;
            final Thread reader = new Thread(() -> {
                final SplittableRandom random = new SplittableRandom(seed);
                final SingleWriterFeatureTable.View view = table.newView();
                long n = 0;
                while (!stop.get() && failure.get() == null) {
                    final long key = random.nextInt(hotKeys + 1_000);
                    if (table.read(1, key, view)) {
                        final float expected = (float)(view.eventIndex() % 1_000_000);
                        for (int i = 0; i < width; i++) {
                            if (view.value(i) != expected) {
                                failure.compareAndSet(null, "key " + key + " event " + view.eventIndex() + " value " + i +
                                    " = " + view.value(i));
                            }
                        }
                        if (view.key() != key) {
                            failure.compareAndSet(null, "asked " + key + ", read " + view.key());
                        }
                        n++;
                    }
                }
                reads.addAndGet(n);
            }, "reader-" + r);
            reader.start();
            threads.add(reader);
        }
        final float[] values = new float[width];
        long event = 0;
        long newKey = hotKeys;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < deadline && failure.get() == null) {
            for (int i = 0; i < 1000; i++) {
                event++;
                java.util.Arrays.fill(values, (float)(event % 1_000_000));
                final long key = (event & 15) == 0 && newKey < hotKeys + 1_000 ? newKey++ : event % hotKeys;
                table.publish(1, key, values, 0, event, event);
            }
        }
        stop.set(true);
        for (final Thread thread : threads) {
            thread.join();
        }
        assertNull(failure.get());
        assertTrue(reads.get() > 0, "the readers read");
        assertTrue(event > 10_000, "the writer wrote");
    }
}
