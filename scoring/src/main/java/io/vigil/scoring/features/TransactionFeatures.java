package io.vigil.scoring.features;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

import org.agrona.BufferUtil;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

import io.vigil.scoring.state.KeyedSlotTable;

/**
 * Per-account transaction features with the state kept off-heap, feature set {@link #VERSION}. An account is
 * a (tenant, account id) pair: two tenants with the same account id never share state.
 *
 * <p><b>State.</b> One {@link #SLOT_BYTES}-byte slot per account in a {@link KeyedSlotTable}: segments of native
 * memory added as accounts arrive and never copied, and an index partitioned over many small hash maps, so that a
 * new account never costs more than one small partition's rehash; no size cap but memory. The segments and index
 * capacity for {@code expectedAccounts} are allocated at construction.
 *
 * <p><b>Snapshots.</b> {@link #writeSnapshot} writes everything on the calling (owner) thread. {@link #beginSnapshot()}
 * instead fixes the state in O(accounts / 32) on the owner thread and returns a {@link Snapshot} that another thread
 * writes while the owner goes on ({@link KeyedSlotTable} explains the copy-on-write); both write the same format.
 *
 * <p><b>Thread safety:</b> not thread-safe; one thread (the shard's pipeline thread) owns an instance, except
 * that a {@link Snapshot} is written and closed by any one thread.
 * <b>Allocation:</b> {@link #onTransaction} allocates nothing in steady state. A new account allocates only native
 * memory, when its index partition grows (a table of 1/1024 of the index) or a segment is added (every 4096 accounts);
 * during a snapshot, one native block of the side log per 1024 accounts changed. Snapshots allocate (control
 * plane only).
 *
 * <h2>Feature vector (index order, {@link #WIDTH} floats)</h2>
 * Each vector describes the event in the light of the account's state before it, plus the event itself.
 * <ol start="0">
 * <li>{@code log_amount}: {@code ln(1 + amountMinor / 100)}.</li>
 * <li>{@code channel}: the {@code Channel} code (POS=0, ECOMMERCE=1, ATM=2, MOTO=3).</li>
 * <li>{@code count_1m}: events in the sliding 1-minute window, this one included.</li>
 * <li>{@code log_sum_1m}: {@code ln(1 + sum / 100)} of the amounts (minor units) in the 1-minute window.</li>
 * <li>{@code count_1h}: events in the sliding 1-hour window, this one included.</li>
 * <li>{@code log_sum_1h}: {@code ln(1 + sum / 100)} of the amounts in the 1-hour window.</li>
 * <li>{@code amount_ewma}: the EWMA of {@code log_amount} before this event (the account's typical
 *     amount, log scale); for the first event, the event's own {@code log_amount}.</li>
 * <li>{@code amount_z}: {@code (log_amount - ewma) / max(sqrt(ewmv), AMOUNT_STD_FLOOR)} against the
 *     EWMA/EWMV before the update; 0 for the first event.</li>
 * <li>{@code secs_since_prev}: seconds since the account's latest earlier event time, in
 *     {@code [0, MAX_GAP_SECONDS]}; {@code MAX_GAP_SECONDS} (one day) for the first event and
 *     for longer gaps; 0 for a late event.</li>
 * <li>{@code distinct_merchants_24h}: approximate distinct merchants over the current and the previous
 *     12-hour half-day (so between 12 and 24 hours of history), this event's merchant included; linear
 *     counting over a 256-bit bitmap per half.</li>
 * <li>{@code new_merchant}: 1 if this event's merchant bit was not set in either half before the
 *     event (a merchant not seen in 12-24 hours, up to hash collisions), else 0.</li>
 * <li>{@code velocity_z}: {@code (count_1m - ewma) / max(sqrt(ewmv), VELOCITY_STD_FLOOR)} where the
 *     EWMA/EWMV track {@code count_1m} as seen by the account's earlier events (before the update);
 *     0 for the first event.</li>
 * <li>{@code log_events}: {@code ln(1 + n)} where n is the number of earlier events of the account
 *     (how much history stands behind the statistics).</li>
 * <li>{@code new_merchant_rate}: EWMA of {@code new_merchant} (smoothing {@code NEW_MERCHANT_ALPHA}),
 *     this event included; starts at 1 with the first event.</li>
 * </ol>
 *
 * <p>EWMA/EWMV update, per event, with smoothing {@code a} and deviation {@code d = x - mean} clipped to
 * {@code ±UPDATE_CLIP_STDS · std}: {@code mean += a·d; var = (1 - a)·(var + a·d²)}.
 *
 * <h2>Window semantics</h2>
 * Both windows are rings of 60 buckets: 1-second buckets for the minute, 1-minute buckets for the hour.
 * A bucket's index is {@code floorDiv(eventTimeNs, bucketNs)}. For an account whose latest event falls in
 * bucket {@code B}, the window holds the buckets {@code B-59 .. B}: an earlier event at {@code t0} is still
 * counted by an event at {@code t} iff {@code floorDiv(t, bucketNs) - floorDiv(t0, bucketNs) < 60}. So an
 * event exactly 60 s (3600 s) after a bucket-aligned event no longer sees it, one at 59.999 s does; in
 * general an event stays in the window between 59 and 60 bucket lengths.
 *
 * <h2>Late (out-of-order) events</h2>
 * The account's clock is the latest event time seen for it. A late event (earlier than that clock) is
 * added to its bucket when that bucket is still inside the window, and is ignored by the window otherwise;
 * the window features it reports are the window totals at the account's clock. The EWMAs are updated as
 * for any event (in arrival order), its seconds-since-previous is 0, and it marks its merchant in the
 * half-day sketch it falls in when that half is the current or previous one.
 */
