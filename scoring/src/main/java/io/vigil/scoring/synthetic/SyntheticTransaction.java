package io.vigil.scoring.synthetic;

/**
 * One synthetic card transaction, a mutable holder that {@link SyntheticTransactions#next} fills.
 *
 * <p><b>Thread safety:</b> not thread-safe, a plain holder. <b>Allocation:</b> none after construction;
 * {@link #currency} and {@link #country} point at interned constants.
 */
public final class SyntheticTransaction {
    /** {@link #pattern} of a legitimate event. */
    public static final int PATTERN_NONE = 0;
    /** Card testing: many tiny e-commerce amounts at new merchants within a minute or two. */
    public static final int PATTERN_CARD_TESTING = 1;
    /** Amount spike: one or two amounts far above the account's typical, often abroad. */
    public static final int PATTERN_AMOUNT_SPIKE = 2;
    /** Merchant hopping: several mid amounts at many new merchants within minutes. */
    public static final int PATTERN_MERCHANT_HOPPING = 3;
    /** Number of pattern values (including {@link #PATTERN_NONE}). */
    public static final int PATTERNS = 4;

    public long accountId;
    public long merchantId;
    /** ISO 18245 merchant category code. */
    public int mcc;
    public long amountMinor;
    /** ISO 4217 alphabetic code of the amount. */
    public String currency;
    /** ISO 3166-1 alpha-2 code of the merchant's country. */
    public String country;
    /** {@code io.vigil.codecs.sbe.Channel} value: POS=0, ECOMMERCE=1, ATM=2, MOTO=3. */
    public int channel;
    public long eventTimeNs;
    /** Ground truth: true when the event belongs to an injected fraud pattern. */
    public boolean fraud;
    /** One of the {@code PATTERN_*} constants. */
    public int pattern;

    /** Copies every field of {@code other} into this holder. */
    public void copyFrom(final SyntheticTransaction other) {
        accountId = other.accountId;
        merchantId = other.merchantId;
        mcc = other.mcc;
        amountMinor = other.amountMinor;
        currency = other.currency;
        country = other.country;
        channel = other.channel;
        eventTimeNs = other.eventTimeNs;
        fraud = other.fraud;
        pattern = other.pattern;
    }

    @Override
    public String toString() {
        return "SyntheticTransaction{account=" + accountId + ", merchant=" + merchantId + ", mcc=" + mcc +
            ", amountMinor=" + amountMinor + " " + currency + ", country=" + country + ", channel=" + channel +
            ", eventTimeNs=" + eventTimeNs + ", fraud=" + fraud + ", pattern=" + pattern + '}';
    }
}
