package io.vigil.scoring.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SyntheticTransactionsTest {
    private static final long START_NS = 1_767_225_600_000_000_000L;
    private static final long GAP_NS = 20_000_000L;

    @Test
    void shouldProduceTheSameStreamForTheSameSeed() {
        final SyntheticTransactions a = new SyntheticTransactions(99, 2000, START_NS, GAP_NS, 0.005);
        final SyntheticTransactions b = new SyntheticTransactions(99, 2000, START_NS, GAP_NS, 0.005);
        final SyntheticTransaction x = new SyntheticTransaction();
        final SyntheticTransaction y = new SyntheticTransaction();
        for (int i = 0; i < 100_000; i++) {
            a.next(x);
            b.next(y);
            assertEquals(x.toString(), y.toString(), "event " + i);
        }
    }

    @Test
    void shouldProduceDifferentStreamsForDifferentSeeds() {
        final SyntheticTransactions a = new SyntheticTransactions(1, 2000, START_NS, GAP_NS, 0.005);
        final SyntheticTransactions b = new SyntheticTransactions(2, 2000, START_NS, GAP_NS, 0.005);
        final SyntheticTransaction x = new SyntheticTransaction();
        final SyntheticTransaction y = new SyntheticTransaction();
        int same = 0;
        for (int i = 0; i < 1000; i++) {
            a.next(x);
            b.next(y);
            if (x.accountId == y.accountId && x.amountMinor == y.amountMinor) {
                same++;
            }
        }
        assertTrue(same < 10, "identical events: " + same);
    }

    @Test
    void shouldHitTheFraudRateAndPatternMixAndKeepTimeIncreasing() {
        final int events = 1_000_000;
        final double fraudRate = 0.005;
        final SyntheticTransactions stream = new SyntheticTransactions(42, 20_000, START_NS, GAP_NS, fraudRate);
        final SyntheticTransaction tx = new SyntheticTransaction();
        final long[] byPattern = new long[SyntheticTransaction.PATTERNS];
        long fraud = 0;
        long previousNs = START_NS;
        final Set<Long> accounts = new HashSet<>();
        for (int i = 0; i < events; i++) {
            stream.next(tx);
            assertTrue(tx.eventTimeNs > previousNs, "event time must increase");
            previousNs = tx.eventTimeNs;
            assertTrue(tx.amountMinor > 0);
            assertTrue(tx.channel >= 0 && tx.channel <= 3);
            assertEquals(3, tx.currency.length());
            assertEquals(2, tx.country.length());
            assertEquals(tx.fraud, tx.pattern != SyntheticTransaction.PATTERN_NONE);
            byPattern[tx.pattern]++;
            if (tx.fraud) {
                fraud++;
            }
            accounts.add(tx.accountId);
        }
        final double rate = (double)fraud / events;
        assertEquals(fraudRate, rate, fraudRate * 0.15, "fraud rate");
        final double meanGapNs = (double)(previousNs - START_NS) / events;
        assertEquals(GAP_NS, meanGapNs, GAP_NS * 0.02, "mean gap");
        assertTrue(accounts.size() > 15_000, "accounts seen: " + accounts.size());
        // events per pattern: starts 45/25/30 times mean lengths 13/1.5/7.5
        final double total = fraud;
        assertEquals(0.45 * 13 / 8.475, byPattern[SyntheticTransaction.PATTERN_CARD_TESTING] / total, 0.07);
        assertEquals(0.25 * 1.5 / 8.475, byPattern[SyntheticTransaction.PATTERN_AMOUNT_SPIKE] / total, 0.02);
        assertEquals(0.30 * 7.5 / 8.475, byPattern[SyntheticTransaction.PATTERN_MERCHANT_HOPPING] / total, 0.05);
    }

    @Test
    void shouldShapeCardTestingAsTinyFastOnlineAmounts() {
        final SyntheticTransactions stream = new SyntheticTransactions(5, 5000, START_NS, GAP_NS, 0.02);
        final SyntheticTransaction tx = new SyntheticTransaction();
        long cardTesting = 0;
        long online = 0;
        for (int i = 0; i < 200_000; i++) {
            stream.next(tx);
            if (tx.pattern == SyntheticTransaction.PATTERN_CARD_TESTING) {
                cardTesting++;
                assertTrue(tx.amountMinor <= 1500, "card-testing amount " + tx.amountMinor);
                if (tx.channel == 1 || tx.channel == 3) {
                    online++;
                }
            }
        }
        assertTrue(cardTesting > 1000);
        assertEquals(cardTesting, online);
    }

    @Test
    void shouldProduceNoFraudAtRateZero() {
        final SyntheticTransactions stream = new SyntheticTransactions(5, 1000, START_NS, GAP_NS, 0.0);
        final SyntheticTransaction tx = new SyntheticTransaction();
        for (int i = 0; i < 100_000; i++) {
            stream.next(tx);
            assertNotEquals(true, tx.fraud);
        }
    }

    @Test
    void shouldNotAllocatePerEvent() {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final SyntheticTransactions stream = new SyntheticTransactions(8, 20_000, START_NS, GAP_NS, 0.005);
        final SyntheticTransaction tx = new SyntheticTransaction();
        for (int i = 0; i < 300_000; i++) {
            stream.next(tx);
        }
        final long threadId = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int i = 0; i < 100_000; i++) {
            stream.next(tx);
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes in 100k events");
    }
}
