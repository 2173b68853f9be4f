package io.vigil.scoring.features.spec;

/**
 * One event's fields as {@link CompiledFeatures#onEvent} reads them: a mutable holder that the caller fills and
 * reuses (no allocation per event). Not thread-safe.
 */
public final class FeatureEvent {
    public int tenant;
    public long account;
    public long merchant;
    public int mcc;
    public long amountMinor;
    public int channel;
    /** Two ASCII bytes, first char high ({@code ('U' << 8) | 'S'}); 0 when unknown. */
    public int country;
    /** Three ASCII bytes, first char highest; 0 when unknown. */
    public int currency;
    public long eventTimeNs;

    /** Sets the fields TransactionFeatures reads (country and currency 0). @return this */
    public FeatureEvent set(
        final int tenant, final long account, final long merchant, final int mcc, final long amountMinor,
        final int channel, final long eventTimeNs) {
        this.tenant = tenant;
        this.account = account;
        this.merchant = merchant;
        this.mcc = mcc;
        this.amountMinor = amountMinor;
        this.channel = channel;
        this.eventTimeNs = eventTimeNs;
        this.country = 0;
        this.currency = 0;
        return this;
    }

    /**
     * Sets every field from a journaled transaction of {@code tenant}: what the engine's features stage and
     * {@code vigil features backfill} both feed {@link CompiledFeatures#onEvent} (one decoding for live and batch).
     *
     * @return this
     */
    public FeatureEvent set(final int tenant, final io.vigil.codecs.sbe.TransactionDecoder tx) {
        set(tenant, tx.accountId(), tx.merchantId(), tx.mcc(), tx.amountMinor(), tx.channelRaw(), tx.eventTimeNs());
        country = (tx.country(0) & 0xff) << 8 | (tx.country(1) & 0xff);
        currency = (tx.currency(0) & 0xff) << 16 | (tx.currency(1) & 0xff) << 8 | (tx.currency(2) & 0xff);
        return this;
    }

    /** @return the value of {@code field}. */
    public long get(final Field field) {
        switch (field) {
            case ACCOUNT: return account;
            case MERCHANT: return merchant;
            case MCC: return mcc;
            case AMOUNT: return amountMinor;
            case CHANNEL: return channel;
            case COUNTRY: return country;
            case CURRENCY: return currency;
            case EVENT_TIME: return eventTimeNs;
            default: throw new IllegalArgumentException(field.name());
        }
    }
}