public final class TransactionFeatures {
    /** Version of the feature set: bump when a definition, the order or the width changes. */
    public static final String VERSION = "txf-1";

    public static final int LOG_AMOUNT = 0;
    public static final int CHANNEL = 1;
    public static final int COUNT_1M = 2;
    public static final int LOG_SUM_1M = 3;
    public static final int COUNT_1H = 4;
    public static final int LOG_SUM_1H = 5;
    public static final int AMOUNT_EWMA = 6;
    public static final int AMOUNT_Z = 7;
    public static final int SECS_SINCE_PREV = 8;
    public static final int DISTINCT_MERCHANTS_24H = 9;
    public static final int NEW_MERCHANT = 10;
    public static final int VELOCITY_Z = 11;
    public static final int LOG_EVENTS = 12;
    public static final int NEW_MERCHANT_RATE = 13;

    /** Number of features. */
    public static final int WIDTH = 14;

    /** Feature names in index order. */
    public static final List<String> NAMES = List.of(
        "log_amount", "channel", "count_1m", "log_sum_1m", "count_1h", "log_sum_1h", "amount_ewma",
        "amount_z", "secs_since_prev", "distinct_merchants_24h", "new_merchant", "velocity_z", "log_events",
        "new_merchant_rate");

    /** Smoothing factor of the amount EWMA/EWMV (per event). */
    public static final double AMOUNT_ALPHA = 0.1;
    /** Initial variance of log amount after an account's first event (std 1: a factor e). */
    public static final double AMOUNT_INITIAL_VARIANCE = 1.0;
    /** Floor of the amount std (log scale) in the z-score. */
    public static final double AMOUNT_STD_FLOOR = 0.25;
    /** Smoothing factor of the velocity (count_1m) EWMA/EWMV (per event). */
    public static final double VELOCITY_ALPHA = 0.02;
    /** Floor of the velocity std (events per minute) in the z-score. */
    public static final double VELOCITY_STD_FLOOR = 1.0;
    /**
     * The EWMA/EWMV updates use the deviation clipped to this many (floored) stds, so that the outliers the
     * z-scores detect (a spike, a burst) do not inflate the variance they are judged against.
     */
    public static final double UPDATE_CLIP_STDS = 3.0;
    /** Smoothing factor of the new-merchant rate (per event). */
    public static final double NEW_MERCHANT_ALPHA = 0.3;
    /** Cap of {@code secs_since_prev}, also its value for an account's first event: one day. */
    public static final float MAX_GAP_SECONDS = 86_400f;

    public static final long MINUTE_BUCKET_NS = 1_000_000_000L;
    public static final long HOUR_BUCKET_NS = 60_000_000_000L;
    public static final int BUCKETS = 60;
    public static final long HALF_DAY_NS = 12L * 3600 * 1_000_000_000L;
    /** Bits of the merchant bitmap of one half-day. */
    public static final int SKETCH_BITS = 256;
    private static final int SKETCH_LONGS = SKETCH_BITS / 64;

