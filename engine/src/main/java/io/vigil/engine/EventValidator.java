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

    public static EventValidator from(final VigilConfig config) {
        return new EventValidator(
            config.longValue(VigilConfig.MAX_AMOUNT_MINOR),
            config.durationNs(VigilConfig.MAX_FUTURE_SKEW),
            config.durationNs(VigilConfig.MAX_EVENT_AGE));
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

    private int validateTime(final long eventTimeNs, final long ingestTimeNs) {
        if (eventTimeNs - ingestTimeNs > maxFutureSkewNs) {
            return RejectReason.EVENT_TIME_IN_FUTURE.value();
        }
        if (ingestTimeNs - eventTimeNs > maxAgeNs) {
            return RejectReason.EVENT_TIME_TOO_OLD.value();
        }
        return 0;
    }

    private static boolean isUpperLetter(final byte b) {
        return b >= 'A' && b <= 'Z';
    }
}
