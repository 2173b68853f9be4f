package io.vigil.scoring.synthetic;

import static io.vigil.scoring.synthetic.SyntheticTransaction.PATTERN_AMOUNT_SPIKE;
import static io.vigil.scoring.synthetic.SyntheticTransaction.PATTERN_CARD_TESTING;
import static io.vigil.scoring.synthetic.SyntheticTransaction.PATTERN_MERCHANT_HOPPING;
import static io.vigil.scoring.synthetic.SyntheticTransaction.PATTERN_NONE;

/**
 * A deterministic, labelled stream of card transactions over a fixed population of accounts.
 *
 * <p><b>Thread safety:</b> not thread-safe; one thread calls {@link #next}. <b>Allocation:</b> the
 * constructor allocates the per-account tables (about 80 bytes per account); {@link #next} allocates
 * nothing. The same arguments give the same stream, event for event.
 *
 * <h2>Legitimate behaviour</h2>
 * Each account has a home country and currency, a typical amount (log-normal: median between about
 * 10 and 90 units, per-account spread 0.4-1.0 in log scale), five usual merchants,
 * a preferred channel and an activity weight (log-normal). Events pick an account by activity; 10% go to
 * a merchant new to the account; 3% of events happen abroad; 0.1% are big purchases (4.5-20x typical,
 * which overlaps with amount spikes); 2%
 * start a short legitimate session of 1-4 more events 5-40 s apart (which overlaps with the velocity
 * patterns); small amounts are common (coffee), so card-testing amounts alone do not give fraud away.
 *
 * <h2>Fraud patterns</h2>
 * Pattern starts are drawn so that about {@code fraudRate} of all events are fraud; each pattern hits a
 * uniformly chosen account:
 * <ul>
 * <li>card testing (45% of starts): 6-20 tiny amounts (0.50-5.00, a fifth up to 15.00), e-commerce or
 *     MOTO, new merchants, 1-12 s apart (a quarter slower: 15-60 s apart);</li>
 * <li>amount spike (25%): 1-2 amounts 7-55x the account's typical, 60% abroad, new merchant;</li>
 * <li>merchant hopping (30%): 5-10 mid amounts (1.5-4.5x typical, at least 20.00) at new merchants,
 *     10-60 s apart.</li>
 * </ul>
 * Event times increase by exponential gaps of mean {@code meanGapNs} (at least 1 ns) over the whole
 * stream; events of a pattern are interleaved with the rest of the stream.
 */
public final class SyntheticTransactions {
    /** Account ids are {@code ACCOUNT_ID_BASE + index}. */
    public static final long ACCOUNT_ID_BASE = 1_000_000L;
    private static final int USUAL_MERCHANTS = 5;
    private static final long LOCAL_MERCHANTS = 200_000L;
    private static final long ALL_MERCHANTS = 5_000_000L;
    private static final int MAX_SEQUENCES = 512;
    private static final long SECOND_NS = 1_000_000_000L;