    // Slot layout (bytes from the slot's start); the table's trailer (account, tenant) ends it.
    private static final int LAST_TIME = 0;
    private static final int EVENTS = LAST_TIME + 8;
    private static final int AMOUNT_MEAN = LAST_TIME + 16;
    private static final int AMOUNT_VAR = LAST_TIME + 24;
    private static final int VELOCITY_MEAN = LAST_TIME + 32;
    private static final int VELOCITY_VAR = LAST_TIME + 40;
    private static final int HEAD_1M = LAST_TIME + 48;
    private static final int HEAD_1H = LAST_TIME + 56;
    private static final int TOTAL_COUNT_1M = LAST_TIME + 64;
    private static final int TOTAL_SUM_1M = LAST_TIME + 72;
    private static final int TOTAL_COUNT_1H = LAST_TIME + 80;
    private static final int TOTAL_SUM_1H = LAST_TIME + 88;
    private static final int NEW_MERCHANT_EWMA = LAST_TIME + 96;
    private static final int HALF_INDEX = LAST_TIME + 104;
    // which buckets of each window hold data of the window (bit i: bucket i); the others are stale and read as empty,
    // so an expired window is cleared by clearing its mask, not its 720 bytes
    static final int LIVE_1M = LAST_TIME + 112;
    static final int LIVE_1H = LAST_TIME + 120;
    // the two cache lines above are read and written by every event; the sketch is the third
    private static final int SKETCH_PREV = LAST_TIME + 128;
    private static final int SKETCH_CUR = SKETCH_PREV + SKETCH_LONGS * 8;
    /**
     * Each window's buckets: bucket i at {@code i * BUCKET_BYTES}, its count (int32) then its sum (int64) side by
     * side, so that an event touches one cache line per window (two for 2 buckets in 16, which straddle one).
     */
    static final int BUCKETS_1M = SKETCH_CUR + SKETCH_LONGS * 8;
    static final int BUCKETS_1H = BUCKETS_1M + BUCKETS * 12;
    static final int BUCKET_BYTES = 12;
    /** Offset of a bucket's sum within it. */
    static final int BUCKET_SUM = 4;
    /** Bytes of state per account (a slot, the table's trailer included). */
    public static final int SLOT_BYTES = (BUCKETS_1H + BUCKETS * BUCKET_BYTES + KeyedSlotTable.TRAILER_BYTES + 63) & ~63;
    private static final long ALL_BUCKETS = (1L << BUCKETS) - 1;
    /**
     * The linear-counting estimate {@code -SKETCH_BITS * ln(zeros / SKETCH_BITS)} for each count of clear bits, the
     * same expression evaluated once per count; 0 clear bits (saturated) reads as 1, a lower bound.
     */
    private static final double[] DISTINCT_ESTIMATE = new double[SKETCH_BITS + 1];

    static {
        for (int zeros = 1; zeros <= SKETCH_BITS; zeros++) {
            DISTINCT_ESTIMATE[zeros] = -SKETCH_BITS * Math.log((double)zeros / SKETCH_BITS);
        }
        DISTINCT_ESTIMATE[0] = DISTINCT_ESTIMATE[1];
    }

    private static final int SNAPSHOT_MAGIC = 0x56545846; // "VTXF"
    /**
     * Format 4: slots keyed by (tenant, account), in the {@link KeyedSlotTable} record layout, in the slot layout
     * above (each bucket's count and sum side by side, the live masks next to the totals). Format 3 had the same
     * fields in another layout ({@link FormerLayout}): it is read by moving them. Format 2 had that layout and no masks
     * (expired buckets were zeroed): it is read by moving the fields and deriving the masks.
     */
    private static final int SNAPSHOT_FORMAT = 4;
    private static final int HEADER_BYTES = 32;

    private final KeyedSlotTable table;
    private final BucketCache seconds = new BucketCache(MINUTE_BUCKET_NS);
    private final BucketCache minutes = new BucketCache(HOUR_BUCKET_NS);
    private final BucketCache halfDays = new BucketCache(HALF_DAY_NS);
    private long lastSlot = KeyedSlotTable.MISSING;

    /**
     * @param expectedAccounts accounts to allocate state and index capacity for at once (they grow beyond it).
     */
    public TransactionFeatures(final int expectedAccounts) {
        this(expectedAccounts, KeyedSlotTable.DEFAULT_SLOTS_PER_SEGMENT, KeyedSlotTable.DEFAULT_PARTITIONS);
    }

