package io.vigil.journal;

import org.agrona.concurrent.UnsafeBuffer;

import java.util.zip.CRC32C;

/**
 * Layout of the fixed header that starts every journal excerpt, little-endian. Version 1 (written since records carry
 * a checksum), {@link #LENGTH} bytes:
 *
 * <pre>
 *  0  int64  timeNs          input: ingest time (epoch ns); output: ingest time of the answered event;
 *                            dlq: time the frame was rejected
 *  8  int64  sessionId       gateway session the record belongs to
 * 16  int64  clientId        client id given at Logon, 0 before Logon
 * 24  int64  clientSequence  client sequence of the event, 0 if none
 * 32  int64  refIndex        output and dlq: input journal index of the event, -1 if it was never journaled;
 *                            input: -1
 * 40  int32  tenantId        tenant given at Logon
 * 44  uint16 code            dlq: RejectReason value; output: SBE template id of the answer; input: template id
 * 46  uint16 source          dlq: {@link #SOURCE_GATEWAY} or {@link #SOURCE_ENGINE}; input: {@link #SOURCE_ADMIN} for a control record,
 *                            {@link #SOURCE_LOST} for a placeholder written by a repair, {@link #SOURCE_SYNTHETIC} for
 *                            an event of the built-in prober, else 0; output: 0
 * 48  int32  payloadLength   bytes that follow the header
 * 52  uint8  version         {@link #VERSION} (1)
 * 53  uint8  reserved        0
 * 54  uint16 reserved        0
 * 56  int32  reserved        0
 * 60  int32  crc32c          CRC32C (java.util.zip.CRC32C) of the record's own journal index (int64, little-endian),
 *                            then bytes 0..59, then the payload
 * 64  ...    payload
 * </pre>
 *
 * <p><b>Version 0</b> (journals written before checksums) is the first 52 bytes of the same layout (fields 0..48,
 * no version byte, no checksum) directly followed by the payload. The fields both versions share sit at the same
 * offsets, so a header field can be read without knowing the version ({@link JournalSearch} does).
 *
 * <p><b>Telling the versions apart</b> needs no guess and no magic number: the excerpt's length (which Chronicle
 * Queue keeps in its own document header, outside the record) decides. With {@code n} the payloadLength field, a
 * version 0 record is exactly {@code 52 + n} bytes long and a version 1 record exactly {@code 64 + n} bytes with 1 at
 * offset 52. The two lengths differ by 12 for the same {@code n}, so no record fits both; and since 12 is not a power
 * of two, no single flipped bit of payloadLength turns a version 1 record into a well-formed version 0 one. A record
 * that fits neither is damaged. A version 0 record is read as before, unchecked; a version 1 record is read only if
 * its CRC32C matches. Writers never go back to version 0, so a version 0 record after a version 1 record of the same
 * journal is damage too ({@link JournalCheck} applies that rule).
 *
 * <p>The checksum covers the record's index as well, so a sound record that turns up at another index (Chronicle
 * skipped a record before it whose document header was damaged, shifting every later index) fails it too.
 *
 * <p>Stateless constants and static helpers; thread-safe, allocation-free.
 */
public final class RecordHeader {
    public static final int TIME_NS_OFFSET = 0;
    public static final int SESSION_ID_OFFSET = 8;
    public static final int CLIENT_ID_OFFSET = 16;
    public static final int CLIENT_SEQUENCE_OFFSET = 24;
    public static final int REF_INDEX_OFFSET = 32;
    public static final int TENANT_ID_OFFSET = 40;
    public static final int CODE_OFFSET = 44;
    public static final int SOURCE_OFFSET = 46;
    public static final int PAYLOAD_LENGTH_OFFSET = 48;
    /** Offset of the version byte (version 1 and later). */
    public static final int VERSION_OFFSET = 52;
    /** Offset of the CRC32C (version 1). */
    public static final int CRC_OFFSET = 60;
    /** Bytes in the header written today (version 1). */
    public static final int LENGTH = 64;
    /** Bytes in a version 0 header (no version byte, no checksum). */
    public static final int LENGTH_V0 = 52;
    /** The version written today. */
    public static final int VERSION = 1;

