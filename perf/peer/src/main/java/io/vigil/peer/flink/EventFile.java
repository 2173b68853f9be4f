package io.vigil.peer.flink;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.EOFException;
import java.io.IOException;

/**
 * The events file both sides read: written by {@code io.vigil.peer.vigil.ExportEvents} from a Vigil input journal,
 * read by the Flink job. Big-endian ({@link DataOutput}).
 *
 * <pre>
 * header, 40 bytes: int32 magic "VPEV", int32 version 1, int64 maxAmountMinor, int64 maxFutureSkewNs,
 *                   int64 maxEventAgeNs (the validation limits of the recorded run), int64 reserved (0)
 * then per transaction, {@link #RECORD_BYTES} bytes, in journal order:
 *   int64 journalIndex, int64 ingestTimeNs, int64 eventTimeNs, int64 accountId, int64 merchantId, int64 amountMinor,
 *   int32 tenantId, uint16 mcc, int16 channel, 3 bytes currency, 2 bytes country, 3 bytes padding
 * </pre>
 *
 * Stateless helpers; thread-safe.
 */
public final class EventFile {
    public static final int MAGIC = 0x56504556; // "VPEV"
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 40;
    public static final int RECORD_BYTES = 64;

    /** The validation limits in a file's header. */
    public static final class Limits implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        public final long maxAmountMinor;
        public final long maxFutureSkewNs;
        public final long maxEventAgeNs;

        public Limits(final long maxAmountMinor, final long maxFutureSkewNs, final long maxEventAgeNs) {
            this.maxAmountMinor = maxAmountMinor;
            this.maxFutureSkewNs = maxFutureSkewNs;
            this.maxEventAgeNs = maxEventAgeNs;
        }

        @Override
        public String toString() {
            return "max amount " + maxAmountMinor + " minor, max future skew " + maxFutureSkewNs + " ns, max age " +
                maxEventAgeNs + " ns";
        }
    }

    private EventFile() {
    }

    public static void writeHeader(final DataOutput out, final Limits limits) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(limits.maxAmountMinor);
        out.writeLong(limits.maxFutureSkewNs);
        out.writeLong(limits.maxEventAgeNs);
        out.writeLong(0L);
    }

    public static Limits readHeader(final DataInput in) throws IOException {
        final int magic = in.readInt();
        final int version = in.readInt();
        if (magic != MAGIC || version != VERSION) {
            throw new IOException("not a version " + VERSION + " events file (magic 0x" + Integer.toHexString(magic) +
                ", version " + version + ")");
        }
        final Limits limits = new Limits(in.readLong(), in.readLong(), in.readLong());
        in.readLong();
        return limits;
    }

    /**
     * Writes one record. {@code currency} and {@code country} are the raw bytes as sent.
     */
    public static void write(final DataOutput out, final long journalIndex, final long ingestTimeNs, final long eventTimeNs,
        final long accountId, final long merchantId, final long amountMinor, final int tenantId, final int mcc,
        final int channel, final byte c0, final byte c1, final byte c2, final byte k0, final byte k1) throws IOException {
        out.writeLong(journalIndex);
        out.writeLong(ingestTimeNs);
        out.writeLong(eventTimeNs);
        out.writeLong(accountId);
        out.writeLong(merchantId);
        out.writeLong(amountMinor);
        out.writeInt(tenantId);
        out.writeShort(mcc);
        out.writeShort(channel);
        out.writeByte(c0);
        out.writeByte(c1);
        out.writeByte(c2);
        out.writeByte(k0);
        out.writeByte(k1);
        out.writeByte(0);
        out.writeByte(0);
        out.writeByte(0);
    }

    /**
     * @param record a scratch buffer of {@link #RECORD_BYTES} bytes (big-endian), reused from call to call.
     * @return the next record into a new Event, or null at the end of the file.
     */
    public static Event read(final java.io.DataInputStream in, final java.nio.ByteBuffer record) throws IOException {
        final byte[] bytes = record.array();
        final int n = in.readNBytes(bytes, 0, RECORD_BYTES);
        if (n == 0) {
            return null;
        }
        if (n < RECORD_BYTES) {
            throw new EOFException("the events file ends inside a record");
        }
        final Event e = new Event();
        e.journalIndex = record.getLong(0);
        e.ingestTimeNs = record.getLong(8);
        e.eventTimeNs = record.getLong(16);
        e.accountId = record.getLong(24);
        e.merchantId = record.getLong(32);
        e.amountMinor = record.getLong(40);
        e.tenantId = record.getInt(48);
        e.mcc = record.getShort(52) & 0xFFFF;
        e.channel = record.getShort(54);
        e.currency = (bytes[56] & 0xFF) << 16 | (bytes[57] & 0xFF) << 8 | (bytes[58] & 0xFF);
        e.country = (bytes[59] & 0xFF) << 8 | (bytes[60] & 0xFF);
        return e;
    }
}