    /** With a given segment size and index partition count (tests use small ones). */
    TransactionFeatures(final int expectedAccounts, final int slotsPerSegment, final int partitions) {
        if (expectedAccounts < 1) {
            throw new IllegalArgumentException("expectedAccounts must be positive: " + expectedAccounts);
        }
        table = new KeyedSlotTable(SLOT_BYTES, expectedAccounts, slotsPerSegment, partitions);
    }

    /** @return the name of feature {@code i}. */
    public static String name(final int i) {
        return NAMES.get(i);
    }

    /**
     * The state slot of the account of the last {@link #onTransaction}: slots are numbered densely in the order
     * accounts first appear, as a {@link SingleWriterFeatureTable} numbers its keys, so it is the slot hint of
     * {@link SingleWriterFeatureTable#publish(int, long, long, float[], int, long, long)}. Owner thread.
     */
    public long lastSlot() {
        return lastSlot;
    }

    /** @return accounts with state ((tenant, account) pairs). */
    public long accounts() {
        return table.size();
    }

    /** @return bytes of off-heap state currently reserved (whole segments). */
    public long capacityBytes() {
        return table.stateBytes();
    }

    /** @return bytes of heap held by the account index. */
    public long indexBytes() {
        return table.indexBytes();
    }

    /** @return reserved state and index bytes per account with state (all of them when there is none). */
    public double bytesPerAccount() {
        return (double)(table.stateBytes() + table.indexBytes()) / Math.max(1L, table.size());
    }

    /** @return off-heap segments allocated. */
    public int segments() {
        return table.segments();
    }

