package io.vigil.peer.flink;

/**
 * One account's feature state in the Flink job, held in a keyed {@code ValueState}, and the feature update itself:
 * a re-implementation, independent of Vigil's code, of the feature set {@code txf-1} as Vigil's
 * {@code TransactionFeatures} documents it (14 floats; see that class's comment for the definitions), with the same
 * arithmetic in the same order and the same float/double conversions, so that both give the same bits.
 *
 * <p>Where Vigil keeps the state in an off-heap slot with live-bucket masks (an expired bucket is dropped by clearing
 * its bit), this keeps plain arrays and zeroes the buckets that leave a window: the same totals, the same features.
 *
 * <p>A Flink POJO (public fields, no-argument constructor). Not thread-safe: owned by one keyed operator subtask.
 */
public final class AccountState {
    public static final int WIDTH = 14;
    static final double AMOUNT_ALPHA = 0.1;
    static final double AMOUNT_INITIAL_VARIANCE = 1.0;
    static final double AMOUNT_STD_FLOOR = 0.25;
    static final double VELOCITY_ALPHA = 0.02;
    static final double VELOCITY_STD_FLOOR = 1.0;
    static final double UPDATE_CLIP_STDS = 3.0;
    static final double NEW_MERCHANT_ALPHA = 0.3;
    static final float MAX_GAP_SECONDS = 86_400f;
    static final long SECOND_NS = 1_000_000_000L;
    static final long MINUTE_NS = 60_000_000_000L;
    static final long HALF_DAY_NS = 12L * 3600 * 1_000_000_000L;
    static final int BUCKETS = 60;
    static final int SKETCH_BITS = 256;

    /** Latest event time seen (the account's clock). */
    public long lastTimeNs;
    /** Events seen before the current one. */
    public long events;
    public double amountMean;
    public double amountVar;
    public double velocityMean;
    public double velocityVar;
    public double newMerchantEwma;
    /** Newest bucket of each window (1-second buckets for the minute, 1-minute buckets for the hour). */
    public long head1m;
    public long head1h;
    public long count1m;
    public long sum1m;
    public long count1h;
    public long sum1h;
    /** Per-bucket counts and amount sums, ring-indexed by {@code floorMod(bucket, 60)}; buckets outside the window are 0. */
    public int[] counts1m = new int[BUCKETS];
    public long[] sums1m = new long[BUCKETS];
    public int[] counts1h = new int[BUCKETS];
    public long[] sums1h = new long[BUCKETS];
    /** The current half-day, and the merchant bitmaps of it and of the one before. */
    public long halfIndex;
    public long[] sketchCur = new long[SKETCH_BITS / 64];
    public long[] sketchPrev = new long[SKETCH_BITS / 64];

    public AccountState() {
    }

