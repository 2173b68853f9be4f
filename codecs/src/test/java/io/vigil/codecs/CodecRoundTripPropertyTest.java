package io.vigil.codecs;

import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.MetricSampleEncoder;
import io.vigil.codecs.sbe.ReasonCodesDecoder;
import io.vigil.codecs.sbe.ReasonCodesEncoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.agrona.concurrent.UnsafeBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Random field values survive encode, frame, validate and decode unchanged. Each frame is decoded from an exact-size
 * copy so that a read outside the frame fails Agrona's bounds checks. jqwik prints the seed of a failing run.
 */
class CodecRoundTripPropertyTest {
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[Framing.DEFAULT_MAX_FRAME_BYTES]);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final TransactionEncoder transactionEncoder = new TransactionEncoder();
    private final TransactionDecoder transactionDecoder = new TransactionDecoder();
    private final MetricSampleEncoder metricEncoder = new MetricSampleEncoder();
    private final MetricSampleDecoder metricDecoder = new MetricSampleDecoder();
    private final DecisionEncoder decisionEncoder = new DecisionEncoder();
    private final DecisionDecoder decisionDecoder = new DecisionDecoder();

    @Property
    void shouldRoundTripTransaction(
        @ForAll final long clientSequence,
        @ForAll final long eventTimeNs,
        @ForAll final long accountId,
        @ForAll final long merchantId,
        @ForAll @IntRange(min = 0, max = 0xFFFF) final int mcc,
        @ForAll final long amountMinor,
        @ForAll @StringLength(max = 3) @CharRange(from = ' ', to = '~') final String currency,
        @ForAll @StringLength(max = 2) @CharRange(from = ' ', to = '~') final String country,
        @ForAll final Channel channel,
        @ForAll final Label label,
        @ForAll @IntRange(min = 0, max = 64) final int frameOffset) {
        transactionEncoder.wrapAndApplyHeader(buffer, Messages.headerOffset(frameOffset), headerEncoder)
            .clientSequence(clientSequence)
            .eventTimeNs(eventTimeNs)
            .accountId(accountId)
            .merchantId(merchantId)
            .mcc(mcc)
            .amountMinor(amountMinor)
            .currency(currency)
            .country(country)
            .channel(channel)
            .label(label);
        final UnsafeBuffer frame = validatedCopy(frameOffset, transactionEncoder.encodedLength());

        transactionDecoder.wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
        assertEquals(clientSequence, transactionDecoder.clientSequence());
        assertEquals(eventTimeNs, transactionDecoder.eventTimeNs());
        assertEquals(accountId, transactionDecoder.accountId());
        assertEquals(merchantId, transactionDecoder.merchantId());
        assertEquals(mcc, transactionDecoder.mcc());
        assertEquals(amountMinor, transactionDecoder.amountMinor());
        assertEquals(currency, transactionDecoder.currency());
        assertEquals(country, transactionDecoder.country());
        assertEquals(channel, transactionDecoder.channel());
        assertEquals(label, transactionDecoder.label());
        assertEquals(frame.capacity(), transactionDecoder.limit());
    }

    @Property
    void shouldRoundTripMetricSample(
        @ForAll final long clientSequence,
        @ForAll final long eventTimeNs,
        @ForAll final long seriesId,
        @ForAll final long valueBits,
        @ForAll final double value,
        @ForAll @IntRange(min = 0, max = 64) final int frameOffset) {
        // every bit pattern, NaNs and infinities included, plus jqwik's own double edge cases
        for (final double sample : new double[] {Double.longBitsToDouble(valueBits), value}) {
            metricEncoder.wrapAndApplyHeader(buffer, Messages.headerOffset(frameOffset), headerEncoder)
                .clientSequence(clientSequence)
                .eventTimeNs(eventTimeNs)
                .seriesId(seriesId)
                .value(sample);
            final UnsafeBuffer frame = validatedCopy(frameOffset, metricEncoder.encodedLength());

            metricDecoder.wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
            assertEquals(clientSequence, metricDecoder.clientSequence());
            assertEquals(eventTimeNs, metricDecoder.eventTimeNs());
            assertEquals(seriesId, metricDecoder.seriesId());
            assertEquals(Double.doubleToRawLongBits(sample), Double.doubleToRawLongBits(metricDecoder.value()));
            assertEquals(frame.capacity(), metricDecoder.limit());
        }
    }

    @Property
    void shouldRoundTripDecision(
        @ForAll final long clientSequence,
        @ForAll final long journalIndex,
        @ForAll final int modelScoreBits,
        @ForAll final float anomalyScore,
        @ForAll @StringLength(max = 16) @CharRange(from = ' ', to = '~') final String modelVersion,
        @ForAll final Action action,
        @ForAll @IntRange(min = 0, max = 0xFF) final int reasonBits,
        @ForAll @IntRange(min = 0, max = 64) final int frameOffset) {
        final float modelScore = Float.intBitsToFloat(modelScoreBits);
        decisionEncoder.wrapAndApplyHeader(buffer, Messages.headerOffset(frameOffset), headerEncoder)
            .clientSequence(clientSequence)
            .journalIndex(journalIndex)
            .modelScore(modelScore)
            .anomalyScore(anomalyScore)
            .modelVersion(modelVersion)
            .action(action);
        setReasons(decisionEncoder.reasons().clear(), reasonBits);
        final UnsafeBuffer frame = validatedCopy(frameOffset, decisionEncoder.encodedLength());

        decisionDecoder.wrap(frame, Messages.bodyOffset(0), Messages.blockLength(frame, 0), Messages.version(frame, 0));
        assertEquals(clientSequence, decisionDecoder.clientSequence());
        assertEquals(journalIndex, decisionDecoder.journalIndex());
        assertEquals(Float.floatToRawIntBits(modelScore), Float.floatToRawIntBits(decisionDecoder.modelScore()));
        assertEquals(Float.floatToRawIntBits(anomalyScore), Float.floatToRawIntBits(decisionDecoder.anomalyScore()));
        assertEquals(modelVersion, decisionDecoder.modelVersion());
        assertEquals(action, decisionDecoder.action());
        final ReasonCodesDecoder reasons = decisionDecoder.reasons();
        assertEquals(reasonBits, reasons.getRaw());
        assertEquals(bit(reasonBits, 0), reasons.mODEL_HIGH());
        assertEquals(bit(reasonBits, 1), reasons.mODEL_ELEVATED());
        assertEquals(bit(reasonBits, 2), reasons.aMOUNT_ANOMALY());
        assertEquals(bit(reasonBits, 3), reasons.vELOCITY_ANOMALY());
        assertEquals(bit(reasonBits, 4), reasons.mERCHANT_HOPPING());
        assertEquals(bit(reasonBits, 5), reasons.cARD_TESTING());
        assertEquals(bit(reasonBits, 6), reasons.mODEL_FALLBACK());
        assertEquals(bit(reasonBits, 7), reasons.mETRIC_ANOMALY());
        assertEquals(frame.capacity(), decisionDecoder.limit());
    }

    private static void setReasons(final ReasonCodesEncoder reasons, final int bits) {
        reasons.mODEL_HIGH(bit(bits, 0))
            .mODEL_ELEVATED(bit(bits, 1))
            .aMOUNT_ANOMALY(bit(bits, 2))
            .vELOCITY_ANOMALY(bit(bits, 3))
            .mERCHANT_HOPPING(bit(bits, 4))
            .cARD_TESTING(bit(bits, 5))
            .mODEL_FALLBACK(bit(bits, 6))
            .mETRIC_ANOMALY(bit(bits, 7));
    }

    private static boolean bit(final int bits, final int bit) {
        return (bits & (1 << bit)) != 0;
    }

    /** Completes the frame, checks FrameValidator accepts it, and returns a copy of exactly the frame's bytes. */
    private UnsafeBuffer validatedCopy(final int frameOffset, final int bodyLength) {
        final int frameLength = Messages.completeFrame(buffer, frameOffset, bodyLength);
        assertEquals(frameLength, FrameValidator.frameLength(buffer, frameOffset, frameLength, Framing.DEFAULT_MAX_FRAME_BYTES));
        assertNull(FrameValidator.validateMessage(buffer, frameOffset, frameLength));
        final byte[] bytes = new byte[frameLength];
        buffer.getBytes(frameOffset, bytes);
        return new UnsafeBuffer(bytes);
    }
}
