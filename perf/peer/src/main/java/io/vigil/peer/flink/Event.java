package io.vigil.peer.flink;

/**
 * One Transaction as the Vigil input journal holds it, with its lineage (input journal index, ingest time):
 * the record type of the Flink job. A Flink POJO (public fields, no-argument constructor), so Flink serializes it with
 * its own {@code PojoSerializer}. Mutable; not thread-safe.
 */
public final class Event {
    /** Input journal index of the event in the Vigil journal it was exported from. */
    public long journalIndex;
    /** Ingest time from the journal record header (validation compares the event time with it). */
    public long ingestTimeNs;
    /** The event's own time, epoch nanoseconds: the time every feature is computed in. */
    public long eventTimeNs;
    public int tenantId;
    public long accountId;
    public long merchantId;
    public int mcc;
    public long amountMinor;
    /** Channel code as sent (POS=0, ECOMMERCE=1, ATM=2, MOTO=3; anything else is invalid). */
    public int channel;
    /** The three ISO 4217 letters as sent, packed {@code c0 << 16 | c1 << 8 | c2} (bytes, unsigned). */
    public int currency;
    /** The two ISO 3166 letters as sent, packed {@code c0 << 8 | c1} (bytes, unsigned). */
    public int country;

    public Event() {
    }
}
