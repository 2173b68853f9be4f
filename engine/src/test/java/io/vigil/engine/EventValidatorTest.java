package io.vigil.engine;

import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.MetricSampleEncoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The event-time checks are exact over the whole int64 range, where a signed difference would overflow. */
class EventValidatorTest {
    private static final long SKEW_NS = 300_000_000_000L;
    private static final long AGE_NS = 7L * 86_400_000_000_000L;
    private static final long NOW_NS = 1_767_225_600_000_000_000L;
    private static final int FUTURE = RejectReason.EVENT_TIME_IN_FUTURE.value();
    private static final int OLD = RejectReason.EVENT_TIME_TOO_OLD.value();

    private final EventValidator validator = new EventValidator(100_000_000L, SKEW_NS, AGE_NS);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
    private final MetricSampleEncoder sampleEncoder = new MetricSampleEncoder();
    private final MetricSampleDecoder sampleDecoder = new MetricSampleDecoder();
    private final TransactionEncoder transactionEncoder = new TransactionEncoder();
    private final TransactionDecoder transactionDecoder = new TransactionDecoder();

    @Test
    void shouldRejectTheOldestRepresentableEventTimeAsTooOldNotInTheFuture() {
        assertEquals(OLD, validateSample(Long.MIN_VALUE, NOW_NS));
        assertEquals(OLD, validateTransaction(Long.MIN_VALUE, NOW_NS));
        assertEquals(OLD, validateSample(Long.MIN_VALUE + 1, NOW_NS));
    }

    @Test
    void shouldRejectTheLatestRepresentableEventTimeAsInTheFuture() {
        assertEquals(FUTURE, validateSample(Long.MAX_VALUE, NOW_NS));
        assertEquals(FUTURE, validateTransaction(Long.MAX_VALUE, NOW_NS));
        assertEquals(FUTURE, validateSample(Long.MAX_VALUE, Long.MIN_VALUE));
        assertEquals(OLD, validateSample(Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Test
    void shouldAcceptEventTimesExactlyAtTheBounds() {
        assertEquals(0, validateSample(NOW_NS + SKEW_NS, NOW_NS));
        assertEquals(FUTURE, validateSample(NOW_NS + SKEW_NS + 1, NOW_NS));
        assertEquals(0, validateSample(NOW_NS - AGE_NS, NOW_NS));
        assertEquals(OLD, validateSample(NOW_NS - AGE_NS - 1, NOW_NS));
        assertEquals(0, validateSample(NOW_NS, NOW_NS));
    }

    @Test
    void shouldAcceptAnyTimeWhenTheBoundsAreTheWholeRange() {
        final EventValidator unbounded = new EventValidator(100, Long.MAX_VALUE, Long.MAX_VALUE);
        assertEquals(0, unbounded.validate(sample(Long.MIN_VALUE), -1));
        // 2^64 - 1 apart: more than any signed bound, so these two are the only times it refuses
        assertEquals(OLD, unbounded.validate(sample(Long.MIN_VALUE), Long.MAX_VALUE));
        assertEquals(FUTURE, unbounded.validate(sample(Long.MAX_VALUE), Long.MIN_VALUE));
    }

    @Test
    void shouldRefuseNegativeBounds() {
        assertThrows(IllegalArgumentException.class, () -> new EventValidator(100, -1, AGE_NS));
        assertThrows(IllegalArgumentException.class, () -> new EventValidator(100, SKEW_NS, -1));
    }

    @Property(tries = 2000)
    void shouldAgreeWithExactArithmetic(@ForAll("times") final long eventTimeNs, @ForAll("times") final long ingestTimeNs) {
        final BigInteger difference = BigInteger.valueOf(eventTimeNs).subtract(BigInteger.valueOf(ingestTimeNs));
        final int expected = difference.compareTo(BigInteger.valueOf(SKEW_NS)) > 0 ? FUTURE :
            difference.negate().compareTo(BigInteger.valueOf(AGE_NS)) > 0 ? OLD : 0;
        assertEquals(expected, validateSample(eventTimeNs, ingestTimeNs),
            "event " + eventTimeNs + " ingest " + ingestTimeNs);
        assertEquals(expected, validateTransaction(eventTimeNs, ingestTimeNs),
            "event " + eventTimeNs + " ingest " + ingestTimeNs);
    }

    /** Any long, weighted towards the ends of the range and the neighbourhood of the bounds around now. */
    @Provide
    Arbitrary<Long> times() {
        return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, Arbitraries.longs()),
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(Long.MIN_VALUE, Long.MIN_VALUE + AGE_NS)),
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(Long.MAX_VALUE - AGE_NS, Long.MAX_VALUE)),
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(NOW_NS - AGE_NS - 2, NOW_NS - AGE_NS + 2)),
            net.jqwik.api.Tuple.of(2, Arbitraries.longs().between(NOW_NS + SKEW_NS - 2, NOW_NS + SKEW_NS + 2)),
            net.jqwik.api.Tuple.of(1, Arbitraries.just(NOW_NS)));
    }

    private int validateSample(final long eventTimeNs, final long ingestTimeNs) {
        return validator.validate(sample(eventTimeNs), ingestTimeNs);
    }

    private MetricSampleDecoder sample(final long eventTimeNs) {
        sampleEncoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .clientSequence(1).eventTimeNs(eventTimeNs).seriesId(7).value(1.5);
        return sampleDecoder.wrap(buffer, MessageHeaderEncoder.ENCODED_LENGTH, MetricSampleEncoder.BLOCK_LENGTH,
            MetricSampleEncoder.SCHEMA_VERSION);
    }

    private int validateTransaction(final long eventTimeNs, final long ingestTimeNs) {
        transactionEncoder.wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
            .clientSequence(1).eventTimeNs(eventTimeNs).accountId(1).merchantId(2).mcc(5411).amountMinor(100)
            .currency("EUR").country("DE").channel(Channel.POS).label(Label.UNKNOWN);
        return validator.validate(transactionDecoder.wrap(buffer, MessageHeaderEncoder.ENCODED_LENGTH,
            TransactionEncoder.BLOCK_LENGTH, TransactionEncoder.SCHEMA_VERSION), ingestTimeNs);
    }
}