    /**
     * Computes the features of one event and updates the account's state.
     *
     * @param tenantId  the tenant the account belongs to.
     * @param accountId the account, within the tenant.
     * @param out       receives {@link #WIDTH} floats at {@code outOffset}.
     */
    public void onTransaction(
        final int tenantId,
        final long accountId,
        final long merchantId,
        final int mcc,
        final long amountMinor,
        final int channel,
        final long eventTimeNs,
        final float[] out,
        final int outOffset) {
        final KeyedSlotTable t = table;
        long slot = t.find(tenantId, accountId);
        lastSlot = slot;
        final boolean first = slot == KeyedSlotTable.MISSING;
        if (first) {
            slot = t.add(tenantId, accountId);
            lastSlot = slot;
        } else {
            t.beforeUpdate(slot);
        }
        // the slot's address: every offset below is a constant inside the slot, so no bounds check is needed
        final long a = t.address(slot);
        final double logAmount = Math.log1p(Math.max(0L, amountMinor) / 100.0);
        final long amount = Math.max(0L, amountMinor);

        final float secsSincePrev;
        if (first) {
            secsSincePrev = MAX_GAP_SECONDS;
            UnsafeApi.putLong(a + LAST_TIME, eventTimeNs);
            UnsafeApi.putLong(a + HEAD_1M, seconds.bucket(eventTimeNs));
            UnsafeApi.putLong(a + HEAD_1H, minutes.bucket(eventTimeNs));
            UnsafeApi.putLong(a + HALF_INDEX, halfDays.bucket(eventTimeNs));
        } else {
            final long last = UnsafeApi.getLong(a + LAST_TIME);
            final long gapNs = eventTimeNs - last;
            if (gapNs <= 0) {
                secsSincePrev = 0f;
            } else {
                secsSincePrev = (float)Math.min(MAX_GAP_SECONDS, gapNs / 1e9);
                UnsafeApi.putLong(a + LAST_TIME, eventTimeNs);
            }
        }

        final long second = seconds.bucket(eventTimeNs);
        addToWindow(a, HEAD_1M, TOTAL_COUNT_1M, TOTAL_SUM_1M, BUCKETS_1M, LIVE_1M, second, seconds.slot(), amount);
        final long minute = minutes.bucket(eventTimeNs);
        addToWindow(a, HEAD_1H, TOTAL_COUNT_1H, TOTAL_SUM_1H, BUCKETS_1H, LIVE_1H, minute, minutes.slot(), amount);
        final long count1m = UnsafeApi.getLong(a + TOTAL_COUNT_1M);

        final boolean newMerchant = markMerchant(a, merchantId, halfDays.bucket(eventTimeNs));
        final double distinct = distinctMerchants(a);

        final long events = UnsafeApi.getLong(a + EVENTS);
        final double amountMean;
        final double amountZ;
        final double velocityZ;
        if (first) {
            amountMean = logAmount;
            amountZ = 0.0;
            velocityZ = 0.0;
            UnsafeApi.putDouble(a + AMOUNT_MEAN, logAmount);
            UnsafeApi.putDouble(a + AMOUNT_VAR, AMOUNT_INITIAL_VARIANCE);
            UnsafeApi.putDouble(a + VELOCITY_MEAN, count1m);
            UnsafeApi.putDouble(a + VELOCITY_VAR, 0.0);
        } else {
            amountMean = UnsafeApi.getDouble(a + AMOUNT_MEAN);
            final double amountVar = UnsafeApi.getDouble(a + AMOUNT_VAR);
            final double amountStd = Math.max(Math.sqrt(amountVar), AMOUNT_STD_FLOOR);
            amountZ = (logAmount - amountMean) / amountStd;
            final double d = clip(logAmount - amountMean, UPDATE_CLIP_STDS * amountStd);
            UnsafeApi.putDouble(a + AMOUNT_MEAN, amountMean + AMOUNT_ALPHA * d);
            UnsafeApi.putDouble(a + AMOUNT_VAR, (1.0 - AMOUNT_ALPHA) * (amountVar + AMOUNT_ALPHA * d * d));

            final double velocityMean = UnsafeApi.getDouble(a + VELOCITY_MEAN);
            final double velocityVar = UnsafeApi.getDouble(a + VELOCITY_VAR);
            final double velocityStd = Math.max(Math.sqrt(velocityVar), VELOCITY_STD_FLOOR);
            velocityZ = (count1m - velocityMean) / velocityStd;
            final double dv = clip(count1m - velocityMean, UPDATE_CLIP_STDS * velocityStd);
            UnsafeApi.putDouble(a + VELOCITY_MEAN, velocityMean + VELOCITY_ALPHA * dv);
            UnsafeApi.putDouble(a + VELOCITY_VAR, (1.0 - VELOCITY_ALPHA) * (velocityVar + VELOCITY_ALPHA * dv * dv));
        }
        UnsafeApi.putLong(a + EVENTS, events + 1);
        final double newMerchantFlag = newMerchant ? 1.0 : 0.0;
        final double newMerchantRate = first ? newMerchantFlag :
            UnsafeApi.getDouble(a + NEW_MERCHANT_EWMA) + NEW_MERCHANT_ALPHA * (newMerchantFlag - UnsafeApi.getDouble(a + NEW_MERCHANT_EWMA));
        UnsafeApi.putDouble(a + NEW_MERCHANT_EWMA, newMerchantRate);

        out[outOffset + LOG_AMOUNT] = (float)logAmount;
        out[outOffset + CHANNEL] = channel;
        out[outOffset + COUNT_1M] = count1m;
        out[outOffset + LOG_SUM_1M] = FloatLog.log1p(UnsafeApi.getLong(a + TOTAL_SUM_1M) / 100.0);
        out[outOffset + COUNT_1H] = UnsafeApi.getLong(a + TOTAL_COUNT_1H);
        out[outOffset + LOG_SUM_1H] = FloatLog.log1p(UnsafeApi.getLong(a + TOTAL_SUM_1H) / 100.0);
        out[outOffset + AMOUNT_EWMA] = (float)amountMean;
        out[outOffset + AMOUNT_Z] = (float)amountZ;
        out[outOffset + SECS_SINCE_PREV] = secsSincePrev;
        out[outOffset + DISTINCT_MERCHANTS_24H] = (float)distinct;
        out[outOffset + NEW_MERCHANT] = newMerchant ? 1f : 0f;
        out[outOffset + VELOCITY_Z] = (float)velocityZ;
        out[outOffset + LOG_EVENTS] = FloatLog.log1p(events);
        out[outOffset + NEW_MERCHANT_RATE] = (float)newMerchantRate;
        Reference.reachabilityFence(this); // the native memory lives as long as this
    }

    /**
     * {@code floorDiv(t, size)} and its slot {@code floorMod(bucket, BUCKETS)} for the latest time asked, kept while
     * the next times fall in the same bucket: consecutive events mostly share their second, minute and half-day, so
     * the divisions run about once per bucket instead of per event. Same results as dividing every time. Owner
     * thread only.
     */
    static final class BucketCache {
        private final long size;
        private long start = 1;
        private long end = 0;
        private long bucket;
        private int slot;

        BucketCache(final long size) {
            this.size = size;
        }

