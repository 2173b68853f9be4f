package io.vigil.codecs;

import io.vigil.codecs.sbe.DecisionDecoder;
import io.vigil.codecs.sbe.HeartbeatDecoder;
import io.vigil.codecs.sbe.LogonAckDecoder;
import io.vigil.codecs.sbe.LogonDecoder;
import io.vigil.codecs.sbe.LogoutDecoder;
import io.vigil.codecs.sbe.MetricSampleDecoder;
import io.vigil.codecs.sbe.RejectDecoder;
import io.vigil.codecs.sbe.RejectReason;
import io.vigil.codecs.sbe.TransactionDecoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Hostile input: {@link FrameValidator} never throws, answers exactly what docs/protocol.md says (a length,
 * {@link FrameValidator#NEED_MORE} or the documented reason, checked against a model written from the page), and
 * every frame it accepts can be decoded, every field of it, from an exact-size
 * copy of the frame (Agrona's bounds checks turn any read outside the frame into a failure).
 */
class FrameValidatorPropertyTest {
    private static final List<Integer> TEMPLATE_IDS = List.of(
        LogonDecoder.TEMPLATE_ID, LogonAckDecoder.TEMPLATE_ID, RejectDecoder.TEMPLATE_ID, HeartbeatDecoder.TEMPLATE_ID,
        LogoutDecoder.TEMPLATE_ID, TransactionDecoder.TEMPLATE_ID, MetricSampleDecoder.TEMPLATE_ID, DecisionDecoder.TEMPLATE_ID);

    private final FrameDecoders decoders = new FrameDecoders();

    @Property
    void shouldNeverThrowOnRandomBytes(
        @ForAll @Size(max = 600) final byte[] bytes,
        @ForAll @IntRange(min = Framing.MIN_FRAME_LENGTH, max = 1024) final int maxFrameBytes) {
        check(bytes, maxFrameBytes);
    }

    @Property
    void shouldNeverThrowOnRandomBytesBehindPlausibleHeaders(@ForAll("plausibleFrames") final byte[] bytes) {
        check(bytes, Framing.DEFAULT_MAX_FRAME_BYTES);
    }

    @Property
    void shouldNeverThrowOnMutatedValidFrames(
        @ForAll("validFrames") final byte[] frame,
        @ForAll final long mutationSeed,
        @ForAll @IntRange(min = 1, max = 6) final int mutations) {
        final Random random = new Random(mutationSeed);
        byte[] bytes = frame.clone();
        for (int i = 0; i < mutations; i++) {
            switch (random.nextInt(5)) {
                case 0:
                    bytes[random.nextInt(bytes.length)] = (byte)random.nextInt(256);
                    break;
                case 1:
                    bytes[random.nextInt(Math.min(bytes.length, Framing.MIN_FRAME_LENGTH))] ^= (byte)(1 << random.nextInt(8));
                    break;
                case 2:
                    bytes = Arrays.copyOf(bytes, Math.max(1, bytes.length - 1 - random.nextInt(bytes.length)));
                    break;
                case 3:
                    bytes = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(64));
                    break;
                default:
                    // rewrite one header field, keeping the rest of the frame valid
                    if (bytes.length >= Framing.MIN_FRAME_LENGTH) {
                        final int field = Framing.SOFH_LENGTH + 2 * random.nextInt(4);
                        final int value = random.nextBoolean() ? random.nextInt(0x10000) : random.nextInt(64);
                        bytes[field] = (byte)value;
                        bytes[field + 1] = (byte)(value >>> 8);
                    }
                    break;
            }
        }
        check(bytes, Framing.DEFAULT_MAX_FRAME_BYTES);
    }

    @Property
    void shouldAcceptEveryUnmutatedValidFrame(@ForAll("validFrames") final byte[] frame) {
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        assertEquals(frame.length, FrameValidator.frameLength(buffer, 0, frame.length, Framing.DEFAULT_MAX_FRAME_BYTES));
        assertNull(FrameValidator.validateMessage(buffer, 0, frame.length));
        decoders.decodeAll(buffer);
    }

    /** Well-formed frames of every template written as schema version 1, 2 or a later one, with random field bytes. */
    @Provide
    Arbitrary<byte[]> validFrames() {
        return Combinators.combine(
            Arbitraries.of(TEMPLATE_IDS),
            Arbitraries.integers().between(0, 5),
            Arbitraries.integers().between(0, 16),
            Arbitraries.longs()).as((templateId, version, extraBlockBytes, seed) -> {
                final boolean newerVersion = version > Framing.SCHEMA_VERSION;
                final int blockLength = FrameValidator.minBlockLength(templateId, version) + (newerVersion ? extraBlockBytes : 0);
                final byte[] bytes = new byte[Framing.MIN_FRAME_LENGTH + blockLength];
                new Random(seed).nextBytes(bytes);
                TestFrames.writeFrameHeader(new UnsafeBuffer(bytes), 0, templateId, blockLength, version);
                return bytes;
            });
    }

    /**
     * Random bytes behind a SOFH and header that are usually, not always, right, with block and frame lengths around
     * the boundaries: a block as long as one schema version's, give or take two bytes, under a header that may claim
     * another version, and a few bytes more or less in the frame.
     */
    @Provide
    Arbitrary<byte[]> plausibleFrames() {
        return Combinators.combine(
            Arbitraries.of(TEMPLATE_IDS),
            Arbitraries.integers().between(0, 4),
            Arbitraries.integers().between(0, 4),
            Arbitraries.integers().between(-2, 2),
            Arbitraries.integers().between(-3, 8),
            Arbitraries.integers().between(0, 99),
            Arbitraries.longs()).as((templateId, blockVersion, claimedVersion, blockDelta, trailingBytes, corrupt, seed) -> {
                final Random random = new Random(seed);
                final int blockLength = Math.max(0, FrameValidator.minBlockLength(templateId, blockVersion) + blockDelta);
                final int frameLength = Math.max(0, Framing.MIN_FRAME_LENGTH + blockLength + trailingBytes);
                final byte[] bytes = new byte[Math.max(frameLength, Framing.MIN_FRAME_LENGTH) + random.nextInt(3)];
                random.nextBytes(bytes);
                TestFrames.writeFrameHeader(
                    new UnsafeBuffer(bytes), 0,
                    corrupt < 5 ? random.nextInt() & 0xFFFF_FFFFL : frameLength,
                    corrupt >= 5 && corrupt < 10 ? random.nextInt(0x10000) : Framing.SBE_LE_ENCODING_TYPE,
                    corrupt >= 10 && corrupt < 15 ? random.nextInt(0x10000) : blockLength,
                    corrupt >= 15 && corrupt < 20 ? random.nextInt(0x10000) : templateId,
                    corrupt >= 20 && corrupt < 25 ? random.nextInt(0x10000) : Framing.SCHEMA_ID,
                    corrupt >= 25 && corrupt < 30 ? random.nextInt(0x10000) : claimedVersion);
                return bytes;
            });
    }

    private void check(final byte[] bytes, final int maxFrameBytes) {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int result = FrameValidator.frameLength(buffer, 0, bytes.length, maxFrameBytes);
        assertEquals(expectedFrameLength(bytes, maxFrameBytes), result, "frameLength");
        if (result <= 0) {
            return;
        }
        final UnsafeBuffer frame = new UnsafeBuffer(Arrays.copyOf(bytes, result));
        final RejectReason reason = FrameValidator.validateMessage(frame, 0, result);
        assertEquals(expectedMessageReason(frame.byteArray()), reason, "validateMessage");
        if (reason == null) {
            decoders.decodeAll(frame);
        }
    }

    /** docs/protocol.md, "Framing", read independently of FrameValidator: big-endian SOFH, whole frame counted. */
    private static int expectedFrameLength(final byte[] bytes, final int maxFrameBytes) {
        if (bytes.length < 6) {
            return FrameValidator.NEED_MORE;
        }
        if ((bytes[4] & 0xFF) != 0x5B || (bytes[5] & 0xFF) != 0xE0) {
            return -RejectReason.BAD_ENCODING_TYPE.value();
        }
        final long length = ((bytes[0] & 0xFFL) << 24) | ((bytes[1] & 0xFFL) << 16) | ((bytes[2] & 0xFFL) << 8) | (bytes[3] & 0xFFL);
        if (length < 14) {
            return -RejectReason.FRAME_TOO_SHORT.value();
        }
        if (length > maxFrameBytes) {
            return -RejectReason.FRAME_TOO_LARGE.value();
        }
        return bytes.length >= length ? (int)length : FrameValidator.NEED_MORE;
    }

    /** docs/protocol.md, "Messages" and "Schema evolution": the reason a complete frame is rejected, or null. */
    private static RejectReason expectedMessageReason(final byte[] frame) {
        final int blockLength = (frame[6] & 0xFF) | (frame[7] & 0xFF) << 8;
        final int templateId = (frame[8] & 0xFF) | (frame[9] & 0xFF) << 8;
        final int schemaId = (frame[10] & 0xFF) | (frame[11] & 0xFF) << 8;
        final int version = (frame[12] & 0xFF) | (frame[13] & 0xFF) << 8;
        if (schemaId != 7301) {
            return RejectReason.UNKNOWN_SCHEMA;
        }
        final int documentedBlock;
        switch (templateId) {
            case 1: documentedBlock = 56; break;
            case 2: documentedBlock = 24; break;
            case 3: documentedBlock = 20; break;
            case 4: documentedBlock = 8; break;
            case 5: documentedBlock = 2; break;
            case 10: documentedBlock = version < 2 ? 48 : 49; break;
            case 11: documentedBlock = 32; break;
            case 20: documentedBlock = 45; break;
            default: return RejectReason.UNKNOWN_TEMPLATE;
        }
        return blockLength < documentedBlock || blockLength > frame.length - 14 ? RejectReason.BAD_BLOCK_LENGTH : null;
    }
}
