package io.vigil.scoring.features;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.List;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Per-account transaction features with the state kept off-heap, feature set {@link #VERSION}.
 *
 * <p><b>Thread safety:</b> not thread-safe; one thread (the shard's pipeline thread) owns an instance.
 * <b>Allocation:</b> {@link #onTransaction} allocates nothing in steady state. It allocates only when a
 * new account does not fit: the account map rehashes and the state buffer doubles (a new direct
 * buffer, the old one copied over). Size {@code expectedAccounts} generously to avoid that on the hot
 * path. Snapshots allocate (control plane only).
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

    // Slot layout (bytes from the slot's start).
    private static final int LAST_TIME = 0;
    private static final int EVENTS = 8;
    private static final int AMOUNT_MEAN = 16;
    private static final int AMOUNT_VAR = 24;
    private static final int VELOCITY_MEAN = 32;
    private static final int VELOCITY_VAR = 40;
    private static final int HEAD_1M = 48;
    private static final int HEAD_1H = 56;
    private static final int TOTAL_COUNT_1M = 64;
    private static final int TOTAL_SUM_1M = 72;
    private static final int TOTAL_COUNT_1H = 80;
    private static final int TOTAL_SUM_1H = 88;
    private static final int NEW_MERCHANT_EWMA = 96;
    private static final int HALF_INDEX = 104;
    private static final int SKETCH_PREV = 112;
    private static final int SKETCH_CUR = SKETCH_PREV + SKETCH_LONGS * 8;
    private static final int COUNTS_1M = SKETCH_CUR + SKETCH_LONGS * 8;
    private static final int SUMS_1M = COUNTS_1M + BUCKETS * 4;
    private static final int COUNTS_1H = SUMS_1M + BUCKETS * 8;
    private static final int SUMS_1H = COUNTS_1H + BUCKETS * 4;
    /** Bytes of state per account. */
    public static final int SLOT_BYTES = (SUMS_1H + BUCKETS * 8 + 63) & ~63;

    private static final int SNAPSHOT_MAGIC = 0x56545846; // "VTXF"
    private static final int SNAPSHOT_FORMAT = 1;
    private static final long MISSING = -1L;

    private final Long2LongHashMap slotByAccount;
    private ByteBuffer byteBuffer;
    private final UnsafeBuffer state = new UnsafeBuffer(new byte[0]);
    private int capacitySlots;
    private int usedSlots;

    /**
     * @param expectedAccounts accounts to size the map and the state buffer for (they grow beyond it).
     */
    public TransactionFeatures(final int expectedAccounts) {
        if (expectedAccounts < 1) {
            throw new IllegalArgumentException("expectedAccounts must be positive: " + expectedAccounts);
        }
        slotByAccount = new Long2LongHashMap(expectedAccounts * 2, org.agrona.collections.Hashing.DEFAULT_LOAD_FACTOR, MISSING);
        allocate(expectedAccounts);
    }

    /** @return the name of feature {@code i}. */
    public static String name(final int i) {
        return NAMES.get(i);
    }

    /** @return accounts with state. */
    public int accounts() {
        return usedSlots;
    }

    /** @return bytes of off-heap state currently reserved. */
    public long capacityBytes() {
        return (long)capacitySlots * SLOT_BYTES;
    }

    /**
     * Computes the features of one event and updates the account's state.
     *
     * @param out receives {@link #WIDTH} floats at {@code outOffset}.
     */
    public void onTransaction(
        final long accountId,
        final long merchantId,
        final int mcc,
        final long amountMinor,
        final int channel,
        final long eventTimeNs,
        final float[] out,
        final int outOffset) {
        long slot = slotByAccount.get(accountId);
        final boolean first = slot == MISSING;
        if (first) {
            slot = newSlot(accountId);
        }
        final UnsafeBuffer s = state;
        final int base = (int)(slot * SLOT_BYTES);
        final double logAmount = Math.log1p(Math.max(0L, amountMinor) / 100.0);
        final long amount = Math.max(0L, amountMinor);

        final float secsSincePrev;
        if (first) {
            secsSincePrev = MAX_GAP_SECONDS;
            s.putLong(base + LAST_TIME, eventTimeNs);
            s.putLong(base + HEAD_1M, Math.floorDiv(eventTimeNs, MINUTE_BUCKET_NS));
            s.putLong(base + HEAD_1H, Math.floorDiv(eventTimeNs, HOUR_BUCKET_NS));
            s.putLong(base + HALF_INDEX, Math.floorDiv(eventTimeNs, HALF_DAY_NS));
        } else {
            final long last = s.getLong(base + LAST_TIME);
            final long gapNs = eventTimeNs - last;
            if (gapNs <= 0) {
                secsSincePrev = 0f;
            } else {
                secsSincePrev = (float)Math.min(MAX_GAP_SECONDS, gapNs / 1e9);
                s.putLong(base + LAST_TIME, eventTimeNs);
            }
        }

        addToWindow(s, base, HEAD_1M, TOTAL_COUNT_1M, TOTAL_SUM_1M, COUNTS_1M, SUMS_1M, MINUTE_BUCKET_NS,
            eventTimeNs, amount);
        addToWindow(s, base, HEAD_1H, TOTAL_COUNT_1H, TOTAL_SUM_1H, COUNTS_1H, SUMS_1H, HOUR_BUCKET_NS,
            eventTimeNs, amount);
        final long count1m = s.getLong(base + TOTAL_COUNT_1M);

        final boolean newMerchant = markMerchant(s, base, merchantId, eventTimeNs);
        final double distinct = distinctMerchants(s, base);

        final long events = s.getLong(base + EVENTS);
        final double amountMean;
        final double amountZ;
        final double velocityZ;
        if (first) {
            amountMean = logAmount;
            amountZ = 0.0;
            velocityZ = 0.0;
            s.putDouble(base + AMOUNT_MEAN, logAmount);
            s.putDouble(base + AMOUNT_VAR, AMOUNT_INITIAL_VARIANCE);
            s.putDouble(base + VELOCITY_MEAN, count1m);
            s.putDouble(base + VELOCITY_VAR, 0.0);
        } else {
            amountMean = s.getDouble(base + AMOUNT_MEAN);
            final double amountVar = s.getDouble(base + AMOUNT_VAR);
            final double amountStd = Math.max(Math.sqrt(amountVar), AMOUNT_STD_FLOOR);
            amountZ = (logAmount - amountMean) / amountStd;
            final double d = clip(logAmount - amountMean, UPDATE_CLIP_STDS * amountStd);
            s.putDouble(base + AMOUNT_MEAN, amountMean + AMOUNT_ALPHA * d);
            s.putDouble(base + AMOUNT_VAR, (1.0 - AMOUNT_ALPHA) * (amountVar + AMOUNT_ALPHA * d * d));

            final double velocityMean = s.getDouble(base + VELOCITY_MEAN);
            final double velocityVar = s.getDouble(base + VELOCITY_VAR);
            final double velocityStd = Math.max(Math.sqrt(velocityVar), VELOCITY_STD_FLOOR);
            velocityZ = (count1m - velocityMean) / velocityStd;
            final double dv = clip(count1m - velocityMean, UPDATE_CLIP_STDS * velocityStd);
            s.putDouble(base + VELOCITY_MEAN, velocityMean + VELOCITY_ALPHA * dv);
            s.putDouble(base + VELOCITY_VAR, (1.0 - VELOCITY_ALPHA) * (velocityVar + VELOCITY_ALPHA * dv * dv));
        }
        s.putLong(base + EVENTS, events + 1);
        final double newMerchantFlag = newMerchant ? 1.0 : 0.0;
        final double newMerchantRate = first ? newMerchantFlag :
            s.getDouble(base + NEW_MERCHANT_EWMA) + NEW_MERCHANT_ALPHA * (newMerchantFlag - s.getDouble(base + NEW_MERCHANT_EWMA));
        s.putDouble(base + NEW_MERCHANT_EWMA, newMerchantRate);

        out[outOffset + LOG_AMOUNT] = (float)logAmount;
        out[outOffset + CHANNEL] = channel;
        out[outOffset + COUNT_1M] = count1m;
        out[outOffset + LOG_SUM_1M] = (float)Math.log1p(s.getLong(base + TOTAL_SUM_1M) / 100.0);
        out[outOffset + COUNT_1H] = s.getLong(base + TOTAL_COUNT_1H);
        out[outOffset + LOG_SUM_1H] = (float)Math.log1p(s.getLong(base + TOTAL_SUM_1H) / 100.0);
        out[outOffset + AMOUNT_EWMA] = (float)amountMean;
        out[outOffset + AMOUNT_Z] = (float)amountZ;
        out[outOffset + SECS_SINCE_PREV] = secsSincePrev;
        out[outOffset + DISTINCT_MERCHANTS_24H] = (float)distinct;
        out[outOffset + NEW_MERCHANT] = newMerchant ? 1f : 0f;
        out[outOffset + VELOCITY_Z] = (float)velocityZ;
        out[outOffset + LOG_EVENTS] = (float)Math.log1p(events);
        out[outOffset + NEW_MERCHANT_RATE] = (float)newMerchantRate;
    }

    private static double clip(final double value, final double limit) {
        return value > limit ? limit : value < -limit ? -limit : value;
    }

    private static void addToWindow(
        final UnsafeBuffer s,
        final int base,
        final int headOffset,
        final int totalCountOffset,
        final int totalSumOffset,
        final int countsOffset,
        final int sumsOffset,
        final long bucketNs,
        final long eventTimeNs,
        final long amount) {
        final long bucket = Math.floorDiv(eventTimeNs, bucketNs);
        final long head = s.getLong(base + headOffset);
        long totalCount = s.getLong(base + totalCountOffset);
        long totalSum = s.getLong(base + totalSumOffset);
        if (bucket > head) {
            final long advance = bucket - head;
            if (advance >= BUCKETS) {
                for (int i = 0; i < BUCKETS; i++) {
                    s.putInt(base + countsOffset + i * 4, 0);
                    s.putLong(base + sumsOffset + i * 8, 0L);
                }
                totalCount = 0;
                totalSum = 0;
            } else {
                for (long b = head + 1; b <= bucket; b++) {
                    final int i = (int)Math.floorMod(b, (long)BUCKETS);
                    totalCount -= s.getInt(base + countsOffset + i * 4);
                    totalSum -= s.getLong(base + sumsOffset + i * 8);
                    s.putInt(base + countsOffset + i * 4, 0);
                    s.putLong(base + sumsOffset + i * 8, 0L);
                }
            }
            s.putLong(base + headOffset, bucket);
        } else if (head - bucket >= BUCKETS) {
            return; // too late for this window
        }
        final int i = (int)Math.floorMod(bucket, (long)BUCKETS);
        s.putInt(base + countsOffset + i * 4, s.getInt(base + countsOffset + i * 4) + 1);
        s.putLong(base + sumsOffset + i * 8, s.getLong(base + sumsOffset + i * 8) + amount);
        s.putLong(base + totalCountOffset, totalCount + 1);
        s.putLong(base + totalSumOffset, totalSum + amount);
    }

    /** @return true if the merchant's bit was set in neither half before. */
    private static boolean markMerchant(
        final UnsafeBuffer s, final int base, final long merchantId, final long eventTimeNs) {
        final long half = Math.floorDiv(eventTimeNs, HALF_DAY_NS);
        final long current = s.getLong(base + HALF_INDEX);
        if (half > current) {
            final boolean keepCurrentAsPrevious = half == current + 1;
            for (int i = 0; i < SKETCH_LONGS; i++) {
                final long cur = s.getLong(base + SKETCH_CUR + i * 8);
                s.putLong(base + SKETCH_PREV + i * 8, keepCurrentAsPrevious ? cur : 0L);
                s.putLong(base + SKETCH_CUR + i * 8, 0L);
            }
            s.putLong(base + HALF_INDEX, half);
        }
        final int bit = (int)(mix(merchantId) >>> 56); // 0..255
        final int word = (bit >>> 6) * 8;
        final long mask = 1L << (bit & 63);
        final long cur = s.getLong(base + SKETCH_CUR + word);
        final long prev = s.getLong(base + SKETCH_PREV + word);
        final boolean seen = ((cur | prev) & mask) != 0;
        if (half >= current) {
            s.putLong(base + SKETCH_CUR + word, cur | mask);
        } else if (half == current - 1) {
            s.putLong(base + SKETCH_PREV + word, prev | mask);
        }
        return !seen;
    }

    private static double distinctMerchants(final UnsafeBuffer s, final int base) {
        int zeros = 0;
        for (int i = 0; i < SKETCH_LONGS; i++) {
            zeros += Long.bitCount(~(s.getLong(base + SKETCH_CUR + i * 8) | s.getLong(base + SKETCH_PREV + i * 8)));
        }
        if (zeros == 0) {
            zeros = 1; // saturated: the estimate is a lower bound
        }
        return -SKETCH_BITS * Math.log((double)zeros / SKETCH_BITS);
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

    private long newSlot(final long accountId) {
        if (usedSlots == capacitySlots) {
            allocate(capacitySlots * 2);
        }
        final long slot = usedSlots++;
        state.setMemory((int)(slot * SLOT_BYTES), SLOT_BYTES, (byte)0);
        slotByAccount.put(accountId, slot);
        return slot;
    }

    private void allocate(final int slots) {
        final long bytes = (long)slots * SLOT_BYTES;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalStateException("feature state would exceed 2 GiB: " + slots + " accounts");
        }
        final ByteBuffer next = ByteBuffer.allocateDirect((int)bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (byteBuffer != null) {
            final ByteBuffer old = byteBuffer.duplicate();
            old.clear().limit(usedSlots * SLOT_BYTES);
            next.put(old).clear();
        }
        byteBuffer = next;
        state.wrap(next);
        capacitySlots = slots;
    }

    /**
     * Writes every account's state to {@code channel}: a header (magic, format, slot size, feature-set
     * version, account count), then per account its id and its slot. Allocates; control plane only.
     */
    public void writeSnapshot(final WritableByteChannel channel) throws IOException {
        final ByteBuffer header = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(SNAPSHOT_MAGIC).putInt(SNAPSHOT_FORMAT).putInt(SLOT_BYTES).putInt(WIDTH)
            .putLong(VERSION.hashCode()).putLong(usedSlots).flip();
        writeFully(channel, header);
        final ByteBuffer chunk = ByteBuffer.allocate(8 + SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        final Long2LongHashMap.EntryIterator it = slotByAccount.entrySet().iterator();
        while (it.hasNext()) {
            it.next();
            final long accountId = it.getLongKey();
            final int offset = (int)(it.getLongValue() * SLOT_BYTES);
            chunk.clear();
            chunk.putLong(accountId);
            state.getBytes(offset, chunk, 8, SLOT_BYTES);
            chunk.position(0).limit(8 + SLOT_BYTES);
            writeFully(channel, chunk);
        }
    }

    /**
     * Replaces all state with a snapshot written by {@link #writeSnapshot}. Allocates; control plane only.
     *
     * @throws IOException if the stream ends early or the snapshot is of another format or feature set.
     */
    public void readSnapshot(final ReadableByteChannel channel) throws IOException {
        final ByteBuffer header = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, header);
        header.flip();
        final int magic = header.getInt();
        final int format = header.getInt();
        final int slotBytes = header.getInt();
        final int width = header.getInt();
        final long versionHash = header.getLong();
        final long count = header.getLong();
        if (magic != SNAPSHOT_MAGIC || format != SNAPSHOT_FORMAT) {
            throw new IOException("not a TransactionFeatures snapshot (format " + SNAPSHOT_FORMAT + ")");
        }
        if (slotBytes != SLOT_BYTES || width != WIDTH || versionHash != VERSION.hashCode()) {
            throw new IOException("snapshot is of another feature set than " + VERSION);
        }
        if (count < 0 || count > Integer.MAX_VALUE / SLOT_BYTES) {
            throw new IOException("snapshot account count out of range: " + count);
        }
        slotByAccount.clear();
        usedSlots = 0;
        if (count > capacitySlots) {
            byteBuffer = null;
            allocate((int)count);
        }
        final ByteBuffer chunk = ByteBuffer.allocate(8 + SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long n = 0; n < count; n++) {
            chunk.clear();
            readFully(channel, chunk);
            final long accountId = chunk.getLong(0);
            final long slot = usedSlots++;
            state.putBytes((int)(slot * SLOT_BYTES), chunk, 8, SLOT_BYTES);
            slotByAccount.put(accountId, slot);
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
