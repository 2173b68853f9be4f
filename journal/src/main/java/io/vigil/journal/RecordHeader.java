package io.vigil.journal;

/**
 * Layout of the fixed header that starts every journal excerpt, little-endian, {@link #LENGTH} bytes:
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
 * 46  uint16 source          dlq: {@link #SOURCE_GATEWAY} or {@link #SOURCE_ENGINE}; input: {@link #SOURCE_ADMIN}
 *                            for a control record, else 0; output: 0
 * 48  int32  payloadLength   bytes that follow
 * 52  ...    payload
 * </pre>
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
    /** Bytes in the header. */
    public static final int LENGTH = 52;

    /** Dead letter rejected by the gateway (framing, session rules, journal failure). */
    public static final int SOURCE_GATEWAY = 1;
    /** Dead letter rejected by the pipeline's validation. */
    public static final int SOURCE_ENGINE = 2;

    /** Input record appended by an admin path (a control record), never by a client session. */
    public static final int SOURCE_ADMIN = 3;

    /** refIndex of a record that refers to no input excerpt. */
    public static final long NO_INDEX = -1;

    private RecordHeader() {
    }
}
