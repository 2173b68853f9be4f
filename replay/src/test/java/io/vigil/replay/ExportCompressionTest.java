package io.vigil.replay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ExportCompressionTest {
    @Test
    void shouldNameTheZstdLevelOfEachCompressionValueAndRefuseOthers() {
        assertEquals(ZstdCodecFactory.DEFAULT_LEVEL, ReplayCommand.Export.zstdLevel("zstd"));
        assertEquals(19, ReplayCommand.Export.zstdLevel("ZSTD:19"));
        assertEquals(0, ReplayCommand.Export.zstdLevel("none"));
        for (final String bad : new String[] {"zip", "zstd:0", "zstd:23", "zstd:x", ""}) {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> ReplayCommand.Export.zstdLevel(bad), bad);
            assertEquals(true, ex.getMessage().contains("expected zstd, zstd:LEVEL (1 to 22) or none"), ex.getMessage());
        }
    }
}
