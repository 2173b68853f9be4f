package io.vigil.peer.flink;

import java.util.Currency;
import java.util.HashSet;
import java.util.Set;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFilterFunction;

/**
 * Keeps the events Vigil's validation accepts (only those reach Vigil's features): the same checks as Vigil's
 * {@code EventValidator} for a Transaction, re-implemented: amount in {@code (0, max]}, a known ISO 4217 currency
 * (the JDK's list, as Vigil uses), two upper-case country letters, a channel code 0..3, and the event time within
 * the limits around the ingest time. One instance per subtask (not thread-safe).
 */
public final class Validation extends RichFilterFunction<Event> {
    private static final long serialVersionUID = 1L;
    private final EventFile.Limits limits;
    private transient Set<Integer> currencies;

    public Validation(final EventFile.Limits limits) {
        this.limits = limits;
    }

    @Override
    public void open(final OpenContext context) {
        currencies = new HashSet<>();
        for (final Currency currency : Currency.getAvailableCurrencies()) {
            final String code = currency.getCurrencyCode();
            if (code.length() == 3) {
                currencies.add((code.charAt(0) & 0xFF) << 16 | (code.charAt(1) & 0xFF) << 8 | (code.charAt(2) & 0xFF));
            }
        }
    }

    @Override
    public boolean filter(final Event e) {
        if (e.amountMinor <= 0 || e.amountMinor > limits.maxAmountMinor) {
            return false;
        }
        if (!currencies.contains(e.currency)) {
            return false;
        }
        if (!isUpperLetter(e.country >>> 8) || !isUpperLetter(e.country & 0xFF)) {
            return false;
        }
        if (e.channel < 0 || e.channel > 3) {
            return false;
        }
        // the distance taken in the direction that is non-negative, compared unsigned (exact for any two longs)
        if (e.eventTimeNs > e.ingestTimeNs) {
            return Long.compareUnsigned(e.eventTimeNs - e.ingestTimeNs, limits.maxFutureSkewNs) <= 0;
        }
        return Long.compareUnsigned(e.ingestTimeNs - e.eventTimeNs, limits.maxEventAgeNs) <= 0;
    }

    private static boolean isUpperLetter(final int b) {
        return b >= 'A' && b <= 'Z';
    }
}
