package io.vigil.gateway.fuzz;

import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.HeartbeatEncoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.LogonEncoder;
import io.vigil.codecs.sbe.LogoutEncoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.MetricSampleEncoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

/** Random, valid-looking and mutated frames from a seeded {@link Random}. */
final class FrameFuzzer {
    private static final String[] CURRENCIES = {"EUR", "USD", "GBP", "JPY", "QQQ", "eur", "\0\0\0"};
    private final Random random;
    private final String credential;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private long sequence;
    private long nextClientId;
    /** Client id of the first Logon this fuzzer wrote, 0 if none. */
    long firstClientId;

    /**
     * @param firstClientIdToUse client ids of this fuzzer's Logons count up from it: give each fuzzer its own range,
     *                           so that every connection is a fresh client (a repeated seed would otherwise repeat
     *                           the client ids of an earlier connection, whose sequences the server remembers).
     */
    FrameFuzzer(final Random random, final String credential, final long firstClientIdToUse) {
        this.random = random;
        this.credential = credential;
        this.nextClientId = firstClientIdToUse;
    }

    byte[] logon(final String secret) {
        final LogonEncoder logon = new LogonEncoder().wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, header);
        final byte[] bytes = secret.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < LogonEncoder.credentialLength(); i++) {
            logon.credential(i, i < bytes.length ? bytes[i] : 0);
        }
        final long clientId = nextClientId++;
        if (firstClientId == 0) {
            firstClientId = clientId;
        }
        // mostly the shared secret's tenant (1); sometimes another claim, which the server must refuse
        logon.tenantId(random.nextInt(8) == 0 ? random.nextInt(4) : 1).clientId(clientId).nextExpectedSequence(1).heartbeatIntervalMs(0);
        return frame(logon.encodedLength());
    }

    /** One frame: mostly events, some other messages, mutations, and rarely broken framing. */
    byte[] next() {
        final int dice = random.nextInt(10_000);
        if (dice < 5500) {
            return transaction();
        }
        if (dice < 6500) {
            return metric();
        }
        if (dice < 8500) {
            return mutate(random.nextBoolean() ? transaction() : metric());
        }
        if (dice < 8800) {
            return frame(new HeartbeatEncoder().wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, header)
                .timestampNs(random.nextLong()).encodedLength());
        }
        if (dice < 9000) {
            return logon(random.nextInt(4) == 0 ? credential : "guess");
        }
        if (dice < 9200) {
            return frame(new DecisionEncoder().wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, header)
                .clientSequence(random.nextLong()).encodedLength());
        }
        if (dice < 9990) {
            final byte[] junk = new byte[Framing.MIN_FRAME_LENGTH + random.nextInt(80)];
            random.nextBytes(junk);
            buffer.putBytes(0, junk);
            Framing.writeSofh(buffer, 0, junk.length - Framing.SOFH_LENGTH);
            return Arrays.copyOf(buffer.byteArray(), junk.length);
        }
        if (dice < 9995) {
            return frame(new LogoutEncoder().wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, header).reason(0).encodedLength());
        }
        return brokenFraming();
    }

    byte[] transaction() {
        sequence += random.nextInt(10) == 0 ? -random.nextInt(3) : 1 + random.nextInt(3);
        final long nowNs = System.currentTimeMillis() * 1_000_000L;
        final TransactionEncoder tx = new TransactionEncoder().wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, header)
            .clientSequence(sequence)
            .eventTimeNs(random.nextInt(20) == 0 ? random.nextLong() : nowNs - random.nextInt(1_000_000_000))
            .accountId(random.nextInt(1000))
            .merchantId(random.nextInt(100))
            .mcc(random.nextInt(10_000))
            .amountMinor(random.nextInt(20) == 0 ? random.nextLong() : random.nextInt(100_000) - 10)
            .currency(CURRENCIES[random.nextInt(CURRENCIES.length)])
            .country(random.nextInt(10) == 0 ? "d1" : "DE")
            .channel(Channel.get((short)random.nextInt(4)))
            .label(Label.UNKNOWN);
        if (random.nextInt(50) == 0) {
            buffer.putByte(Framing.SOFH_LENGTH + MessageHeaderEncoder.ENCODED_LENGTH + TransactionEncoder.channelEncodingOffset(),
                (byte)(4 + random.nextInt(250)));
        }
        return frame(tx.encodedLength());
    }

    byte[] metric() {
        sequence += 1 + random.nextInt(2);
        final double value = random.nextInt(30) == 0 ? Double.NaN : random.nextGaussian() * 100;
        return frame(new MetricSampleEncoder().wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, header)
            .clientSequence(sequence)
            .eventTimeNs(System.currentTimeMillis() * 1_000_000L)
            .seriesId(random.nextInt(16))
            .value(value)
            .encodedLength());
    }

    /** Flips, overwrites or truncates bytes after the SOFH (the framing stays intact), or pads the frame. */
    private byte[] mutate(final byte[] frame) {
        byte[] out = frame;
        final int kind = random.nextInt(4);
        if (kind == 0) {
            out[Framing.SOFH_LENGTH + random.nextInt(out.length - Framing.SOFH_LENGTH)] ^= (byte)(1 << random.nextInt(8));
        } else if (kind == 1) {
            // header fields: blockLength, templateId, schemaId, version
            final int at = Framing.SOFH_LENGTH + random.nextInt(MessageHeaderEncoder.ENCODED_LENGTH);
            out[at] = (byte)random.nextInt(256);
        } else if (kind == 2) {
            out = Arrays.copyOf(out, Framing.MIN_FRAME_LENGTH + random.nextInt(out.length - Framing.MIN_FRAME_LENGTH + 1));
            final UnsafeBuffer view = new UnsafeBuffer(out);
            Framing.writeSofh(view, 0, out.length - Framing.SOFH_LENGTH);
        } else {
            out = Arrays.copyOf(out, Math.min(500, out.length + random.nextInt(64)));
            final UnsafeBuffer view = new UnsafeBuffer(out);
            Framing.writeSofh(view, 0, out.length - Framing.SOFH_LENGTH);
        }
        return out;
    }

    private byte[] brokenFraming() {
        final byte[] out = new byte[Framing.MIN_FRAME_LENGTH + random.nextInt(32)];
        random.nextBytes(out);
        final UnsafeBuffer view = new UnsafeBuffer(out);
        switch (random.nextInt(3)) {
            case 0:
                view.putShort(4, (short)random.nextInt(0x5BE0), Framing.SOFH_BYTE_ORDER);
                view.putInt(0, out.length, Framing.SOFH_BYTE_ORDER);
                break;
            case 1:
                view.putInt(0, random.nextInt(Framing.MIN_FRAME_LENGTH), Framing.SOFH_BYTE_ORDER);
                view.putShort(4, (short)Framing.SBE_LE_ENCODING_TYPE, Framing.SOFH_BYTE_ORDER);
                break;
            default:
                view.putInt(0, 513 + random.nextInt(100_000), Framing.SOFH_BYTE_ORDER);
                view.putShort(4, (short)Framing.SBE_LE_ENCODING_TYPE, Framing.SOFH_BYTE_ORDER);
        }
        return out;
    }

    private byte[] frame(final int bodyLength) {
        final int length = Framing.writeSofh(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + bodyLength);
        return Arrays.copyOf(buffer.byteArray(), length);
    }
}
