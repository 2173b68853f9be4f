package io.vigil.engine;

import io.vigil.codecs.sbe.DecisionEncoder;
import io.vigil.codecs.sbe.MessageHeaderEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OutputStageTest {
    /** What the encoder writes for a model version, as a Decision's bytes. */
    private static byte[] encoded(final java.util.function.Consumer<DecisionEncoder> setVersion) {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        buffer.setMemory(0, 256, (byte)0x5a); // what the previous answer left in the buffer
        final DecisionEncoder encoder = new DecisionEncoder().wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder());
        setVersion.accept(encoder);
        final byte[] bytes = new byte[MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    @Test
    void shouldWriteTheModelVersionBytesTheEncoderWritesForItsText() {
        final int length = DecisionEncoder.modelVersionLength();
        for (final String version : new String[] {"", "mlp-1", "fraud-mlp-v1.2", "café-1", "x".repeat(length)}) {
            final byte[] fixed = OutputStage.fixedAscii(version, length);
            assertArrayEquals(encoded(e -> e.modelVersion(version)), encoded(e -> e.putModelVersion(fixed, 0)), version);
        }
        assertThrows(IllegalArgumentException.class, () -> OutputStage.fixedAscii("x".repeat(length + 1), length));
    }
}