        long bucket(final long t) {
            if (t < start || t >= end) {
                bucket = Math.floorDiv(t, size);
                slot = (int)Math.floorMod(bucket, (long)BUCKETS);
                final long first = bucket * size;
                if (Math.multiplyHigh(bucket, size) != first >> 63) {
                    start = 1; // the bucket's start overflows (a time near the end of the long range): cache nothing
                    end = 0;
                } else {
                    start = first;
                    end = first > Long.MAX_VALUE - size ? Long.MAX_VALUE : first + size;
                }
            }
            return bucket;
        }

        /** The slot of the bucket the last {@link #bucket} call returned. */
        int slot() {
            return slot;
        }
    }

    private static double clip(final double value, final double limit) {
        return value > limit ? limit : value < -limit ? -limit : value;
    }

    /**
     * Adds one event to a window of {@link #BUCKETS} buckets. A bucket whose bit in the live mask is clear is empty
     * whatever its bytes hold: expiring buckets only clears bits (and takes their counts off the totals), and the
     * first event in a bucket writes it rather than adding to it. Same results as zeroing expired buckets, without
     * touching their memory.
     */
    private static void addToWindow(
        final long a,
        final int headOffset,
        final int totalCountOffset,
        final int totalSumOffset,
        final int bucketsOffset,
        final int liveOffset,
        final long bucket,
        final int slot,
        final long amount) {
        final long head = UnsafeApi.getLong(a + headOffset);
        long totalCount = UnsafeApi.getLong(a + totalCountOffset);
        long totalSum = UnsafeApi.getLong(a + totalSumOffset);
        long live = UnsafeApi.getLong(a + liveOffset);
        if (bucket > head) {
            final long advance = bucket - head;
            if (advance >= BUCKETS) {
                live = 0L;
                totalCount = 0;
                totalSum = 0;
            } else {
                final long expiring = live & expiringBuckets((int)Math.floorMod(head + 1, (long)BUCKETS), (int)advance);
                long m = expiring;
                while (m != 0) {
                    final long b = a + bucketsOffset + Long.numberOfTrailingZeros(m) * BUCKET_BYTES;
                    totalCount -= UnsafeApi.getInt(b);
                    totalSum -= UnsafeApi.getLong(b + BUCKET_SUM);
                    m &= m - 1;
                }
                live &= ~expiring;
            }
            UnsafeApi.putLong(a + headOffset, bucket);
        } else if (head - bucket >= BUCKETS) {
            return; // too late for this window
        }
        final long bit = 1L << slot;
        final long b = a + bucketsOffset + slot * BUCKET_BYTES;
        if ((live & bit) != 0) {
            UnsafeApi.putInt(b, UnsafeApi.getInt(b) + 1);
            UnsafeApi.putLong(b + BUCKET_SUM, UnsafeApi.getLong(b + BUCKET_SUM) + amount);
        } else {
            UnsafeApi.putInt(b, 1);
            UnsafeApi.putLong(b + BUCKET_SUM, amount);
            live |= bit;
        }
        UnsafeApi.putLong(a + liveOffset, live);
        UnsafeApi.putLong(a + totalCountOffset, totalCount + 1);
        UnsafeApi.putLong(a + totalSumOffset, totalSum + amount);
    }

    /** The mask of {@code count} (1..BUCKETS-1) consecutive buckets from {@code first}, wrapping at BUCKETS. */
    static long expiringBuckets(final int first, final int count) {
        final int end = first + count;
        if (end <= BUCKETS) {
            return ((1L << count) - 1) << first;
        }
        return (ALL_BUCKETS & (-1L << first)) | ((1L << (end - BUCKETS)) - 1);
    }

    /** @return true if the merchant's bit was set in neither half before. */
    private static boolean markMerchant(
        final long a, final long merchantId, final long half) {
        final long current = UnsafeApi.getLong(a + HALF_INDEX);
        if (half > current) {
            final boolean keepCurrentAsPrevious = half == current + 1;
            for (int i = 0; i < SKETCH_LONGS; i++) {
                final long cur = UnsafeApi.getLong(a + SKETCH_CUR + i * 8);
                UnsafeApi.putLong(a + SKETCH_PREV + i * 8, keepCurrentAsPrevious ? cur : 0L);
                UnsafeApi.putLong(a + SKETCH_CUR + i * 8, 0L);
            }
            UnsafeApi.putLong(a + HALF_INDEX, half);
        }
        final int bit = (int)(mix(merchantId) >>> 56); // 0..255
        final int word = (bit >>> 6) * 8;
        final long mask = 1L << (bit & 63);
        final long cur = UnsafeApi.getLong(a + SKETCH_CUR + word);
        final long prev = UnsafeApi.getLong(a + SKETCH_PREV + word);
        final boolean seen = ((cur | prev) & mask) != 0;
        if (half >= current) {
            UnsafeApi.putLong(a + SKETCH_CUR + word, cur | mask);
        } else if (half == current - 1) {
            UnsafeApi.putLong(a + SKETCH_PREV + word, prev | mask);
        }
        return !seen;
    }