    /**
     * Computes the features of one event against this state (fresh when {@code first}) and updates the state.
     *
     * @param out receives {@link #WIDTH} floats.
     */
    public void onTransaction(final boolean first, final long merchantId, final long amountMinor, final int channel,
        final long eventTimeNs, final float[] out) {
        final double logAmount = Math.log1p(Math.max(0L, amountMinor) / 100.0);
        final long amount = Math.max(0L, amountMinor);

        final float secsSincePrev;
        if (first) {
            secsSincePrev = MAX_GAP_SECONDS;
            lastTimeNs = eventTimeNs;
            head1m = Math.floorDiv(eventTimeNs, SECOND_NS);
            head1h = Math.floorDiv(eventTimeNs, MINUTE_NS);
            halfIndex = Math.floorDiv(eventTimeNs, HALF_DAY_NS);
        } else {
            final long gapNs = eventTimeNs - lastTimeNs;
            if (gapNs <= 0) {
                secsSincePrev = 0f; // a late event (or one at the same time): the clock stays
            } else {
                secsSincePrev = (float)Math.min(MAX_GAP_SECONDS, gapNs / 1e9);
                lastTimeNs = eventTimeNs;
            }
        }

        // the minute window
        final long bucketS = Math.floorDiv(eventTimeNs, SECOND_NS);
        if (bucketS > head1m) {
            final long advance = bucketS - head1m;
            if (advance >= BUCKETS) {
                java.util.Arrays.fill(counts1m, 0);
                java.util.Arrays.fill(sums1m, 0L);
                count1m = 0;
                sum1m = 0;
            } else {
                for (long b = head1m + 1; b <= bucketS; b++) {
                    final int j = (int)Math.floorMod(b, (long)BUCKETS);
                    count1m -= counts1m[j];
                    sum1m -= sums1m[j];
                    counts1m[j] = 0;
                    sums1m[j] = 0L;
                }
            }
            head1m = bucketS;
        }
        if (head1m - bucketS < BUCKETS) {
            final int i = (int)Math.floorMod(bucketS, (long)BUCKETS);
            counts1m[i]++;
            sums1m[i] += amount;
            count1m++;
            sum1m += amount;
        }

        // the hour window
        final long bucketM = Math.floorDiv(eventTimeNs, MINUTE_NS);
        if (bucketM > head1h) {
            final long advance = bucketM - head1h;
            if (advance >= BUCKETS) {
                java.util.Arrays.fill(counts1h, 0);
                java.util.Arrays.fill(sums1h, 0L);
                count1h = 0;
                sum1h = 0;
            } else {
                for (long b = head1h + 1; b <= bucketM; b++) {
                    final int j = (int)Math.floorMod(b, (long)BUCKETS);
                    count1h -= counts1h[j];
                    sum1h -= sums1h[j];
                    counts1h[j] = 0;
                    sums1h[j] = 0L;
                }
            }
            head1h = bucketM;
        }
        if (head1h - bucketM < BUCKETS) {
            final int i = (int)Math.floorMod(bucketM, (long)BUCKETS);
            counts1h[i]++;
            sums1h[i] += amount;
            count1h++;
            sum1h += amount;
        }
        final long c1m = count1m;

        // merchants over the current and the previous half-day
        final long half = Math.floorDiv(eventTimeNs, HALF_DAY_NS);
        final long current = halfIndex;
        if (half > current) {
            final boolean keepCurrentAsPrevious = half == current + 1;
            for (int w = 0; w < sketchCur.length; w++) {
                sketchPrev[w] = keepCurrentAsPrevious ? sketchCur[w] : 0L;
                sketchCur[w] = 0L;
            }
            halfIndex = half;
        }
        final int bit = (int)(murmurFinalizer(merchantId) >>> 56); // 0..255
        final int word = bit >>> 6;
        final long mask = 1L << (bit & 63);
        final boolean newMerchant = ((sketchCur[word] | sketchPrev[word]) & mask) == 0;
        if (half >= current) {
            sketchCur[word] |= mask;
        } else if (half == current - 1) {
            sketchPrev[word] |= mask;
        }
        int zeros = 0;
        for (int w = 0; w < sketchCur.length; w++) {
            zeros += Long.bitCount(~(sketchCur[w] | sketchPrev[w]));
        }
        if (zeros == 0) {
            zeros = 1;
        }
        final double distinct = -SKETCH_BITS * Math.log((double)zeros / SKETCH_BITS);

        // EWMA / EWMV of the log amount and of count_1m, against the values before this event
        final long seen = events;
        final double mean;
        final double amountZ;
        final double velocityZ;
        if (first) {
            mean = logAmount;
            amountZ = 0.0;
            velocityZ = 0.0;
            amountMean = logAmount;
            amountVar = AMOUNT_INITIAL_VARIANCE;
            velocityMean = c1m;
            velocityVar = 0.0;
        } else {
            mean = amountMean;
            final double var = amountVar;
            final double std = Math.max(Math.sqrt(var), AMOUNT_STD_FLOOR);
            amountZ = (logAmount - mean) / std;
            final double d = clip(logAmount - mean, UPDATE_CLIP_STDS * std);
            amountMean = mean + AMOUNT_ALPHA * d;
            amountVar = (1.0 - AMOUNT_ALPHA) * (var + AMOUNT_ALPHA * d * d);

            final double vMean = velocityMean;
            final double vVar = velocityVar;
            final double vStd = Math.max(Math.sqrt(vVar), VELOCITY_STD_FLOOR);
            velocityZ = (c1m - vMean) / vStd;
            final double dv = clip(c1m - vMean, UPDATE_CLIP_STDS * vStd);
            velocityMean = vMean + VELOCITY_ALPHA * dv;
            velocityVar = (1.0 - VELOCITY_ALPHA) * (vVar + VELOCITY_ALPHA * dv * dv);
        }
        events = seen + 1;
        final double flag = newMerchant ? 1.0 : 0.0;
        final double rate = first ? flag : newMerchantEwma + NEW_MERCHANT_ALPHA * (flag - newMerchantEwma);
        newMerchantEwma = rate;

        out[0] = (float)logAmount;
        out[1] = channel;
        out[2] = c1m;
        out[3] = (float)Math.log1p(sum1m / 100.0);
        out[4] = count1h;
        out[5] = (float)Math.log1p(sum1h / 100.0);
        out[6] = (float)mean;
        out[7] = (float)amountZ;
        out[8] = secsSincePrev;
        out[9] = (float)distinct;
        out[10] = newMerchant ? 1f : 0f;
        out[11] = (float)velocityZ;
        out[12] = (float)Math.log1p(seen);
        out[13] = (float)rate;
    }

    private static double clip(final double value, final double limit) {
        return value > limit ? limit : value < -limit ? -limit : value;
    }

    /** MurmurHash3's 64-bit finalizer (public-domain constants): picks the merchant's bit. */
    static long murmurFinalizer(final long value) {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