    /** Dead letter rejected by the gateway (framing, session rules, journal failure). */
    public static final int SOURCE_GATEWAY = 1;
    /** Dead letter rejected by the pipeline's validation. */
    public static final int SOURCE_ENGINE = 2;
    /**
     * Input placeholder written by {@link JournalRepair} for an event whose input record was lost to damage but whose
     * answer is in the output journal: it carries the answered event's time, session, client, sequence and tenant,
     * and an empty payload, and keeps the input index of that answer, so the event is never accepted again as new and
     * a resend is answered from the output journal. Never decided: the pipeline sees it as already answered.
     */
    public static final int SOURCE_LOST = 4;

    /** Input record appended by an admin path (a control record), never by a client session. */
    public static final int SOURCE_ADMIN = 3;

    /**
     * Input event journaled by the gateway for the session of its built-in synthetic prober (the only session that
     * logs on with the server's internal credential, as the reserved synthetic tenant), never for a client: the event
     * goes through every stage, and the pipeline leaves it out of the business counts (events, decisions), live and
     * in every replay.
     */
    public static final int SOURCE_SYNTHETIC = 5;

    /** refIndex of a record that refers to no input excerpt. */
    public static final long NO_INDEX = -1;

    /** {@link #check} result: a well-formed version 1 record whose checksum matches. */
    public static final int SOUND_V1 = 1;
    /** {@link #check} result: a well-formed version 0 record (no checksum to verify). */
    public static final int SOUND_V0 = 0;
    /** {@link #check} result: the length fits neither layout. */
    public static final int BAD_LENGTH = -1;
    /** {@link #check} result: a version 1 record whose checksum does not match. */
    public static final int BAD_CRC = -2;

    private RecordHeader() {
    }

    /**
     * Checks the record of {@code length} bytes at the start of {@code record}: its layout (by length, see the class
     * comment) and, for version 1, its checksum.
     *
     * @return {@link #SOUND_V1}, {@link #SOUND_V0}, {@link #BAD_LENGTH} or {@link #BAD_CRC}.
     */
    public static int check(final UnsafeBuffer record, final int length, final long index, final CRC32C crc) {
        if (length < LENGTH_V0) {
            return BAD_LENGTH;
        }
        final int payloadLength = record.getInt(PAYLOAD_LENGTH_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        if (payloadLength < 0) {
            return BAD_LENGTH;
        }
        if (length == LENGTH_V0 + payloadLength) {
            return SOUND_V0;
        }
        if (length != LENGTH + payloadLength || (record.getByte(VERSION_OFFSET) & 0xFF) != VERSION) {
            return BAD_LENGTH;
        }
        final int expected = record.getInt(CRC_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
        return checksum(record.byteArray(), payloadLength, index, crc) == expected ? SOUND_V1 : BAD_CRC;
    }

    /** A description of a {@link #check} failure, for messages. */
    public static String describe(final int checkResult) {
        switch (checkResult) {
            case BAD_LENGTH:
                return "malformed record (its length fits no record layout)";
            case BAD_CRC:
                return "checksum mismatch (a damaged record, or one that is not at its own index)";
            default:
                return "sound";
        }
    }

    /**
     * The CRC32C of a version 1 record laid out in {@code record} (header from offset 0, payload from
     * {@link #LENGTH}) at journal index {@code index}: the index, bytes 0..59, then the payload. Allocation-free.
     */
    static int checksum(final byte[] record, final int payloadLength, final long index, final CRC32C crc) {
        crc.reset();
        for (int shift = 0; shift < 64; shift += 8) {
            crc.update((int)(index >>> shift));
        }
        crc.update(record, 0, CRC_OFFSET);
        crc.update(record, LENGTH, payloadLength);
        return (int)crc.getValue();
    }
}