    private static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "ES", "IT", "NL", "CA", "AU", "CH", "IE", "NZ"};
    private static final String[] CURRENCIES = {"USD", "GBP", "EUR", "EUR", "EUR", "EUR", "EUR", "CAD", "AUD", "CHF", "EUR", "NZD"};
    /** Cumulative weights of home countries (US and GB dominate). */
    private static final double[] HOME_CUMULATIVE = {0.35, 0.50, 0.60, 0.68, 0.73, 0.78, 0.82, 0.88, 0.93, 0.96, 0.98, 1.0};
    private static final int[] EVERYDAY_MCC = {5411, 5812, 5541, 5311, 5999, 5814, 5912, 4111, 5732, 7832};
    private static final int[] CARD_TESTING_MCC = {5815, 5816, 5967, 5999};
    private static final int[] SPIKE_MCC = {5732, 5944, 4829, 5311};
    private static final int ATM_MCC = 6011;

    private static final double LEGIT_SESSION_PROBABILITY = 0.02;
    private static final double LEGIT_SESSION_MEAN_LENGTH = 2.5;
    private static final double BIG_PURCHASE_PROBABILITY = 0.001;
    private static final double ABROAD_PROBABILITY = 0.03;

    private final int accounts;
    private final long meanGapNs;
    private final double patternStartProbability;
    private long rngState;
    private long timeNs;
    private boolean hasSpareGaussian;
    private double spareGaussian;

    private final double[] activityCumulative;
    private final byte[] homeCountry;
    private final byte[] preferredChannel;
    private final float[] logTypicalMinor;
    private final float[] logSpread;
    private final long[] usualMerchants;

    private int sequenceCount;
    private final int[] seqAccount = new int[MAX_SEQUENCES];
    private final byte[] seqPattern = new byte[MAX_SEQUENCES];
    private final byte[] seqVariant = new byte[MAX_SEQUENCES];
    private final int[] seqRemaining = new int[MAX_SEQUENCES];
    private final long[] seqNextTimeNs = new long[MAX_SEQUENCES];
    private final long[] seqGapMinNs = new long[MAX_SEQUENCES];
    private final long[] seqGapMaxNs = new long[MAX_SEQUENCES];

    /**
     * @param seed             the stream is a function of the arguments only.
     * @param accounts         size of the account population.
     * @param startEventTimeNs event time of the stream's start (the first event comes one gap later).
     * @param meanGapNs        mean gap between consecutive events of the whole stream.
     * @param fraudRate        target fraction of events that belong to fraud patterns, in [0, 0.5].
     */
    public SyntheticTransactions(
        final long seed, final int accounts, final long startEventTimeNs, final long meanGapNs, final double fraudRate) {
        if (accounts < 1) {
            throw new IllegalArgumentException("accounts must be positive: " + accounts);
        }
        if (meanGapNs < 1) {
            throw new IllegalArgumentException("meanGapNs must be positive: " + meanGapNs);
        }
        if (!(fraudRate >= 0.0 && fraudRate <= 0.5)) {
            throw new IllegalArgumentException("fraudRate must be in [0, 0.5]: " + fraudRate);
        }
        this.accounts = accounts;
        this.meanGapNs = meanGapNs;
        this.rngState = seed ^ 0x5DEECE66DL;
        this.timeNs = startEventTimeNs;

        final double meanPatternLength = 0.45 * 13.0 + 0.25 * 1.5 + 0.30 * 7.5;
        final double legitPerStart = 1.0 + LEGIT_SESSION_PROBABILITY * LEGIT_SESSION_MEAN_LENGTH;
        patternStartProbability =
            fraudRate * legitPerStart / (meanPatternLength * (1.0 - fraudRate) + fraudRate * legitPerStart);

        activityCumulative = new double[accounts];
        homeCountry = new byte[accounts];
        preferredChannel = new byte[accounts];
        logTypicalMinor = new float[accounts];
        logSpread = new float[accounts];
        usualMerchants = new long[accounts * USUAL_MERCHANTS];
        double total = 0;
        for (int i = 0; i < accounts; i++) {
            total += Math.exp(0.8 * gaussian());
            activityCumulative[i] = total;
            final double u = uniform();
            int c = 0;
            while (HOME_CUMULATIVE[c] < u) {
                c++;
            }
            homeCountry[i] = (byte)c;
            final double ch = uniform();
            preferredChannel[i] = (byte)(ch < 0.7 ? 0 : ch < 0.95 ? 1 : 3);
            logTypicalMinor[i] = (float)(Math.log(3500.0) + 0.55 * gaussian());
            logSpread[i] = (float)(0.4 + 0.6 * uniform());
            for (int m = 0; m < USUAL_MERCHANTS; m++) {
                usualMerchants[i * USUAL_MERCHANTS + m] = 1 + bounded(LOCAL_MERCHANTS);
            }
        }
        for (int i = 0; i < accounts; i++) {
            activityCumulative[i] /= total;
        }
    }

    /** @return the number of accounts. */
    public int accounts() {
        return accounts;
    }

    /** Fills {@code into} with the next event of the stream. */
    public void next(final SyntheticTransaction into) {
        timeNs += Math.max(1L, (long)(-Math.log(1.0 - uniform()) * meanGapNs));
        into.eventTimeNs = timeNs;

        int due = -1;
        long dueTimeNs = Long.MAX_VALUE;
        for (int s = 0; s < sequenceCount; s++) {
            if (seqNextTimeNs[s] <= timeNs && seqNextTimeNs[s] < dueTimeNs) {
                due = s;
                dueTimeNs = seqNextTimeNs[s];
            }
        }
        if (due >= 0) {
            emitSequenceEvent(due, into);
            return;
        }
        if (uniform() < patternStartProbability && sequenceCount < MAX_SEQUENCES) {
            final double u = uniform();
            final int pattern = u < 0.45 ? PATTERN_CARD_TESTING : u < 0.70 ? PATTERN_AMOUNT_SPIKE : PATTERN_MERCHANT_HOPPING;
            final int s = startSequence(pattern, (int)bounded(accounts));
            emitSequenceEvent(s, into);
            return;
        }
        final int account = pickAccountByActivity();
        legitEvent(account, into);
        if (uniform() < LEGIT_SESSION_PROBABILITY && sequenceCount < MAX_SEQUENCES) {
            final int s = sequenceCount++;
            seqAccount[s] = account;
            seqPattern[s] = PATTERN_NONE;
            seqVariant[s] = 0;
            seqRemaining[s] = 1 + (int)bounded(4);
            seqGapMinNs[s] = 5 * SECOND_NS;
            seqGapMaxNs[s] = 40 * SECOND_NS;
            seqNextTimeNs[s] = timeNs + gapNs(s);
        }
    }

    private int startSequence(final int pattern, final int account) {
        final int s = sequenceCount++;
        seqAccount[s] = account;
        seqPattern[s] = (byte)pattern;
        seqVariant[s] = 0;
        switch (pattern) {
            case PATTERN_CARD_TESTING:
                seqRemaining[s] = 6 + (int)bounded(15);
                if (uniform() < 0.25) {
                    seqGapMinNs[s] = 15 * SECOND_NS;
                    seqGapMaxNs[s] = 60 * SECOND_NS;
                } else {
                    seqGapMinNs[s] = SECOND_NS;
                    seqGapMaxNs[s] = 12 * SECOND_NS;
                }
                seqVariant[s] = (byte)(uniform() < 0.2 ? 1 : 0); // 1: amounts up to 15.00
                break;
            case PATTERN_AMOUNT_SPIKE:
                seqRemaining[s] = 1 + (int)bounded(2);
                seqGapMinNs[s] = 30 * SECOND_NS;
                seqGapMaxNs[s] = 600 * SECOND_NS;
                seqVariant[s] = (byte)(uniform() < 0.6 ? 1 : 0); // 1: abroad
                break;
            default:
                seqRemaining[s] = 5 + (int)bounded(6);
                seqGapMinNs[s] = 10 * SECOND_NS;
                seqGapMaxNs[s] = 60 * SECOND_NS;
                break;
        }
        seqNextTimeNs[s] = timeNs;
        return s;
    }

    private void emitSequenceEvent(final int s, final SyntheticTransaction into) {
        final int account = seqAccount[s];
        final int pattern = seqPattern[s];
        if (pattern == PATTERN_NONE) {
            legitEvent(account, into);
        } else {
            fraudEvent(account, pattern, seqVariant[s], into);
        }
        if (--seqRemaining[s] <= 0) {
            final int last = --sequenceCount;
            seqAccount[s] = seqAccount[last];
            seqPattern[s] = seqPattern[last];
            seqVariant[s] = seqVariant[last];
            seqRemaining[s] = seqRemaining[last];
            seqNextTimeNs[s] = seqNextTimeNs[last];
            seqGapMinNs[s] = seqGapMinNs[last];
            seqGapMaxNs[s] = seqGapMaxNs[last];
        } else {
            seqNextTimeNs[s] = timeNs + gapNs(s);
        }
    }

    private long gapNs(final int s) {
        return seqGapMinNs[s] + (long)(uniform() * (seqGapMaxNs[s] - seqGapMinNs[s]));
    }

    private void legitEvent(final int account, final SyntheticTransaction into) {
        into.accountId = ACCOUNT_ID_BASE + account;
        into.fraud = false;
        into.pattern = PATTERN_NONE;
        final boolean usual = uniform() < 0.9;
        into.merchantId = usual ?
            usualMerchants[account * USUAL_MERCHANTS + (int)bounded(USUAL_MERCHANTS)] : 1 + bounded(ALL_MERCHANTS);
        final double c = uniform();
        final int channel = c < 0.8 ? preferredChannel[account] : c < 0.96 ? (c < 0.88 ? 0 : 1) : 2;
        into.channel = channel;
        double logAmount = logTypicalMinor[account] + logSpread[account] * gaussian();
        if (uniform() < BIG_PURCHASE_PROBABILITY) {
            logAmount += 1.5 + 1.5 * uniform();
        }
        long amount = Math.max(50L, (long)Math.exp(logAmount));
        if (channel == 2) {
            amount = Math.max(2000L, Math.round(amount / 2000.0) * 2000L);
            into.mcc = ATM_MCC;
        } else {
            into.mcc = EVERYDAY_MCC[(int)Long.remainderUnsigned(into.merchantId * 0x9E3779B97F4A7C15L, EVERYDAY_MCC.length)];
        }
        into.amountMinor = amount;
        placeCountry(account, uniform() < ABROAD_PROBABILITY, into);
    }

    private void fraudEvent(final int account, final int pattern, final int variant, final SyntheticTransaction into) {
        into.accountId = ACCOUNT_ID_BASE + account;
        into.fraud = true;
        into.pattern = pattern;
        into.merchantId = 1 + bounded(ALL_MERCHANTS);
        switch (pattern) {
            case PATTERN_CARD_TESTING:
                into.amountMinor = variant == 1 ? 50 + bounded(1451) : 50 + bounded(451);
                into.channel = uniform() < 0.9 ? 1 : 3;
                into.mcc = CARD_TESTING_MCC[(int)bounded(CARD_TESTING_MCC.length)];
                placeCountry(account, uniform() < 0.3, into);
                break;
            case PATTERN_AMOUNT_SPIKE: {
                final double logAmount = logTypicalMinor[account] + 2.0 + 2.0 * uniform() + 0.3 * gaussian();
                into.amountMinor = Math.max(5000L, (long)Math.exp(logAmount));
                final double c = uniform();
                into.channel = c < 0.5 ? 1 : c < 0.9 ? 0 : 3;
                into.mcc = SPIKE_MCC[(int)bounded(SPIKE_MCC.length)];
                placeCountry(account, variant == 1, into);
                break;
            }
            default: {
                final double logAmount = logTypicalMinor[account] + 0.4 + 1.1 * uniform();
                into.amountMinor = Math.max(2000L, (long)Math.exp(logAmount));
                into.channel = uniform() < 0.5 ? 0 : 1;
                into.mcc = EVERYDAY_MCC[(int)bounded(EVERYDAY_MCC.length)];
                placeCountry(account, uniform() < 0.3, into);
                break;
            }
        }
    }

    private void placeCountry(final int account, final boolean abroad, final SyntheticTransaction into) {
        int c = homeCountry[account];
        if (abroad) {
            c = (c + 1 + (int)bounded(COUNTRIES.length - 1)) % COUNTRIES.length;
        }
        into.country = COUNTRIES[c];
        into.currency = CURRENCIES[c];
    }

    private int pickAccountByActivity() {
        final double u = uniform();
        int lo = 0;
        int hi = accounts - 1;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (activityCumulative[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** SplitMix64 (public-domain constants). */
    private long nextLong() {
        long z = (rngState += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** @return uniform in [0, 1). */
    private double uniform() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** @return uniform in [0, bound). */
    private long bounded(final long bound) {
        return (long)(uniform() * bound);
    }

    /** Standard normal, Marsaglia's polar method. */
    private double gaussian() {
        if (hasSpareGaussian) {
            hasSpareGaussian = false;
            return spareGaussian;
        }
        double u;
        double v;
        double s;
        do {
            u = 2.0 * uniform() - 1.0;
            v = 2.0 * uniform() - 1.0;
            s = u * u + v * v;
        } while (s >= 1.0 || s == 0.0);
        final double m = Math.sqrt(-2.0 * Math.log(s) / s);
        spareGaussian = v * m;
        hasSpareGaussian = true;
        return u * m;
    }
}
