package io.vigil.scoring.features;

import static io.vigil.scoring.features.TransactionFeatures.AMOUNT_EWMA;
import static io.vigil.scoring.features.TransactionFeatures.AMOUNT_Z;
import static io.vigil.scoring.features.TransactionFeatures.CHANNEL;
import static io.vigil.scoring.features.TransactionFeatures.COUNT_1H;
import static io.vigil.scoring.features.TransactionFeatures.COUNT_1M;
import static io.vigil.scoring.features.TransactionFeatures.DISTINCT_MERCHANTS_24H;
import static io.vigil.scoring.features.TransactionFeatures.LOG_AMOUNT;
import static io.vigil.scoring.features.TransactionFeatures.LOG_EVENTS;
import static io.vigil.scoring.features.TransactionFeatures.LOG_SUM_1H;
import static io.vigil.scoring.features.TransactionFeatures.LOG_SUM_1M;
import static io.vigil.scoring.features.TransactionFeatures.NEW_MERCHANT;
import static io.vigil.scoring.features.TransactionFeatures.NEW_MERCHANT_RATE;
import static io.vigil.scoring.features.TransactionFeatures.SECS_SINCE_PREV;
import static io.vigil.scoring.features.TransactionFeatures.VELOCITY_Z;
import static io.vigil.scoring.features.TransactionFeatures.WIDTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.vigil.scoring.synthetic.SyntheticTransaction;
import io.vigil.scoring.synthetic.SyntheticTransactions;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransactionFeaturesTest {
    private static final long SECOND_NS = 1_000_000_000L;
    /** An hour-aligned (and half-day-aligned) event time. */
    private static final long T = 1_767_225_600L * SECOND_NS;
    private static final long ACCOUNT = 42L;
    private static final int TENANT = 1;

    private final TransactionFeatures features = new TransactionFeatures(16);
    private final float[] out = new float[WIDTH];

    private float[] event(final long accountId, final long amountMinor, final long eventTimeNs) {
        return event(accountId, 7L, amountMinor, eventTimeNs);
    }

    private float[] event(final long accountId, final long merchantId, final long amountMinor, final long eventTimeNs) {
        features.onTransaction(TENANT, accountId, merchantId, 5411, amountMinor, 1, eventTimeNs, out, 0);
        return out.clone();
    }

    @Test
    void shouldDescribeEveryFeature() {
        assertEquals(WIDTH, TransactionFeatures.NAMES.size());
        assertEquals("log_amount", TransactionFeatures.name(LOG_AMOUNT));
        assertEquals("new_merchant_rate", TransactionFeatures.name(WIDTH - 1));
    }

    @Test
    void shouldWriteAtOffsetAndLeaveTheRestAlone() {
        final float[] wide = new float[WIDTH + 10];
        java.util.Arrays.fill(wide, -7f);
        features.onTransaction(TENANT, ACCOUNT, 1, 5411, 1000, 2, T, wide, 5);
        assertEquals(-7f, wide[4]);
        assertEquals(-7f, wide[5 + WIDTH]);
        assertEquals((float)Math.log1p(10.0), wide[5 + LOG_AMOUNT]);
        assertEquals(2f, wide[5 + CHANNEL]);
    }

    @Test
    void shouldKeepEventJustInsideTheMinuteWindow() {
        event(ACCOUNT, 1000, T);
        final float[] f = event(ACCOUNT, 3000, T + 60 * SECOND_NS - 1);
        assertEquals(2f, f[COUNT_1M]);
        assertEquals((float)Math.log1p(40.0), f[LOG_SUM_1M]);
    }

    @Test
    void shouldEvictEventExactlyAtTheMinuteEdge() {
        event(ACCOUNT, 1000, T);
        final float[] f = event(ACCOUNT, 3000, T + 60 * SECOND_NS);
        assertEquals(1f, f[COUNT_1M]);
        assertEquals((float)Math.log1p(30.0), f[LOG_SUM_1M]);
        assertEquals(2f, f[COUNT_1H]);
        assertEquals((float)Math.log1p(40.0), f[LOG_SUM_1H]);
    }

    @Test
    void shouldKeepEventJustInsideTheHourWindowAndEvictAtTheEdge() {
        event(ACCOUNT, 1000, T);
        assertEquals(2f, event(ACCOUNT, 1000, T + 3600 * SECOND_NS - 1)[COUNT_1H]);
        event(ACCOUNT + 1, 1000, T);
        final float[] f = event(ACCOUNT + 1, 2000, T + 3600 * SECOND_NS);
        assertEquals(1f, f[COUNT_1H]);
        assertEquals((float)Math.log1p(20.0), f[LOG_SUM_1H]);
    }

    @Test
    void shouldEvictBucketByBucketInsideTheWindow() {
        for (int s = 0; s < 30; s++) {
            event(ACCOUNT, 100, T + s * SECOND_NS);
        }
        // at T+75 s the window holds buckets 16..75: events at 16..29 s plus this one
        final float[] f = event(ACCOUNT, 100, T + 75 * SECOND_NS);
        assertEquals(15f, f[COUNT_1M]);
        assertEquals((float)Math.log1p(15.0), f[LOG_SUM_1M]);
        assertEquals(31f, f[COUNT_1H]);
    }

    @Test
    void shouldResetWindowsWhenIdleAccountComesBackAfterHours() {
        for (int i = 0; i < 20; i++) {
            event(ACCOUNT, 500, T + i * SECOND_NS);
        }
        final float[] f = event(ACCOUNT, 2500, T + 19 * SECOND_NS + 5 * 3600 * SECOND_NS);
        assertEquals(1f, f[COUNT_1M]);
        assertEquals(1f, f[COUNT_1H]);
        assertEquals((float)Math.log1p(25.0), f[LOG_SUM_1M]);
        assertEquals((float)Math.log1p(25.0), f[LOG_SUM_1H]);
        assertEquals(5 * 3600f, f[SECS_SINCE_PREV]);
        assertEquals((float)Math.log1p(20), f[LOG_EVENTS]);
    }

    @Test
    void shouldComputeEwmaAndZScoreAsByHand() {
        final double x1 = Math.log1p(10.0);
        final double x2 = Math.log1p(20.0);
        final double x3 = Math.log1p(40.0);
        final float[] f1 = event(ACCOUNT, 1000, T);
        assertEquals((float)x1, f1[AMOUNT_EWMA]);
        assertEquals(0f, f1[AMOUNT_Z]);

        final float[] f2 = event(ACCOUNT, 2000, T + SECOND_NS);
        final double d2 = x2 - x1;
        assertEquals((float)x1, f2[AMOUNT_EWMA]);
        assertEquals((float)(d2 / 1.0), f2[AMOUNT_Z], 1e-6f); // initial variance 1
        final double mean2 = x1 + 0.1 * d2;
        final double var2 = 0.9 * (1.0 + 0.1 * d2 * d2);

        final float[] f3 = event(ACCOUNT, 4000, T + 2 * SECOND_NS);
        assertEquals((float)mean2, f3[AMOUNT_EWMA], 1e-6f);
        assertEquals((float)((x3 - mean2) / Math.sqrt(var2)), f3[AMOUNT_Z], 1e-6f);
    }

    @Test
    void shouldFloorTheAmountStdInTheZScore() {
        for (int i = 0; i < 300; i++) {
            event(ACCOUNT, 1000, T + i * 10 * SECOND_NS);
        }
        final long amount = Math.round(Math.expm1(Math.log1p(10.0) + 0.5) * 100);
        final float[] f = event(ACCOUNT, amount, T + 3001 * SECOND_NS);
        final double expectedZ = (Math.log1p(amount / 100.0) - Math.log1p(10.0)) / TransactionFeatures.AMOUNT_STD_FLOOR;
        assertEquals((float)expectedZ, f[AMOUNT_Z], 1e-3f);
        assertEquals(2.0f, f[AMOUNT_Z], 0.01f);
    }

    @Test
    void shouldGiveNegativeZScoreForSmallerAmounts() {
        for (int i = 0; i < 50; i++) {
            event(ACCOUNT, 5000, T + i * 10 * SECOND_NS);
        }
        assertTrue(event(ACCOUNT, 100, T + 600 * SECOND_NS)[AMOUNT_Z] < -5f);
    }

    @Test
    void shouldComputeVelocityZScoreAsByHand() {
        assertEquals(0f, event(ACCOUNT, 1000, T)[VELOCITY_Z]);
        // count_1m = 2 against mean 1, variance 0 -> std floored at 1
        assertEquals(1f, event(ACCOUNT, 1000, T + SECOND_NS)[VELOCITY_Z], 1e-6f);
        final double mean = 1 + TransactionFeatures.VELOCITY_ALPHA * 1;
        final double var = (1 - TransactionFeatures.VELOCITY_ALPHA) * (0 + TransactionFeatures.VELOCITY_ALPHA * 1 * 1);
        final double z = (3 - mean) / Math.max(Math.sqrt(var), 1.0);
        assertEquals((float)z, event(ACCOUNT, 1000, T + 2 * SECOND_NS)[VELOCITY_Z], 1e-6f);
    }

    @Test
    void shouldRaiseVelocityZScoreInABurst() {
        for (int i = 0; i < 40; i++) {
            event(ACCOUNT, 1000, T + i * 600 * SECOND_NS); // one every 10 minutes
        }
        float z = 0f;
        for (int i = 1; i <= 10; i++) {
            z = event(ACCOUNT, 200, T + 40 * 600 * SECOND_NS + i * 3 * SECOND_NS)[VELOCITY_Z];
        }
        assertTrue(z > 5f, "velocity z after a burst of 10: " + z);
    }

    @Test
    void shouldMeasureSecondsSincePreviousEvent() {
        assertEquals(TransactionFeatures.MAX_GAP_SECONDS, event(ACCOUNT, 1000, T)[SECS_SINCE_PREV]);
        assertEquals(2.5f, event(ACCOUNT, 1000, T + 2_500_000_000L)[SECS_SINCE_PREV]);
        assertEquals(0f, event(ACCOUNT, 1000, T + 2_500_000_000L)[SECS_SINCE_PREV]);
        assertEquals(TransactionFeatures.MAX_GAP_SECONDS, event(ACCOUNT, 1000, T + 3 * 86_400 * SECOND_NS)[SECS_SINCE_PREV]);
        assertEquals(TransactionFeatures.MAX_GAP_SECONDS, event(ACCOUNT + 1, 1000, T)[SECS_SINCE_PREV]);
    }

    @Test
    void shouldEstimateDistinctMerchantsWithinTolerance() {
        float[] f = null;
        for (int m = 0; m < 60; m++) {
            f = event(ACCOUNT, 10_000L + m * 7919L, 1000, T + m * SECOND_NS);
        }
        assertEquals(60f, f[DISTINCT_MERCHANTS_24H], 60f * 0.2f);
        for (int i = 0; i < 100; i++) {
            f = event(ACCOUNT + 1, 555L, 1000, T + i * SECOND_NS);
        }
        assertEquals(1f, f[DISTINCT_MERCHANTS_24H], 0.05f);
        assertEquals(0f, f[NEW_MERCHANT]);
    }

    @Test
    void shouldFlagNewMerchantsAndTrackTheirRate() {
        final float[] first = event(ACCOUNT, 1L, 1000, T);
        assertEquals(1f, first[NEW_MERCHANT]);
        assertEquals(1f, first[NEW_MERCHANT_RATE]);
        final float[] again = event(ACCOUNT, 1L, 1000, T + SECOND_NS);
        assertEquals(0f, again[NEW_MERCHANT]);
        assertEquals(0.7f, again[NEW_MERCHANT_RATE], 1e-6f);
    }

    @Test
    void shouldForgetMerchantsAfterTwoHalfDays() {
        for (int m = 0; m < 10; m++) {
            event(ACCOUNT, 100L + m, 1000, T + m * SECOND_NS);
        }
        // next half-day: the previous half is still counted
        final float[] nextHalf = event(ACCOUNT, 100L, 1000, T + TransactionFeatures.HALF_DAY_NS);
        assertEquals(0f, nextHalf[NEW_MERCHANT]);
        assertEquals(10f, nextHalf[DISTINCT_MERCHANTS_24H], 1.5f);
        // two half-days later only the current half's merchants remain
        final float[] later = event(ACCOUNT, 101L, 1000, T + 3 * TransactionFeatures.HALF_DAY_NS);
        assertEquals(1f, later[NEW_MERCHANT]);
        assertEquals(1f, later[DISTINCT_MERCHANTS_24H], 0.05f);
    }

    @Test
    void shouldAddLateEventToItsBucketWhileInsideTheWindow() {
        event(ACCOUNT, 1000, T + 120 * SECOND_NS);
        final float[] late = event(ACCOUNT, 2000, T + 100 * SECOND_NS);
        assertEquals(2f, late[COUNT_1M]);
        assertEquals((float)Math.log1p(30.0), late[LOG_SUM_1M]);
        assertEquals(0f, late[SECS_SINCE_PREV]);
        // the late event's bucket (100 s) leaves the window at 160 s
        assertEquals(3f, event(ACCOUNT, 1000, T + 159 * SECOND_NS)[COUNT_1M]);
        assertEquals(2f, event(ACCOUNT + 0, 1000, T + 160 * SECOND_NS)[COUNT_1M] - 1f);
    }

    @Test
    void shouldIgnoreTooLateEventInWindowsButStillUpdateEwma() {
        event(ACCOUNT, 1000, T + 120 * SECOND_NS);
        final float[] tooLate = event(ACCOUNT, 100_000, T + 30 * SECOND_NS);
        assertEquals(1f, tooLate[COUNT_1M]); // 90 s late: outside the minute
        assertEquals((float)Math.log1p(10.0), tooLate[LOG_SUM_1M]);
        assertEquals(2f, tooLate[COUNT_1H]); // but inside the hour
        assertEquals((float)Math.log1p(1010.0), tooLate[LOG_SUM_1H]);
        assertTrue(tooLate[AMOUNT_Z] > 3f);
        final float[] next = event(ACCOUNT, 1000, T + 121 * SECOND_NS);
        assertTrue(next[AMOUNT_EWMA] > (float)Math.log1p(10.0), "EWMA moved by the late event");
        assertEquals(1f, next[SECS_SINCE_PREV]); // measured from the account's latest time, not the late one
        assertEquals((float)Math.log1p(2), next[LOG_EVENTS]);
    }

    @Test
    void shouldRestoreSnapshotAndProduceIdenticalFeatures() throws IOException {
        final SyntheticTransactions stream = new SyntheticTransactions(11, 500, T, 50_000_000L, 0.01);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final TransactionFeatures original = new TransactionFeatures(64);
        final float[] a = new float[WIDTH];
        for (int i = 0; i < 20_000; i++) {
            stream.next(tx);
            original.onTransaction(TENANT, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel, tx.eventTimeNs, a, 0);
        }
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        original.writeSnapshot(Channels.newChannel(bytes));

        final TransactionFeatures restored = new TransactionFeatures(1);
        restored.onTransaction(TENANT, 999_999L, 1, 1, 1, 0, T, a, 0); // replaced by the snapshot
        restored.readSnapshot(Channels.newChannel(new ByteArrayInputStream(bytes.toByteArray())));
        assertEquals(original.accounts(), restored.accounts());

        final float[] b = new float[WIDTH];
        for (int i = 0; i < 20_000; i++) {
            stream.next(tx);
            original.onTransaction(TENANT, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel, tx.eventTimeNs, a, 0);
            restored.onTransaction(TENANT, tx.accountId, tx.merchantId, tx.mcc, tx.amountMinor, tx.channel, tx.eventTimeNs, b, 0);
            assertArrayEquals(a, b, "event " + i + " " + tx);
        }
    }

    @Test
    void shouldRejectCorruptSnapshot() {
        final byte[] junk = new byte[64];
        assertThrows(IOException.class,
            () -> features.readSnapshot(Channels.newChannel(new ByteArrayInputStream(junk))));
        assertThrows(IOException.class,
            () -> features.readSnapshot(Channels.newChannel(new ByteArrayInputStream(new byte[3]))));
    }

    @Test
    void shouldGrowBeyondExpectedAccountsWithoutChangingFeatures() {
        final TransactionFeatures small = new TransactionFeatures(1);
        final TransactionFeatures large = new TransactionFeatures(4096);
        final float[] a = new float[WIDTH];
        final float[] b = new float[WIDTH];
        for (int i = 0; i < 30_000; i++) {
            final long account = (i * 7919L) % 3000;
            final long timeNs = T + i * 100_000_000L;
            small.onTransaction(TENANT, account, i % 17, 5411, 100 + i % 1000, i & 3, timeNs, a, 0);
            large.onTransaction(TENANT, account, i % 17, 5411, 100 + i % 1000, i & 3, timeNs, b, 0);
            assertArrayEquals(b, a);
        }
        assertEquals(3000, small.accounts());
        assertTrue(small.capacityBytes() >= 3000L * TransactionFeatures.SLOT_BYTES);
    }

    @Test
    void shouldNotAllocateOnExistingAccounts() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final TransactionFeatures f = new TransactionFeatures(2048);
        final float[] row = new float[WIDTH];
        final long threadId = Thread.currentThread().getId();
        long timeNs = T;
        for (int round = 0; round < 3; round++) { // warm-up: creates the accounts, lets the JIT compile
            for (int i = 0; i < 100_000; i++) {
                timeNs += 3_000_000L;
                f.onTransaction(TENANT, i & 1023, i % 97, 5411, 100 + i % 5000, i & 3, timeNs, row, 0);
            }
        }
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 100_000; i++) {
            timeNs += 3_000_000L;
            f.onTransaction(TENANT, i & 1023, i % 97, 5411, 100 + i % 5000, i & 3, timeNs, row, 0);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes in 100k calls");
    }
}
