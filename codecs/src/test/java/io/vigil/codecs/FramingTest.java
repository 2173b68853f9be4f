package io.vigil.codecs;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FramingTest {
    @Test
    void shouldWriteSofhBigEndian() {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16]);
        assertEquals(10, Framing.writeSofh(buffer, 0, 4));
        assertEquals(0, buffer.getByte(0));
        assertEquals(10, buffer.getByte(3));
        assertEquals((byte)0x5B, buffer.getByte(4));
        assertEquals((byte)0xE0, buffer.getByte(5));
        assertEquals(10, Framing.frameLength(buffer, 0));
        assertEquals(Framing.SBE_LE_ENCODING_TYPE, Framing.encodingType(buffer, 0));
    }
}
