package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import org.agrona.collections.IntHashSet;

import java.util.Currency;

/**
 * The decode-and-validate stage's rules: business checks of a decoded event against its ingest time.
 *
 * <p>Not thread-safe (one per pipeline thread); allocates only at construction.
 */
public final class EventValidator {
    private final IntHashSet currencies = new IntHashSet(512);
    private final long maxAmountMinor;
    private final long maxFutureSkewNs;
    private final long maxAgeNs;

    public EventValidator(final long maxAmountMinor, final long maxFutureSkewNs, final long maxAgeNs) {
        if (maxFutureSkewNs < 0 || maxAgeNs < 0) {
            throw new IllegalArgumentException("the event time bounds (" + VigilConfig.MAX_FUTURE_SKEW.name() + ", " +
                VigilConfig.MAX_EVENT_AGE.name() + ") must not be negative: " + maxFutureSkewNs + " ns, " + maxAgeNs + " ns");
        }
        this.maxAmountMinor = maxAmountMinor;
        this.maxFutureSkewNs = maxFutureSkewNs;
        this.maxAgeNs = maxAgeNs;
        for (final Currency currency : Currency.getAvailableCurrencies()) {
            final String code = currency.getCurrencyCode();
            if (code.length() == 3) {
                currencies.add(pack(code.charAt(0), code.charAt(1), code.charAt(2)));
            }
        }
    }

    public static EventValidator from(final EngineContext context) {
        return new EventValidator(context.maxAmountMinor(), context.maxFutureSkewNs(), context.maxEventAgeNs());
    }

    private static int pack(final int a, final int b, final int c) {
        return ((a & 0xFF) << 16) | ((b & 0xFF) << 8) | (c & 0xFF);
    }

    /** @return 0 when valid, else the RejectReason value. */
    public int validate(final TransactionDecoder tx, final long ingestTimeNs) {
        final long amount = tx.amountMinor();
        if (amount <= 0) {
            return RejectReason.INVALID_AMOUNT.value();
        }
        if (amount > maxAmountMinor) {
            return RejectReason.AMOUNT_OVER_LIMIT.value();
        }
        if (!currencies.contains(pack(tx.currency(0), tx.currency(1), tx.currency(2)))) {
            return RejectReason.UNKNOWN_CURRENCY.value();
        }
        if (!isUpperLetter(tx.country(0)) || !isUpperLetter(tx.country(1))) {
            return RejectReason.INVALID_FIELD.value();
        }
        final short channel = tx.channelRaw();
        if (channel < 0 || channel > Channel.MOTO.value()) {
            return RejectReason.INVALID_VALUE.value();
        }
        return validateTime(tx.eventTimeNs(), ingestTimeNs);
    }

    /** @return 0 when valid, else the RejectReason value. */
    public int validate(final MetricSampleDecoder sample, final long ingestTimeNs) {
        if (!Double.isFinite(sample.value())) {
            return RejectReason.INVALID_VALUE.value();
        }
        return validateTime(sample.eventTimeNs(), ingestTimeNs);
    }

    /**
     * Exact for every pair of int64 times: the distance between two longs always fits in an unsigned 64-bit value,
     * so it is taken in the direction that is non-negative and compared unsigned (a signed {@code event - ingest}
     * overflows near the ends of the range: an event time of -2^63 would read as far in the future).
     */
    private int validateTime(final long eventTimeNs, final long ingestTimeNs) {
        if (eventTimeNs > ingestTimeNs) {
            return Long.compareUnsigned(eventTimeNs - ingestTimeNs, maxFutureSkewNs) > 0 ?
                RejectReason.EVENT_TIME_IN_FUTURE.value() : 0;
        }
        return Long.compareUnsigned(ingestTimeNs - eventTimeNs, maxAgeNs) > 0 ? RejectReason.EVENT_TIME_TOO_OLD.value() : 0;
    }

    private static boolean isUpperLetter(final byte b) {
        return b >= 'A' && b <= 'Z';
    }
}
