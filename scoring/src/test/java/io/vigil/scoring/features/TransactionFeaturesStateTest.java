package io.vigil.scoring.features;

import static io.vigil.scoring.features.TransactionFeatures.LOG_EVENTS;
import static io.vigil.scoring.features.TransactionFeatures.SECS_SINCE_PREV;
import static io.vigil.scoring.features.TransactionFeatures.WIDTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;

/** The per-account state of {@link TransactionFeatures}: growth, tenants, snapshots. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransactionFeaturesStateTest {
    private static final long SECOND_NS = 1_000_000_000L;
    private static final long T = 1_767_225_600L * SECOND_NS;

    private static void feed(final TransactionFeatures f, final int tenant, final SyntheticTransaction tx, final float[] out) {
        f.onTransaction(tenant, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel, tx.eventTimeNs, out, 0);
    }

    private static byte[] snapshot(final TransactionFeatures f) throws IOException {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        f.writeSnapshot(Channels.newChannel(bytes));
        return bytes.toByteArray();
    }

    /** A snapshot's accounts by "tenant/account"; checks the header's count. */
    private static Map<String, ByteBuffer> accounts(final byte[] snapshot) {
        final ByteBuffer in = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
        final long count = in.getLong(24);
        assertEquals(32 + count * TransactionFeatures.SLOT_BYTES, snapshot.length);
        final Map<String, ByteBuffer> out = new TreeMap<>();
        for (long i = 0; i < count; i++) {
            final ByteBuffer slot = ByteBuffer.wrap(snapshot, (int)(32 + i * TransactionFeatures.SLOT_BYTES),
                TransactionFeatures.SLOT_BYTES).slice().order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(null, out.put(slot.getInt(TransactionFeatures.SLOT_BYTES - 8) + "/" +
                slot.getLong(TransactionFeatures.SLOT_BYTES - 16), slot));
        }
        return out;
    }

    /** Fails naming the first account whose state differs. */
    private static void assertSameAccounts(final Map<String, ByteBuffer> expected, final Map<String, ByteBuffer> actual) {
        assertEquals(expected.size(), actual.size(), "accounts");
        for (final Map.Entry<String, ByteBuffer> e : expected.entrySet()) {
            final ByteBuffer other = actual.get(e.getKey());
            assertTrue(other != null, "account " + e.getKey() + " missing");
            assertEquals(-1, e.getValue().mismatch(other), "account " + e.getKey() + ": first differing byte");
        }
    }

    /**
     * The feature vectors of a fixed stream (3,000 accounts, every 7th event 30 s late) hash to the value the
     * implementation before the segmented state produced (one direct buffer, one map keyed by account alone), on
     * tiny segments and partitions as on the default ones.
     */
    @Test
    void shouldComputeTheSameFeaturesAsTheSingleBufferImplementation() {
        for (final TransactionFeatures f : new TransactionFeatures[] {
            new TransactionFeatures(1), new TransactionFeatures(1, 8, 4), new TransactionFeatures(5000, 2, 1)}) {
            final SyntheticTransactions stream = new SyntheticTransactions(5, 3000, T, 20_000_000L, 0.01);
            final SyntheticTransaction tx = new SyntheticTransaction();
            final float[] out = new float[WIDTH];
            final CRC32 crc = new CRC32();
            final ByteBuffer b = ByteBuffer.allocate(4 * WIDTH);
            for (int i = 0; i < 200_000; i++) {
                stream.next(tx);
                final long t = i % 7 == 0 ? tx.eventTimeNs - 30 * SECOND_NS : tx.eventTimeNs;
                f.onTransaction(1, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel, t, out, 0);
                b.clear();
                for (final float v : out) {
                    b.putInt(Float.floatToRawIntBits(v));
                }
                crc.update(b.array());
            }
            assertEquals(3000, f.accounts());
            assertEquals("42ddba53", String.format("%08x", crc.getValue()), "vectors differ from the reference");
        }
    }

    @Test
    void shouldGrowAcrossManySegmentsWithoutChangingFeatures() {
        final TransactionFeatures tiny = new TransactionFeatures(1, 4, 2);
        final TransactionFeatures large = new TransactionFeatures(20_000);
        final SyntheticTransactions stream = new SyntheticTransactions(9, 10_000, T, 5_000_000L, 0.01);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] a = new float[WIDTH];
        final float[] b = new float[WIDTH];
        for (int i = 0; i < 100_000; i++) {
            stream.next(tx);
            feed(tiny, 3, tx, a);
            feed(large, 3, tx, b);
            assertArrayEquals(b, a, "event " + i);
        }
        assertEquals(large.accounts(), tiny.accounts());
        assertEquals((tiny.accounts() + 3) / 4, tiny.segments());
        assertTrue(tiny.accounts() > 9000, "accounts " + tiny.accounts());
    }

    @Test
    void shouldReportBytesPerAccount() {
        final TransactionFeatures f = new TransactionFeatures(1, 1024, 16);
        final float[] out = new float[WIDTH];
        for (int i = 0; i < 10_000; i++) {
            f.onTransaction(1, i, 1, 5411, 1000, 0, T + i, out, 0);
        }
        assertEquals(10, f.segments());
        assertEquals(10L * (1024 * TransactionFeatures.SLOT_BYTES + 64), f.capacityBytes()); // segments cache-line aligned
        // the index is at most 5/8 full, 16 bytes an entry
        assertTrue(f.indexBytes() >= 10_000 * 8 / 5 * 16, "index " + f.indexBytes());
        final double perAccount = f.bytesPerAccount();
        assertEquals((f.capacityBytes() + f.indexBytes()) / 10_000.0, perAccount, 1e-9);
        assertTrue(perAccount > TransactionFeatures.SLOT_BYTES && perAccount < 1.1 * TransactionFeatures.SLOT_BYTES + 64,
            "bytes per account " + perAccount);
    }

    @Test
    void shouldNeverShareStateBetweenTenantsWithTheSameAccount() {
        final TransactionFeatures both = new TransactionFeatures(16, 8, 4);
        final TransactionFeatures tenant1 = new TransactionFeatures(16);
        final TransactionFeatures tenant2 = new TransactionFeatures(16);
        final SyntheticTransactions stream = new SyntheticTransactions(3, 50, T, 200_000_000L, 0.02);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] mixed = new float[WIDTH];
        final float[] alone = new float[WIDTH];
        for (int i = 0; i < 20_000; i++) {
            stream.next(tx);
            final int tenant = (int)(i * 0x9E3779B9L >>> 7) % 3 == 0 ? 2 : 1; // same accounts in both tenants
            feed(both, tenant, tx, mixed);
            feed(tenant == 1 ? tenant1 : tenant2, tenant, tx, alone);
            assertArrayEquals(alone, mixed, "event " + i + " tenant " + tenant);
        }
        assertEquals(tenant1.accounts() + tenant2.accounts(), both.accounts());

        final TransactionFeatures f = new TransactionFeatures(4);
        final float[] out = new float[WIDTH];
        f.onTransaction(1, 77L, 1, 5411, 1000, 0, T, out, 0);
        f.onTransaction(1, 77L, 1, 5411, 1000, 0, T + SECOND_NS, out, 0);
        f.onTransaction(2, 77L, 1, 5411, 1000, 0, T + 2 * SECOND_NS, out, 0);
        assertEquals(TransactionFeatures.MAX_GAP_SECONDS, out[SECS_SINCE_PREV]); // tenant 2's first event
        assertEquals(0f, out[LOG_EVENTS]);
    }

    @Test
    void shouldRoundTripASnapshotOfSeveralTenants() throws IOException {
        final TransactionFeatures original = new TransactionFeatures(1, 16, 4);
        final SyntheticTransactions stream = new SyntheticTransactions(17, 800, T, 50_000_000L, 0.01);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] a = new float[WIDTH];
        for (int i = 0; i < 20_000; i++) {
            stream.next(tx);
            feed(original, i % 3, tx, a);
        }
        final TransactionFeatures restored = new TransactionFeatures(1, 64, 8);
        restored.onTransaction(5, 1L, 1, 1, 1, 0, T, a, 0); // replaced by the snapshot
        final byte[] bytes = snapshot(original);
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes)));
        assertEquals(original.accounts(), restored.accounts());
        assertSameAccounts(accounts(bytes), accounts(snapshot(restored)));
        final float[] b = new float[WIDTH];
        for (int i = 0; i < 20_000; i++) {
            stream.next(tx);
            feed(original, i % 3, tx, a);
            feed(restored, i % 3, tx, b);
            assertArrayEquals(a, b, "event " + i);
        }
    }

    /**
     * The image a version before the current slot layout wrote of the same state: format 3 (the {@link
     * TransactionFeatures.FormerLayout}: sketches after the header, then four arrays of counts and sums, the live masks
     * last), or format 2 (that layout, buckets the masks call stale zeroed, no masks).
     */
    private static byte[] toFormerFormat(final byte[] snapshot, final int format) {
        final byte[] former = snapshot.clone();
        final ByteBuffer in = ByteBuffer.wrap(snapshot).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer b = ByteBuffer.wrap(former).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4, in.getInt(4), "the current format");
        b.putInt(4, format);
        final long count = b.getLong(24);
        for (long n = 0; n < count; n++) {
            final int slot = (int)(32 + n * TransactionFeatures.SLOT_BYTES);
            for (int o = TransactionFeatures.LIVE_1M; o < TransactionFeatures.SLOT_BYTES - 16; o++) {
                b.put(slot + o, (byte)0);
            }
            for (int i = 0; i < 8; i++) { // the two sketches, 4 longs each, back to back in both layouts
                b.putLong(slot + TransactionFeatures.FormerLayout.SKETCH_PREV + i * 8,
                    in.getLong(slot + TransactionFeatures.LIVE_1H + 8 + i * 8));
            }
            final int[][] windows = {
                {TransactionFeatures.LIVE_1M, TransactionFeatures.BUCKETS_1M, TransactionFeatures.FormerLayout.LIVE_1M,
                    TransactionFeatures.FormerLayout.COUNTS_1M, TransactionFeatures.FormerLayout.SUMS_1M},
                {TransactionFeatures.LIVE_1H, TransactionFeatures.BUCKETS_1H, TransactionFeatures.FormerLayout.LIVE_1H,
                    TransactionFeatures.FormerLayout.COUNTS_1H, TransactionFeatures.FormerLayout.SUMS_1H}};
            for (final int[] w : windows) {
                final long live = in.getLong(slot + w[0]);
                for (int i = 0; i < TransactionFeatures.BUCKETS; i++) {
                    final int bucket = slot + w[1] + i * TransactionFeatures.BUCKET_BYTES;
                    if (format == 2 && (live & (1L << i)) == 0) {
                        continue; // zeroed
                    }
                    if ((live & (1L << i)) != 0) {
                        assertTrue(in.getInt(bucket) > 0, "a live bucket counts at least one event");
                    }
                    b.putInt(slot + w[3] + i * 4, in.getInt(bucket));
                    b.putLong(slot + w[4] + i * 8, in.getLong(bucket + TransactionFeatures.BUCKET_SUM));
                }
                if (format == 3) {
                    b.putLong(slot + w[2], live);
                }
            }
        }
        return former;
    }

    /**
     * Feeds the next 30,000 events of {@code stream} to {@code original} and, unless null, to {@code restored} (event i
     * to tenant {@code i % tenants}, or tenant 1 when {@code tenants} is 1), failing at the first event whose features
     * differ between the two.
     */
    private static void feedNext(final TransactionFeatures original, final TransactionFeatures restored,
        final SyntheticTransactions stream, final int tenants) {
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] expected = new float[WIDTH];
        final float[] actual = new float[WIDTH];
        for (int i = 0; i < 30_000; i++) {
            stream.next(tx);
            final int tenant = tenants == 1 ? 1 : i % tenants;
            feed(original, tenant, tx, expected);
            if (restored != null) {
                feed(restored, tenant, tx, actual);
                assertArrayEquals(expected, actual, "event " + i + " after the restore");
            }
        }
    }

    /**
     * A snapshot in the former slot layout (format 3) is read by moving its fields: the restored state is the
     * original's byte for byte, and continues exactly as the original does.
     */
    @Test
    void shouldContinueFromAFormatThreeSnapshotExactly() throws IOException {
        final SyntheticTransactions stream = new SyntheticTransactions(13, 400, T, 200_000_000L, 0.01);
        final TransactionFeatures original = new TransactionFeatures(16);
        feedNext(original, null, stream, 2);
        final byte[] v4 = snapshot(original);
        final byte[] v3 = toFormerFormat(v4, 3);
        final TransactionFeatures restored = new TransactionFeatures(1);
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(v3)));
        assertSameAccounts(accounts(v4), accounts(snapshot(restored)));
        feedNext(original, restored, stream, 2);
    }

    /**
     * A snapshot of the format before the windows' live masks (expired buckets zeroed, format 2) is read by deriving
     * the masks, and the state continues exactly as the original does.
     */
    @Test
    void shouldContinueFromAFormatTwoSnapshotExactly() throws IOException {
        final SyntheticTransactions stream = new SyntheticTransactions(9, 400, T, 200_000_000L, 0.01);
        final TransactionFeatures original = new TransactionFeatures(16);
        feedNext(original, null, stream, 1);
        final byte[] v4 = snapshot(original);
        final byte[] v2 = toFormerFormat(v4, 2);
        assertTrue(!java.util.Arrays.equals(toFormerFormat(v4, 3), toFormerFormat(v4, 2)),
            "the stream leaves stale buckets and masks to remove");
        final TransactionFeatures restored = new TransactionFeatures(1);
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(v2)));
        feedNext(original, restored, stream, 1);
    }

    @Test
    void shouldMaskTheBucketsThatExpireWrappingAroundTheWindow() {
        assertEquals(0b1110L, TransactionFeatures.expiringBuckets(1, 3));
        assertEquals(1L << 59, TransactionFeatures.expiringBuckets(59, 1));
        assertEquals((1L << 59) | 0b11L, TransactionFeatures.expiringBuckets(59, 3));
        assertEquals(((1L << 60) - 1) & ~1L, TransactionFeatures.expiringBuckets(1, 59));
        assertEquals(((1L << 60) - 1) & ~(1L << 30), TransactionFeatures.expiringBuckets(31, 59));
    }

    @Test
    void shouldRejectTheFormerSnapshotFormatClearly() {
        final ByteBuffer v1 = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        v1.putInt(0x56545846).putInt(1).putInt(TransactionFeatures.SLOT_BYTES).putInt(WIDTH)
            .putLong(TransactionFeatures.VERSION.hashCode()).putLong(0L);
        final IOException ex = assertThrows(IOException.class, () -> new TransactionFeatures(1)
            .readSnapshot(Channels.newChannel(new ByteArrayInputStream(v1.array()))));
        assertTrue(ex.getMessage().contains("format 1") && ex.getMessage().contains("journal"), ex.getMessage());
    }

    /**
     * A snapshot written by another thread while events keep changing (and adding) accounts equals the synchronous
     * snapshot taken at the same point, account by account; restored, it continues exactly like the original.
     */
    @Test
    void shouldWriteASnapshotFromAnotherThreadWhileEventsContinue() throws Exception {
        final TransactionFeatures f = new TransactionFeatures(1, 32, 8);
        final SyntheticTransactions stream = new SyntheticTransactions(23, 4000, T, 10_000_000L, 0.01);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final float[] out = new float[WIDTH];
        for (int i = 0; i < 30_000; i++) {
            stream.next(tx);
            feed(f, 1 + (int)(tx.accountId & 1), tx, out);
        }
        final byte[] expected = snapshot(f);
        final TransactionFeatures.Snapshot snapshot = f.beginSnapshot();
        assertEquals(f.accounts(), snapshot.accounts());
        final CountDownLatch eventsWentOn = new CountDownLatch(1);
        final ByteArrayOutputStream actual = new ByteArrayOutputStream();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread writer = new Thread(() -> {
            try (TransactionFeatures.Snapshot s = snapshot) {
                eventsWentOn.await();
                s.writeTo(Channels.newChannel(actual));
            } catch (final Throwable t) {
                failure.set(t);
            }
        }, "features-snapshot-writer");
        writer.start();
        final SyntheticTransactions next = new SyntheticTransactions(29, 5000, T + 3600 * SECOND_NS, 10_000_000L, 0.01);
        for (int i = 0; i < 50_000; i++) {
            if (i == 5_000) {
                eventsWentOn.countDown();
            }
            next.next(tx);
            feed(f, 1 + (int)(tx.accountId & 1), tx, out);
        }
        writer.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        final byte[] written = actual.toByteArray();
        assertSameAccounts(accounts(expected), accounts(written));

        final TransactionFeatures fromSync = new TransactionFeatures(1);
        fromSync.readSnapshot(Channels.newChannel(new ByteArrayInputStream(expected)));
        final TransactionFeatures fromConcurrent = new TransactionFeatures(1, 16, 2);
        fromConcurrent.readSnapshot(Channels.newChannel(new ByteArrayInputStream(written)));
        final float[] a = new float[WIDTH];
        final float[] b = new float[WIDTH];
        for (int i = 0; i < 20_000; i++) {
            stream.next(tx);
            feed(fromSync, 1 + (int)(tx.accountId & 1), tx, a);
            feed(fromConcurrent, 1 + (int)(tx.accountId & 1), tx, b);
            assertArrayEquals(a, b, "event " + i);
        }
        f.beginSnapshot().close(); // the first one is closed: a next one may begin
    }
}