    private static double distinctMerchants(final long a) {
        int zeros = 0;
        for (int i = 0; i < SKETCH_LONGS; i++) {
            zeros += Long.bitCount(~(UnsafeApi.getLong(a + SKETCH_CUR + i * 8) | UnsafeApi.getLong(a + SKETCH_PREV + i * 8)));
        }
        return DISTINCT_ESTIMATE[zeros];
    }

    /** The finaliser of MurmurHash3's 64-bit hash (public-domain constants). */
    static long mix(final long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * Writes every account's state to {@code channel} on this (the owner) thread: a header (magic, format, slot
     * size, width, feature-set version hash, account count), then per account its slot, which ends with the
     * account id and the tenant ({@link KeyedSlotTable} record layout). Allocates; control plane only.
     */
    public void writeSnapshot(final WritableByteChannel channel) throws IOException {
        writeFully(channel, header(table.size()));
        table.writeSlots(channel);
    }

    private static ByteBuffer header(final long accounts) {
        final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(SNAPSHOT_MAGIC).putInt(SNAPSHOT_FORMAT).putInt(SLOT_BYTES).putInt(WIDTH)
            .putLong(VERSION.hashCode()).putLong(accounts).flip();
        return header;
    }

    /**
     * Fixes the state of every account as it is now, for a {@link Snapshot#writeTo} on another thread while this
     * thread goes on. Owner thread; costs O(accounts / 32) (the copy-on-write states). Close the snapshot before
     * beginning the next one.
     *
     * @throws IllegalStateException if the previous snapshot is still open.
     */
    public Snapshot beginSnapshot() {
        return new Snapshot(table.beginSnapshot());
    }

