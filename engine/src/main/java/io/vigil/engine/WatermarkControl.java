package io.vigil.engine;

import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.WatermarkTickDecoder;
import io.vigil.codecs.sbe.WatermarkTickEncoder;
import io.vigil.journal.JournalWriter;
import io.vigil.journal.Journals;
import io.vigil.journal.RecordHeader;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The watermark tick control record ({@code WatermarkTick}, SBE template {@link WatermarkTickEncoder#TEMPLATE_ID}):
 * a timer's wall-clock observation, journaled so that idleness is decided by the journal and not by the clock of
 * whoever reads it, and the event-time policy (out-of-orderness bound, idle timeout, allowed lateness) in force from
 * the tick on. The gateway appends one at start and then periodically while events flow
 * ({@code vigil.watermark.tick.interval}); {@link #tick} is the service method for other writers (tests, tools).
 * See {@code docs/event-time.md}.
 *
 * <p>Stateless and thread-safe; {@link #tick} allocates (control plane only), {@link #encode} and {@link #decode} do
 * not.
 */
public final class WatermarkControl {
    /** {@link Policy#allowedLatenessNs()} of an unbounded lateness: every late event is applied. */
    public static final long UNBOUNDED = -1;
    /** Bytes of an encoded tick, header included. */
    public static final int LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + WatermarkTickEncoder.BLOCK_LENGTH;

    private WatermarkControl() {
    }

    /**
     * The event-time policy a tick carries.
     *
     * @param maxOutOfOrdernessNs a source's watermark is its largest event time minus this.
     * @param idleTimeoutNs       a source silent this long (by ingest time) at a tick is idle; 0: never.
     * @param allowedLatenessNs   events further behind the watermark are not applied; {@link #UNBOUNDED}: all are.
     */
    public record Policy(long maxOutOfOrdernessNs, long idleTimeoutNs, long allowedLatenessNs) {
        public Policy {
            if (maxOutOfOrdernessNs < 0 || idleTimeoutNs < 0 || allowedLatenessNs < UNBOUNDED) {
                throw new IllegalArgumentException("event-time policy out of range: " + maxOutOfOrdernessNs + ", " +
                    idleTimeoutNs + ", " + allowedLatenessNs);
            }
        }

        /** The policy of an engine configuration ({@code vigil.watermark.*}, {@code vigil.lateness.allowed}). */
        public static Policy of(final EngineContext context) {
            return new Policy(context.maxOutOfOrdernessNs(), context.idleTimeoutNs(), context.allowedLatenessNs());
        }
    }

    /**
     * Appends a tick observed at {@code observedNs} to the input journal (header source
     * {@link RecordHeader#SOURCE_ADMIN}, ingest time {@code observedNs}).
     *
     * @return the record's input index.
     * @throws IllegalStateException when the journal could not be written.
     */
    public static long tick(final Journals journals, final long observedNs, final Policy policy) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[LENGTH]);
        final int length = encode(observedNs, policy, buffer, 0);
        try (JournalWriter input = journals.inputWriter()) {
            final long index = input.append(observedNs, 0, 0, 0, RecordHeader.NO_INDEX, 0,
                WatermarkTickEncoder.TEMPLATE_ID, RecordHeader.SOURCE_ADMIN, buffer, 0, length);
            if (index == JournalWriter.FAILED) {
                throw new IllegalStateException("cannot append to the input journal: " + input.lastFailure(), input.lastFailure());
            }
            return index;
        }
    }

    /** Encodes a tick (header included) at {@code offset}; returns its length. Allocation-free. */
    public static int encode(final long observedNs, final Policy policy, final MutableDirectBuffer buffer, final int offset) {
        return encode(observedNs, policy.maxOutOfOrdernessNs(), policy.idleTimeoutNs(), policy.allowedLatenessNs(), buffer,
            offset, new WatermarkTickEncoder(), new MessageHeaderEncoder());
    }

    /** Encodes a tick with caller-owned flyweights (the gateway's sweep: no allocation). */
    public static int encode(final long observedNs, final long maxOutOfOrdernessNs, final long idleTimeoutNs,
        final long allowedLatenessNs, final MutableDirectBuffer buffer, final int offset, final WatermarkTickEncoder encoder,
        final MessageHeaderEncoder header) {
        encoder.wrapAndApplyHeader(buffer, offset, header)
            .observedTimeNs(observedNs)
            .idleTimeoutNs(idleTimeoutNs)
            .maxOutOfOrdernessNs(maxOutOfOrdernessNs)
            .allowedLatenessNs(allowedLatenessNs);
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /** Wraps {@code decoder} over the tick at {@code offset} (header included). Allocation-free. */
    public static WatermarkTickDecoder decode(final DirectBuffer buffer, final int offset, final WatermarkTickDecoder decoder,
        final MessageHeaderDecoder header) {
        return decoder.wrapAndApplyHeader(buffer, offset, header.wrap(buffer, offset));
    }
}
