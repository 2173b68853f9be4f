package io.vigil.codecs;

import io.vigil.codecs.sbe.ReasonCodesDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReasonNamesTest {
    /** Each name's bit, set alone, is the generated decoder's choice of that name (SBE's accessor: first letter lower). */
    @Test
    void namesFollowTheSchemaBitByBit() throws Exception {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4]);
        final ReasonCodesDecoder decoder = new ReasonCodesDecoder();
        for (int bit = 0; bit < ReasonNames.NAMES.size(); bit++) {
            final String name = ReasonNames.NAMES.get(bit);
            final Method choice = ReasonCodesDecoder.class.getMethod(Character.toLowerCase(name.charAt(0)) + name.substring(1));
            buffer.putInt(0, 1 << bit, ReasonCodesDecoder.BYTE_ORDER);
            decoder.wrap(buffer, 0);
            assertTrue((Boolean)choice.invoke(decoder), name + " is bit " + bit);
            buffer.putInt(0, ~(1 << bit), ReasonCodesDecoder.BYTE_ORDER);
            decoder.wrap(buffer, 0);
            assertEquals(false, choice.invoke(decoder), name + " is bit " + bit + " alone");
        }
    }

    @Test
    void formatsSetsReadably() {
        assertEquals("none", ReasonNames.of(0));
        assertEquals("MODEL_HIGH+CARD_TESTING", ReasonNames.of(1 | 1 << 5));
        assertEquals("METRIC_ANOMALY+TOO_LATE", ReasonNames.of(1 << 7 | 1 << 9));
        assertEquals("LATE_EVENT+bit10", ReasonNames.of(1 << 8 | 1 << 10));
    }
}