    /**
     * Replaces all state with a snapshot written by {@link #writeSnapshot} or {@link Snapshot#writeTo}. Allocates;
     * control plane only; not while a snapshot is open.
     *
     * @throws IOException if the stream ends early, or the snapshot is of another format (format 1, keyed by
     *                     account alone, is rejected: rebuild that state from the journal) or feature set.
     */
    public void readSnapshot(final ReadableByteChannel channel) throws IOException {
        final ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, header);
        header.flip();
        final int magic = header.getInt();
        final int format = header.getInt();
        final int slotBytes = header.getInt();
        final int width = header.getInt();
        final long versionHash = header.getLong();
        final long count = header.getLong();
        if (magic != SNAPSHOT_MAGIC) {
            throw new IOException("not a TransactionFeatures snapshot");
        }
        if (format == 1) {
            throw new IOException("TransactionFeatures snapshot format 1 keys state by account alone; this version " +
                "reads format " + SNAPSHOT_FORMAT + " (keyed by tenant and account): rebuild the state from the journal");
        }
        if (format < 2 || format > SNAPSHOT_FORMAT) {
            throw new IOException("TransactionFeatures snapshot format " + format + ", this version reads 2 to " +
                SNAPSHOT_FORMAT);
        }
        if (slotBytes != SLOT_BYTES || width != WIDTH || versionHash != VERSION.hashCode()) {
            throw new IOException("snapshot is of another feature set than " + VERSION);
        }
        if (count < 0) {
            throw new IOException("snapshot account count out of range: " + count);
        }
        table.clear();
        table.readSlots(channel, count);
        if (format < SNAPSHOT_FORMAT) {
            final UnsafeBuffer former = new UnsafeBuffer(new byte[KeyedSlotTable.keyOffset(SLOT_BYTES)]);
            final KeyedSlotTable t = table;
            for (long slot = 0, n = t.size(); slot < n; slot++) {
                final long a = t.address(slot);
                FormerLayout.moveToCurrent(a, former);
                if (format == 2) {
                    UnsafeApi.putLong(a + LIVE_1M, nonZeroCounts(a + BUCKETS_1M));
                    UnsafeApi.putLong(a + LIVE_1H, nonZeroCounts(a + BUCKETS_1H));
                }
            }
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The slot layout of snapshot formats 2 and 3 (slots of the same size, the same fields up to {@code HALF_INDEX},
     * then the two sketches, the windows' counts and sums in four arrays, and the live masks last).
     */
    static final class FormerLayout {
        static final int SKETCH_PREV = 112;
        static final int SKETCH_CUR = SKETCH_PREV + SKETCH_LONGS * 8;
        static final int COUNTS_1M = SKETCH_CUR + SKETCH_LONGS * 8;
        static final int SUMS_1M = COUNTS_1M + BUCKETS * 4;
        static final int COUNTS_1H = SUMS_1M + BUCKETS * 8;
        static final int SUMS_1H = COUNTS_1H + BUCKETS * 4;
        static final int LIVE_1M = SUMS_1H + BUCKETS * 8;
        static final int LIVE_1H = LIVE_1M + 8;

        private FormerLayout() {
        }

        /** Rewrites the slot at {@code a}, in the former layout, in the current one; its trailer stays. */
        static void moveToCurrent(final long a, final UnsafeBuffer scratch) {
            final int length = scratch.capacity();
            UnsafeApi.copyMemory(null, a, scratch.byteArray(), BufferUtil.ARRAY_BASE_OFFSET, length);
            UnsafeApi.setMemory(a + TransactionFeatures.LIVE_1M, length - TransactionFeatures.LIVE_1M, (byte)0);
            UnsafeApi.putLong(a + TransactionFeatures.LIVE_1M, scratch.getLong(LIVE_1M));
            UnsafeApi.putLong(a + TransactionFeatures.LIVE_1H, scratch.getLong(LIVE_1H));
            for (int i = 0; i < SKETCH_LONGS; i++) {
                UnsafeApi.putLong(a + TransactionFeatures.SKETCH_PREV + i * 8, scratch.getLong(SKETCH_PREV + i * 8));
                UnsafeApi.putLong(a + TransactionFeatures.SKETCH_CUR + i * 8, scratch.getLong(SKETCH_CUR + i * 8));
            }
            for (int i = 0; i < BUCKETS; i++) {
                final long m = a + BUCKETS_1M + i * BUCKET_BYTES;
                UnsafeApi.putInt(m, scratch.getInt(COUNTS_1M + i * 4));
                UnsafeApi.putLong(m + BUCKET_SUM, scratch.getLong(SUMS_1M + i * 8));
                final long h = a + BUCKETS_1H + i * BUCKET_BYTES;
                UnsafeApi.putInt(h, scratch.getInt(COUNTS_1H + i * 4));
                UnsafeApi.putLong(h + BUCKET_SUM, scratch.getLong(SUMS_1H + i * 8));
            }
        }
    }

    private static long nonZeroCounts(final long buckets) {
        long mask = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (UnsafeApi.getInt(buckets + i * BUCKET_BYTES) != 0) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    /**
     * The state of every account at {@link TransactionFeatures#beginSnapshot()}, for writing on any thread while the
     * owner goes on. Hand it to the writing thread through something that orders memory (an executor, a queue).
     * Always {@link #close()} it (after writing, or to abandon it): until then the owner keeps copies of the accounts
     * it changes. Thread safety: one thread at a time.
     */
    public static final class Snapshot implements AutoCloseable {
        private final KeyedSlotTable.Snapshot slots;

        Snapshot(final KeyedSlotTable.Snapshot slots) {
            this.slots = slots;
        }

        /** @return accounts in the snapshot. */
        public long accounts() {
            return slots.slots();
        }

        /** @return bytes {@link #writeTo} writes: the header and one slot per account. */
        public long bytes() {
            return HEADER_BYTES + slots.slots() * (long)SLOT_BYTES;
        }

        /**
         * Writes the snapshot in the format of {@link TransactionFeatures#writeSnapshot} (the accounts changed
         * since the snapshot began come last). Once; any thread. Allocates.
         */
        public void writeTo(final WritableByteChannel channel) throws IOException {
            writeFully(channel, header(slots.slots()));
            slots.writeSlots(channel);
        }

        /** Ends the snapshot, written or not. Idempotent; any thread. */
        @Override
        public void close() {
            slots.close();
        }
    }

    private static void writeFully(final WritableByteChannel channel, final ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void readFully(final ReadableByteChannel channel, final ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new IOException("snapshot ends early");
            }
        }
    }
}
