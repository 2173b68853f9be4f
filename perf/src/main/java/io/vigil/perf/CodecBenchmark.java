package io.vigil.perf;

import io.vigil.codecs.Framing;
import io.vigil.codecs.sbe.Action;
import io.vigil.codecs.sbe.Channel;
import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.Label;
import io.vigil.codecs.sbe.MessageHeaderDecoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import io.vigil.codecs.sbe.TransactionDecoder;
import io.vigil.codecs.sbe.TransactionEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds to encode a framed Transaction (SOFH, header, body), to decode one (header and every field), and to
 * encode a Decision, with the SBE flyweights over a direct buffer. One state per thread; nothing allocates.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1) // JVM flags: BenchmarkMain prepends vigil.jvm.flags
@State(Scope.Thread)
public class CodecBenchmark {
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
    private final UnsafeBuffer decision = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final TransactionEncoder encoder = new TransactionEncoder();
    private final TransactionDecoder decoder = new TransactionDecoder();
    private final DecisionEncoder decisionEncoder = new DecisionEncoder();
    private long sequence;

    @Setup
    public void setup() {
        encodeTransaction();
    }

    /** @return the frame length. */
    @Benchmark
    public int encodeTransaction() {
        final TransactionEncoder tx = encoder.wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, headerEncoder)
            .clientSequence(++sequence)
            .eventTimeNs(1_700_000_000_000_000_000L + sequence)
            .accountId(1_000_000L + (sequence & 1023))
            .merchantId(77)
            .mcc(5411)
            .amountMinor(12_345)
            .channel(Channel.POS)
            .label(Label.LEGIT);
        tx.putCurrency((byte)'E', (byte)'U', (byte)'R');
        tx.putCountry((byte)'F', (byte)'R');
        return Framing.writeSofh(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + tx.encodedLength());
    }

    /** @return a checksum of the decoded fields. */
    @Benchmark
    public long decodeTransaction() {
        headerDecoder.wrap(buffer, Framing.SOFH_LENGTH);
        final TransactionDecoder tx = decoder.wrapAndApplyHeader(buffer, Framing.SOFH_LENGTH, headerDecoder);
        return tx.clientSequence() + tx.eventTimeNs() + tx.accountId() + tx.merchantId() + tx.mcc() + tx.amountMinor() +
            tx.currency(0) + tx.country(0) + tx.channelRaw() + tx.labelRaw();
    }

    /** @return the Decision's encoded length. */
    @Benchmark
    public int encodeDecision() {
        return decisionEncoder.wrapAndApplyHeader(decision, 0, headerEncoder)
            .clientSequence(++sequence)
            .journalIndex(sequence)
            .modelScore(0.25f)
            .anomalyScore(0.5f)
            .modelVersion("mlp-1")
            .action(Action.APPROVE)
            .encodedLength();
    }
}
