package io.vigil.engine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UnitsTest {
    @Test
    void durationsTakeEveryUnitAndFractions() {
        assertEquals(7L, Units.durationNs("7ns"));
        assertEquals(100_000L, Units.durationNs("100us"));
        assertEquals(250_000_000L, Units.durationNs("250ms"));
        assertEquals(1_500_000_000L, Units.durationNs("1.5s"));
        assertEquals(120_000_000_000L, Units.durationNs(" 2M "));
        assertEquals(3_600_000_000_000L, Units.durationNs("1h"));
        assertEquals(7 * 86_400_000_000_000L, Units.durationNs("7d"));
        assertEquals(0L, Units.durationNs("0"));
        assertEquals(0L, Units.durationNs("0.0"));
    }

    @Test
    void durationTextIsTheShortestExactUnitAndReadsBack() {
        assertEquals("1m", Units.durationText(60_000_000_000L));
        assertEquals("90s", Units.durationText(90_000_000_000L));
        assertEquals("250ms", Units.durationText(250_000_000L));
        assertEquals("7ns", Units.durationText(7));
        for (final long ns : new long[] {86_400_000_000_000L, 3_600_000_000_000L, 1_500_000L, 1_001L}) {
            assertEquals(ns, Units.durationNs(Units.durationText(ns)));
        }
    }

    @Test
    void durationsRefuseWhatIsAmbiguousOrNonsense() {
        assertMessage("needs a unit", () -> Units.durationNs("100"));
        assertMessage("unknown duration unit 'weeks'", () -> Units.durationNs("2weeks"));
        assertMessage("negative", () -> Units.durationNs("-5s"));
        assertMessage("unknown duration unit 'soon'", () -> Units.durationNs("soon"));
        assertMessage("not a duration", () -> Units.durationNs("1.2.3s"));
        assertMessage("not a duration", () -> Units.durationNs("ms"));
        assertMessage("too long", () -> Units.durationNs("1000000d"));
    }

    @Test
    void sizesTakeBinarySuffixes() {
        assertEquals(512L, Units.sizeBytes("512"));
        assertEquals(64L * 1024, Units.sizeBytes("64k"));
        assertEquals(4L * 1024 * 1024, Units.sizeBytes("4M"));
        assertEquals(2L * 1024 * 1024 * 1024, Units.sizeBytes("2g"));
        assertMessage("negative", () -> Units.sizeBytes("-1"));
        assertMessage("not a size", () -> Units.sizeBytes("lots"));
        assertMessage("too large", () -> Units.sizeBytes("9000000000g"));
    }

    @Test
    void configurationErrorsNameTheKey() {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
            () -> VigilConfig.of(java.util.Map.of(VigilConfig.MAX_EVENT_AGE.name(), "5")).durationNs(VigilConfig.MAX_EVENT_AGE));
        assertTrue(ex.getMessage().contains("vigil.validation.event.time.max.age") && ex.getMessage().contains("needs a unit"),
            ex.getMessage());
    }

    private static void assertMessage(final String part, final org.junit.jupiter.api.function.Executable call) {
        final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, call);
        assertTrue(ex.getMessage().contains(part), ex.getMessage());
    }
}
